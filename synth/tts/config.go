package tts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config declares backend instances and the voices built on them. The zero
// value is empty; DefaultConfig is the embedded espeak-ng set-up, and
// LoadConfig layers a JSON file on top of it.
//
// File format (stdlib JSON):
//
//	{"backends": {"gcloud": {"type": "google", "api_key_env": "GOOGLE_TTS_API_KEY",
//	                         "daily_budget_chars": 1000000, "concurrency": 4, "rate_per_sec": 10}},
//	 "voices": [{"id": "vi-female-google", "backend": "gcloud", "name": "vi-VN-Wavenet-A",
//	             "language": "vi-VN", "fallback": "vi"}],
//	 "default_voice": "vi"}
//
// In a backend object, the keys below are read by the catalog; every other
// key is an engine setting handed to the engine's factory. A key ending in
// "_env" names an environment variable and one ending in "_file" names a file
// (relative to the config file) holding a secret; "api_key_env" fills the
// engine setting "api_key". Secret-looking keys (…key, …token, …secret,
// …password) given inline are rejected, so secrets live only in the
// environment or in files.
//
//	type                 engine name (Backends())
//	daily_budget_chars   optional budget per UTC day, in characters
//	daily_budget_bytes   optional budget per UTC day, in UTF-8 bytes (vendors that bill bytes)
//	concurrency          requests in flight at once; 0 = unlimited
//	rate_per_sec, burst  token-bucket request rate; 0 = unlimited, burst 0 = 1
//	timeout              per attempt, e.g. "60s"; 0 = the engine's advice or 60s
//	max_attempts         including the first; 0 = 4
//	retry_base_delay, retry_max_delay, max_retry_after   see RetryConfig
//	breaker_failures, breaker_cooldown                   see BreakerConfig
//	max_runes, max_bytes tighten the engine's input limit
//	discover_voices      add every voice the engine lists as "<backend>:<name>"
//
// With "include_defaults": false at the top level the embedded espeak
// backend and its voices are left out.
type Config struct {
	Backends     map[string]BackendConfig `json:"backends"`
	Voices       []VoiceConfig            `json:"voices"`
	DefaultVoice string                   `json:"default_voice"`
}

// BackendConfig is one backend instance: an engine plus its settings and the
// decorators the catalog wraps around it.
type BackendConfig struct {
	Type            string
	DailyBudget     int64  // 0 = no budget
	BillBy          string // "characters" (default) or "bytes"
	Concurrency     int
	RatePerSec      float64
	Burst           int
	Timeout         time.Duration
	MaxAttempts     int
	RetryBaseDelay  time.Duration
	RetryMaxDelay   time.Duration
	MaxRetryAfter   time.Duration
	BreakerFailures int
	BreakerCooldown time.Duration
	MaxRunes        int
	MaxBytes        int
	DiscoverVoices  bool
	Settings        map[string]string // engine settings, never secret
	Secrets         map[string]Secret // engine settings read from env or files
	secretRefs      map[string]secretRef
	secretsResolved bool
}

type secretRef struct {
	env, file string
}

// VoiceConfig declares one voice editors can pick.
type VoiceConfig struct {
	ID          string            `json:"id"`
	Backend     string            `json:"backend"`
	Name        string            `json:"name,omitempty"` // engine voice; "" = ID
	Language    string            `json:"language,omitempty"`
	Rate        float64           `json:"rate,omitempty"`
	Pitch       float64           `json:"pitch,omitempty"`
	Options     map[string]string `json:"options,omitempty"`
	Fallback    string            `json:"fallback,omitempty"`
	Description string            `json:"description,omitempty"`
}

// Secret holds a credential. It prints, logs and marshals as "[redacted]";
// only Reveal gives the value, for the engine that sends it.
type Secret string

const redacted = "[redacted]"

func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Reveal returns the credential itself.
func (s Secret) Reveal() string { return string(s) }

// IsSecretName reports whether a setting name looks like a credential.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	return n == "key" || strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "-key") ||
		strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "password")
}

