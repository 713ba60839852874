package tts_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
)

const exampleConfig = `{
  "backends": {
    "gcloud": {"type": "google", "api_key_env": "GOOGLE_TTS_API_KEY", "daily_budget_chars": 1000000,
               "concurrency": 4, "rate_per_sec": 10, "timeout": "20s", "encoding": "LINEAR16", "sample_rate": 24000},
    "fpt": {"type": "fpt", "api_key_file": "fpt.key", "poll_deadline": "90s", "daily_budget_bytes": 5000}
  },
  "voices": [
    {"id": "vi-female-google", "backend": "gcloud", "name": "vi-VN-Wavenet-A", "language": "vi-VN", "fallback": "vi"},
    {"id": "vi-banmai", "backend": "fpt", "name": "banmai", "language": "vi-VN", "rate": 1.1, "fallback": "vi-female-google"}
  ],
  "default_voice": "vi"
}`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "tts.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fpt.key"), []byte("fpt-secret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigExample(t *testing.T) {
	cfg, err := tts.LoadConfig(writeConfig(t, exampleConfig), env(map[string]string{"GOOGLE_TTS_API_KEY": "AIza-secret-from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.Backends["gcloud"]
	if g.Type != "google" || g.DailyBudget != 1_000_000 || g.BillBy != "characters" || g.Concurrency != 4 || g.RatePerSec != 10 || g.Timeout != 20*time.Second {
		t.Fatalf("gcloud = %+v", g)
	}
	if g.Settings["encoding"] != "LINEAR16" || g.Settings["sample_rate"] != "24000" || g.Secrets["api_key"].Reveal() != "AIza-secret-from-env" {
		t.Fatalf("gcloud settings %v", g.EngineSettings())
	}
	if _, leaked := g.Settings["api_key_env"]; leaked {
		t.Fatal("the _env reference was passed to the engine")
	}
	f := cfg.Backends["fpt"]
	if f.Secrets["api_key"].Reveal() != "fpt-secret-from-file" || f.BillBy != "bytes" || f.Settings["poll_deadline"] != "90s" {
		t.Fatalf("fpt = %v / %v", f.EngineSettings(), f.BillBy)
	}
	// The embedded espeak voices are still there, so "vi" resolves.
	ids := []string{}
	for _, v := range cfg.Voices {
		ids = append(ids, v.ID)
	}
	if fmt.Sprint(ids) != "[vi vi-vn-x-central vi-vn-x-south vi-female-google vi-banmai]" || cfg.DefaultVoice != "vi" {
		t.Fatalf("voices %v default %q", ids, cfg.DefaultVoice)
	}
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg, err := tts.LoadConfig(writeConfig(t, exampleConfig), env(map[string]string{"GOOGLE_TTS_API_KEY": "AIza-secret-from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("config", "cfg", cfg, "gcloud", cfg.Backends["gcloud"], "secret", cfg.Backends["fpt"].Secrets["api_key"])
	log.Info("secrets", "map", cfg.Backends["gcloud"].Secrets)
	out := strings.Join([]string{
		cfg.String(), fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg.Backends["gcloud"].Secrets),
		fmt.Sprintf("%v", cfg.Backends), fmt.Sprintf("%+v", cfg.Backends["fpt"]), logs.String(),
	}, "\n")
	for _, secret := range []string{"AIza-secret-from-env", "fpt-secret-from-file"} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q printed:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "[redacted]") || !strings.Contains(out, "vi-VN-Wavenet-A") {
		t.Fatalf("output lost its useful parts:\n%s", out)
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := tts.LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultVoice != "vi" || cfg.Backends["espeak"].Type != "espeak" || len(cfg.Voices) != 3 {
		t.Fatalf("default config %s", cfg)
	}
	cfg, err = tts.LoadConfig("", env(map[string]string{
		tts.EnvConfigJSON:   `{"backends":{"oa":{"type":"openai","base_url":"http://piper:8000"}},"voices":[{"id":"vi-piper","backend":"oa","name":"vi_VN-vais1000-medium"}]}`,
		tts.EnvDefaultVoice: "vi-piper",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultVoice != "vi-piper" || cfg.Backends["oa"].Settings["base_url"] != "http://piper:8000" {
		t.Fatalf("env config %s", cfg)
	}
}

func TestLoadConfigOverridesAndRemoval(t *testing.T) {
	cfg, err := tts.LoadConfig(writeConfig(t, `{"include_defaults": false,
		"backends": {"local": {"type": "command", "command": ["piper", "-m", "{voice}"], "format": "pcm", "sample_rate": 22050}},
		"voices": [{"id": "vi", "backend": "local", "name": "vi_VN-vais1000-medium"}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Backends["espeak"]; ok || len(cfg.Voices) != 1 || cfg.Voices[0].Backend != "local" {
		t.Fatalf("cfg %s", cfg)
	}
	if got := cfg.Backends["local"].Settings["command"]; got != `["piper","-m","{voice}"]` {
		t.Fatalf("array setting became %q", got)
	}
	cfg, err = tts.LoadConfig(writeConfig(t, `{"backends": {"espeak": null, "oa": {"type": "openai"}},
		"voices": [{"id": "nova", "backend": "oa"}], "default_voice": "nova"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Voices) != 1 || cfg.Voices[0].ID != "nova" {
		t.Fatalf("espeak voices survived the removal: %s", cfg)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	for name, body := range map[string]string{
		"inline secret":    `{"backends":{"g":{"type":"google","api_key":"AIza-inline"}}}`,
		"inline token":     `{"backends":{"a":{"type":"azure","token":"eyJ"}}}`,
		"unknown top key":  `{"backend":{}}`,
		"missing type":     `{"backends":{"g":{"api_key_env":"X"}}}`,
		"bad backend name": `{"backends":{"G Cloud":{"type":"google"}}}`,
		"voice backend":    `{"voices":[{"id":"x","backend":"nope"}]}`,
		"duplicate voice":  `{"voices":[{"id":"x","backend":"espeak"},{"id":"x","backend":"espeak"}]}`,
		"bad fallback":     `{"voices":[{"id":"x","backend":"espeak","fallback":"ghost"}]}`,
		"self fallback":    `{"voices":[{"id":"x","backend":"espeak","fallback":"x"}]}`,
		"default voice":    `{"default_voice":"ghost"}`,
		"bad duration":     `{"backends":{"g":{"type":"google","timeout":"soon"}}}`,
		"bad number":       `{"backends":{"g":{"type":"google","concurrency":"four"}}}`,
		"bill_by":          `{"backends":{"g":{"type":"google","bill_by":"words"}}}`,
		"not json":         `{"backends":`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tts.LoadConfig(writeConfig(t, body), nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "AIza-inline") || strings.Contains(err.Error(), "eyJ") {
				t.Fatalf("error echoes the secret: %v", err)
			}
		})
	}
	if _, err := tts.LoadConfig(writeConfig(t, `{"backends":{"f":{"type":"fpt","api_key_file":"missing.key"}}}`), nil); err == nil {
		t.Fatal("missing secret file accepted")
	}
}