// DefaultConfig is what Loa runs with no configuration: espeak-ng with the
// three Vietnamese voices, "vi" as default, and every other installed espeak
// voice as "espeak:<name>".
func DefaultConfig() Config {
	return Config{
		Backends: map[string]BackendConfig{
			"espeak": {Type: "espeak", DiscoverVoices: true},
		},
		Voices: []VoiceConfig{
			{ID: "vi", Backend: "espeak", Name: "vi", Language: "vi-VN", Description: "espeak-ng Vietnamese (Northern)"},
			{ID: "vi-vn-x-central", Backend: "espeak", Name: "vi-vn-x-central", Language: "vi-VN", Description: "espeak-ng Vietnamese (Central)"},
			{ID: "vi-vn-x-south", Backend: "espeak", Name: "vi-vn-x-south", Language: "vi-VN", Description: "espeak-ng Vietnamese (Southern)"},
		},
		DefaultVoice: "vi",
	}
}

// Environment variables LoadConfig reads besides the *_env secrets.
const (
	EnvConfigJSON   = "LOA_TTS_CONFIG_JSON"   // the whole config file inline, used when path is ""
	EnvDefaultVoice = "LOA_TTS_DEFAULT_VOICE" // overrides default_voice
)

// LoadConfig reads the JSON file at path (or $LOA_TTS_CONFIG_JSON when path
// is "") over DefaultConfig, fills secrets through getenv and files, and
// validates the result. A secret whose variable is unset is left empty: the
// engine then refuses to open and its voices show as unavailable, which keeps
// a development machine without cloud keys running on espeak.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var raw []byte
	baseDir := "."
	switch {
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read tts config: %w", err)
		}
		raw, baseDir = b, filepath.Dir(path)
	case getenv(EnvConfigJSON) != "":
		raw = []byte(getenv(EnvConfigJSON))
	}
	cfg := DefaultConfig()
	if raw != nil {
		var err error
		if cfg, err = parseConfig(raw); err != nil {
			return Config{}, fmt.Errorf("parse tts config %s: %w", describeSource(path), err)
		}
	}
	if v := getenv(EnvDefaultVoice); v != "" {
		cfg.DefaultVoice = v
	}
	for name, bc := range cfg.Backends {
		if err := bc.resolveSecrets(getenv, baseDir); err != nil {
			return Config{}, fmt.Errorf("backend %s: %w", name, err)
		}
		cfg.Backends[name] = bc
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func describeSource(path string) string {
	if path == "" {
		return "$" + EnvConfigJSON
	}
	return path
}

type fileConfig struct {
	IncludeDefaults *bool                      `json:"include_defaults"`
	Backends        map[string]json.RawMessage `json:"backends"`
	Voices          []VoiceConfig              `json:"voices"`
	DefaultVoice    string                     `json:"default_voice"`
}

func parseConfig(raw []byte) (Config, error) {
	var fc fileConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return Config{}, err
	}
	cfg := Config{Backends: map[string]BackendConfig{}}
	if fc.IncludeDefaults == nil || *fc.IncludeDefaults {
		cfg = DefaultConfig()
	}
	for name, msg := range fc.Backends {
		if string(bytes.TrimSpace(msg)) == "null" {
			delete(cfg.Backends, name) // "espeak": null drops the built-in engine
			continue
		}
		bc, err := parseBackend(msg)
		if err != nil {
			return Config{}, fmt.Errorf("backend %s: %w", name, err)
		}
		cfg.Backends[name] = bc
	}
	// Default voices whose backend the file removed go; a file voice
	// replaces a default voice with the same id.
	kept := cfg.Voices[:0]
	for _, v := range cfg.Voices {
		if _, ok := cfg.Backends[v.Backend]; ok {
			kept = append(kept, v)
		}
	}
	cfg.Voices = kept
	byID := map[string]int{}
	for i, v := range cfg.Voices {
		byID[v.ID] = i
	}
	inFile := map[string]bool{}
	for _, v := range fc.Voices {
		if inFile[v.ID] {
			return Config{}, fmt.Errorf("voice %s declared twice", v.ID)
		}
		inFile[v.ID] = true
		if i, ok := byID[v.ID]; ok {
			cfg.Voices[i] = v
			continue
		}
		byID[v.ID] = len(cfg.Voices)
		cfg.Voices = append(cfg.Voices, v)
	}
	if fc.DefaultVoice != "" {
		cfg.DefaultVoice = fc.DefaultVoice
	}
	return cfg, nil
}

func parseBackend(msg json.RawMessage) (BackendConfig, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil {
		return BackendConfig{}, err
	}
	bc := BackendConfig{Settings: map[string]string{}}
	var errs []error
	str := func(k string) string {
		var s string
		if err := json.Unmarshal(fields[k], &s); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a string", k))
		}
		return s
	}
	num := func(k string) float64 {
		var f float64
		if err := json.Unmarshal(fields[k], &f); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a number", k))
		}
		return f
	}
	dur := func(k string) time.Duration {
		var s string
		if json.Unmarshal(fields[k], &s) == nil {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration like \"30s\"", k, s))
			}
			return d
		}
		return time.Duration(num(k) * float64(time.Second)) // bare numbers are seconds
	}
	for k, v := range fields {
		if string(bytes.TrimSpace(v)) == "null" {
			continue
		}
		switch k {
		case "type":
			bc.Type = str(k)
		case "daily_budget_chars":
			bc.DailyBudget, bc.BillBy = int64(num(k)), "characters"
		case "daily_budget_bytes":
			bc.DailyBudget, bc.BillBy = int64(num(k)), "bytes"
		case "bill_by":
			bc.BillBy = str(k)
		case "concurrency":
			bc.Concurrency = int(num(k))
		case "rate_per_sec":
			bc.RatePerSec = num(k)
		case "burst":
			bc.Burst = int(num(k))
		case "timeout":
			bc.Timeout = dur(k)
		case "max_attempts":
			bc.MaxAttempts = int(num(k))
		case "retry_base_delay":
			bc.RetryBaseDelay = dur(k)
		case "retry_max_delay":
			bc.RetryMaxDelay = dur(k)
		case "max_retry_after":
			bc.MaxRetryAfter = dur(k)
		case "breaker_failures":
			bc.BreakerFailures = int(num(k))
		case "breaker_cooldown":
			bc.BreakerCooldown = dur(k)
		case "max_runes":
			bc.MaxRunes = int(num(k))
		case "max_bytes":
			bc.MaxBytes = int(num(k))
		case "discover_voices":
			if err := json.Unmarshal(v, &bc.DiscoverVoices); err != nil {
				errs = append(errs, fmt.Errorf("%s: want true or false", k))
			}
		default:
			if base, ok := strings.CutSuffix(k, "_env"); ok {
				bc.addRef(base, secretRef{env: str(k)})
				continue
			}
			if base, ok := strings.CutSuffix(k, "_file"); ok {
				bc.addRef(base, secretRef{file: str(k)})
				continue
			}
			if IsSecretName(k) {
				errs = append(errs, fmt.Errorf("%s looks like a secret: give %s_env or %s_file instead of the value", k, k, k))
				continue
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				bc.Settings[k] = s
			} else {
				var compact bytes.Buffer
				if err := json.Compact(&compact, v); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", k, err))
				}
				bc.Settings[k] = compact.String()
			}
		}
	}
	return bc, errors.Join(errs...)
}

func (bc *BackendConfig) addRef(name string, r secretRef) {
	if bc.secretRefs == nil {
		bc.secretRefs = map[string]secretRef{}
	}
	bc.secretRefs[name] = r
}

func (bc *BackendConfig) resolveSecrets(getenv func(string) string, baseDir string) error {
	if bc.secretsResolved || len(bc.secretRefs) == 0 {
		return nil
	}
	secrets := make(map[string]Secret, len(bc.Secrets)+len(bc.secretRefs))
	for k, v := range bc.Secrets {
		secrets[k] = v
	}
	for name, ref := range bc.secretRefs {
		switch {
		case ref.env != "":
			if v := getenv(ref.env); v != "" {
				secrets[name] = Secret(v)
			}
		case ref.file != "":
			p := ref.file
			if !filepath.IsAbs(p) {
				p = filepath.Join(baseDir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				// The path is configuration, not a secret; the content is never echoed.
				return fmt.Errorf("read %s_file: %w", name, err)
			}
			if v := strings.TrimSpace(string(b)); v != "" {
				secrets[name] = Secret(v)
			}
		}
	}
	bc.Secrets = secrets
	bc.secretsResolved = true
	return nil
}

// EngineSettings is the map handed to the engine's Factory: settings plus
// revealed secrets.
func (bc BackendConfig) EngineSettings() map[string]string {
	m := make(map[string]string, len(bc.Settings)+len(bc.Secrets))
	for k, v := range bc.Settings {
		m[k] = v
	}
	for k, v := range bc.Secrets {
		m[k] = v.Reveal()
	}
	return m
}

var (
	backendNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	voiceIDRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,127}$`)
)

// Validate checks names, references and units. Whether each engine type is
// registered is checked when the catalog opens it.
func (c Config) Validate() error {
	var errs []error
	for name, bc := range c.Backends {
		if !backendNameRE.MatchString(name) {
			errs = append(errs, fmt.Errorf("backend name %q: use lower-case letters, digits, - and _", name))
		}
		if bc.Type == "" {
			errs = append(errs, fmt.Errorf("backend %s: missing type", name))
		}
		switch bc.BillBy {
		case "", "characters", "bytes":
		default:
			errs = append(errs, fmt.Errorf("backend %s: bill_by %q, want characters or bytes", name, bc.BillBy))
		}
		if bc.DailyBudget < 0 || bc.Concurrency < 0 || bc.RatePerSec < 0 || bc.MaxAttempts < 0 || bc.BreakerFailures < 0 {
			errs = append(errs, fmt.Errorf("backend %s: negative limit", name))
		}
	}
	ids := map[string]bool{}
	for _, v := range c.Voices {
		if !voiceIDRE.MatchString(v.ID) {
			errs = append(errs, fmt.Errorf("voice id %q: use letters, digits and . _ : + -", v.ID))
		}
		if ids[v.ID] {
			errs = append(errs, fmt.Errorf("voice %s declared twice", v.ID))
		}
		ids[v.ID] = true
		if _, ok := c.Backends[v.Backend]; !ok {
			errs = append(errs, fmt.Errorf("voice %s: unknown backend %q", v.ID, v.Backend))
		}
		if v.Fallback == v.ID && v.ID != "" {
			errs = append(errs, fmt.Errorf("voice %s falls back to itself", v.ID))
		}
	}
	for _, v := range c.Voices {
		// Discovered voices ("espeak:en") are only known once the catalog
		// lists them, so only plain ids are checked here.
		if v.Fallback != "" && !ids[v.Fallback] && !strings.Contains(v.Fallback, ":") {
			errs = append(errs, fmt.Errorf("voice %s: unknown fallback voice %q", v.ID, v.Fallback))
		}
	}
	if c.DefaultVoice != "" && !ids[c.DefaultVoice] && !strings.Contains(c.DefaultVoice, ":") {
		errs = append(errs, fmt.Errorf("default voice %q is not declared", c.DefaultVoice))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tts config: %w", err)
	}
	return nil
}

// String renders the configuration with secrets redacted.
func (c Config) String() string {
	type backendView struct {
		Type     string            `json:"type"`
		Settings map[string]string `json:"settings,omitempty"`
		Secrets  map[string]Secret `json:"secrets,omitempty"`
		Budget   int64             `json:"daily_budget,omitempty"`
	}
	view := struct {
		Backends     map[string]backendView `json:"backends"`
		Voices       []VoiceConfig          `json:"voices"`
		DefaultVoice string                 `json:"default_voice"`
	}{Backends: map[string]backendView{}, Voices: redactVoices(c.Voices), DefaultVoice: c.DefaultVoice}
	for n, bc := range c.Backends {
		view.Backends[n] = backendView{Type: bc.Type, Settings: bc.Settings, Secrets: bc.Secrets, Budget: bc.DailyBudget}
	}
	b, _ := json.Marshal(view)
	return string(b)
}

// LogValue keeps secrets out of slog output.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String renders a backend instance with secrets redacted.
func (bc BackendConfig) String() string {
	keys := make([]string, 0, len(bc.Settings))
	for k := range bc.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(bc.Type)
	for _, k := range keys {
		b.WriteString(" " + k + "=" + strconv.Quote(bc.Settings[k]))
	}
	secretKeys := make([]string, 0, len(bc.Secrets))
	for k := range bc.Secrets {
		secretKeys = append(secretKeys, k)
	}
	sort.Strings(secretKeys)
	for _, k := range secretKeys {
		b.WriteString(" " + k + "=" + redacted)
	}
	return b.String()
}

// LogValue keeps secrets out of slog output.
func (bc BackendConfig) LogValue() slog.Value { return slog.StringValue(bc.String()) }

func redactVoices(vs []VoiceConfig) []VoiceConfig {
	out := make([]VoiceConfig, len(vs))
	for i, v := range vs {
		out[i] = v
		if len(v.Options) > 0 {
			opts := make(map[string]string, len(v.Options))
			for k, val := range v.Options {
				if IsSecretName(k) {
					val = redacted
				}
				opts[k] = val
			}
			out[i].Options = opts
		}
	}
	return out
}
