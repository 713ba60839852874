// Package elevenlabs speaks the ElevenLabs text-to-speech API, with
// Vietnamese through the models that support it (eleven_flash_v2_5,
// eleven_turbo_v2_5, eleven_v3) and word marks from /with-timestamps.
//
// Registered as "elevenlabs". Settings: "base_url" (default
// https://api.elevenlabs.io), "api_key", "model" (default
// eleven_flash_v2_5), "output_format" (default pcm_24000; pcm_* or
// mp3_44100_*), "language" (ISO 639-1 sent as language_code; default from
// the voice's language, else "vi"), "max_runes" (default by model).
// Voice.Name is the ElevenLabs voice_id.
package elevenlabs

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
)

func init() {
	tts.Register("elevenlabs", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			BaseURL:      s.String("base_url", ""),
			APIKey:       s.String("api_key", ""),
			Model:        s.String("model", ""),
			OutputFormat: s.String("output_format", ""),
			Language:     s.String("language", ""),
			MaxRunes:     s.Int("max_runes", 0),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Config for ElevenLabs. Zero values mean the defaults.
type Config struct {
	BaseURL      string // "" = https://api.elevenlabs.io
	APIKey       string // xi-api-key; required
	Model        string // "" = eleven_flash_v2_5 (Vietnamese-capable, half the credits)
	OutputFormat string // "" = pcm_24000
	Language     string // language_code; "" = from Voice.Language, else "vi"
	MaxRunes     int    // 0 = the model's documented limit
	HTTPClient   *http.Client
}

// Documented per-request character limits; eleven_v3's is unverified, so
// it gets a cautious value.
var modelLimits = map[string]int{
	"eleven_flash_v2_5": 40000, "eleven_turbo_v2_5": 40000,
	"eleven_flash_v2": 30000, "eleven_turbo_v2": 30000,
	"eleven_multilingual_v2": 10000, "eleven_v3": 3000,
}

// Backend calls one ElevenLabs account.
type Backend struct {
	cfg    Config
	base   string
	format tts.Format
	rate   int
	http   vendorhttp.Client
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
	_ tts.VoiceLister  = (*Backend)(nil)
	_ tts.Marker       = (*Backend)(nil)
)

// New validates cfg.
func New(cfg Config) (*Backend, error) {
	base := vendorhttp.BaseURL(cfg.BaseURL, "https://api.elevenlabs.io")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("elevenlabs: base_url %q is not an http(s) URL", base)
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("elevenlabs: api_key required")
	}
	if cfg.Model == "" {
		cfg.Model = "eleven_flash_v2_5"
	}
	if cfg.OutputFormat == "" {
		cfg.OutputFormat = "pcm_24000"
	}
	format, rate, err := parseOutputFormat(cfg.OutputFormat)
	if err != nil {
		return nil, err
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = modelLimits[cfg.Model]
		if cfg.MaxRunes == 0 {
			cfg.MaxRunes = 10000
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = vendorhttp.NewHTTPClient()
	}
	return &Backend{cfg: cfg, base: base, format: format, rate: rate,
		http: vendorhttp.Client{HTTP: cfg.HTTPClient, Secrets: []string{cfg.APIKey}}}, nil
}

// parseOutputFormat accepts pcm_<rate> and mp3_44100_<kbps>. mp3_22050_32
// is refused: those are MPEG-2 frames at 22,050 Hz, which the Go MP3
// decoder mis-decodes when padded; PCM costs nothing more.
func parseOutputFormat(f string) (tts.Format, int, error) {
	parts := strings.Split(f, "_")
	switch {
	case len(parts) == 2 && parts[0] == "pcm":
		rate, err := strconv.Atoi(parts[1])
		if err == nil && rate >= 8000 && rate <= 48000 {
			return tts.FormatPCM, rate, nil
		}
	case len(parts) == 3 && parts[0] == "mp3" && parts[1] == "44100":
		return tts.FormatMP3, 44100, nil
	}
	return "", 0, fmt.Errorf("elevenlabs: output_format %q: use pcm_<rate> (pcm_24000) or mp3_44100_<kbps>", f)
}

// InputLimit is the model's character limit.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: b.cfg.MaxRunes} }

// WordMarks: /with-timestamps returns per-character timing.
func (b *Backend) WordMarks() bool { return true }

type voiceSettings struct {
	Speed float64 `json:"speed,omitempty"`
}

type speechRequest struct {
	Text          string         `json:"text"`
	ModelID       string         `json:"model_id"`
	LanguageCode  string         `json:"language_code,omitempty"`
	VoiceSettings *voiceSettings `json:"voice_settings,omitempty"`
}

type alignment struct {
	Characters []string  `json:"characters"`
	Starts     []float64 `json:"character_start_times_seconds"`
	Ends       []float64 `json:"character_end_times_seconds"`
}

// Synthesize calls /v1/text-to-speech/{voice_id}, or its /with-timestamps
// variant when marks are asked for.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	if v.Name == "" {
		return tts.Clip{}, fmt.Errorf("elevenlabs: voice id required: %w", tts.ErrUnknownVoice)
	}
	req := speechRequest{Text: text, ModelID: b.cfg.Model, LanguageCode: b.language(v)}
	if m := v.Options["model"]; m != "" {
		req.ModelID = m
	}
	if v.Rate > 0 && v.Rate != 1 {
		req.VoiceSettings = &voiceSettings{Speed: min(max(v.Rate, 0.7), 1.2)}
	}
	marks := v.Options[tts.OptionMarks] == tts.MarksWord
	path := "/v1/text-to-speech/" + url.PathEscape(v.Name)
	if marks {
		path += "/with-timestamps"
	}
	body, err := json.Marshal(req)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	u := b.base + path + "?output_format=" + url.QueryEscape(b.cfg.OutputFormat)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	hreq.Header.Set("xi-api-key", b.cfg.APIKey)
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(hreq)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	if resp.Status != http.StatusOK {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", b.failure(resp))
	}
	audio := resp.Body
	var align *alignment
	if marks {
		var out struct {
			AudioBase64 string     `json:"audio_base64"`
			Alignment   *alignment `json:"alignment"`
		}
		if err := json.Unmarshal(resp.Body, &out); err != nil {
			return tts.Clip{}, fmt.Errorf("elevenlabs: decode with-timestamps: %v: %w", err, tts.ErrBadAudio)
		}
		if audio, err = base64.StdEncoding.DecodeString(out.AudioBase64); err != nil {
			return tts.Clip{}, fmt.Errorf("elevenlabs: audio_base64: %v: %w", err, tts.ErrBadAudio)
		}
		align = out.Alignment
	}
	clip := tts.Clip{Audio: audio, Format: b.format, SampleRate: b.rate}
	if b.format == tts.FormatPCM {
		clip.Channels = 1
	}
	if err := clip.Validate(); err != nil {
		return tts.Clip{}, fmt.Errorf("elevenlabs: %w", err)
	}
	if align != nil {
		clip.Marks = wordMarks(*align)
	}
	return clip, nil
}

func (b *Backend) language(v tts.Voice) string {
	if b.cfg.Language != "" {
		return b.cfg.Language
	}
	if lang, _, _ := strings.Cut(v.Language, "-"); lang != "" {
		return strings.ToLower(lang)
	}
	return "vi"
}

// failure reads {"detail":{"status","message"}} (and FastAPI's 422 list).
func (b *Backend) failure(resp vendorhttp.Response) error {
	var body struct {
		Detail json.RawMessage `json:"detail"`
	}
	var status, msg string
	if json.Unmarshal(resp.Body, &body) == nil && len(body.Detail) > 0 {
		var d struct{ Status, Message string }
		var list []struct {
			Msg string `json:"msg"`
		}
		switch {
		case json.Unmarshal(body.Detail, &d) == nil:
			status, msg = d.Status, d.Message
		case json.Unmarshal(body.Detail, &list) == nil && len(list) > 0:
			status, msg = "validation_error", list[0].Msg
		}
	} else {
		msg = string(resp.Body)
	}
	e := b.http.Failure(resp, status, msg)
	switch {
	case status == "quota_exceeded":
		// Credits ran out: waiting will not help, another voice will.
		e.Kind = tts.ErrOverBudget
	case status == "too_many_concurrent_requests" || status == "system_busy":
		e.Kind = tts.ErrRateLimited
	case strings.Contains(status, "too_long") || strings.Contains(status, "character_limit"):
		e.Kind = tts.ErrTextTooLong
	case status == "voice_not_found":
		e.Kind = tts.ErrUnknownVoice
	}
	return e
}

// wordMarks groups per-character timings into words.
func wordMarks(a alignment) []tts.Mark {
	n := min(len(a.Characters), len(a.Starts), len(a.Ends))
	var marks []tts.Mark
	offset := 0
	for i := 0; i < n; {
		if isSpace(a.Characters[i]) {
			offset += len([]rune(a.Characters[i]))
			i++
			continue
		}
		j := i
		var sb strings.Builder
		for j < n && !isSpace(a.Characters[j]) {
			sb.WriteString(a.Characters[j])
			j++
		}
		marks = append(marks, tts.Mark{Text: sb.String(), Offset: offset,
			Start: seconds(a.Starts[i]), End: seconds(a.Ends[j-1])})
		offset += len([]rune(sb.String()))
		i = j
	}
	return marks
}

func isSpace(s string) bool { return strings.TrimFunc(s, unicode.IsSpace) == "" }

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// Voices calls /v1/voices.
func (b *Backend) Voices(ctx context.Context) ([]tts.VoiceInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/v1/voices", nil)
	if err != nil {
		return nil, fmt.Errorf("elevenlabs: %w", err)
	}
	req.Header.Set("xi-api-key", b.cfg.APIKey)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("elevenlabs voices: %w", err)
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("elevenlabs voices: %w", b.failure(resp))
	}
	var out struct {
		Voices []struct {
			VoiceID string            `json:"voice_id"`
			Name    string            `json:"name"`
			Labels  map[string]string `json:"labels"`
		} `json:"voices"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("elevenlabs voices: decode: %v: %w", err, tts.ErrUnavailable)
	}
	infos := make([]tts.VoiceInfo, 0, len(out.Voices))
	for _, v := range out.Voices {
		infos = append(infos, tts.VoiceInfo{Name: v.VoiceID, Description: v.Name, Gender: v.Labels["gender"], Language: v.Labels["language"]})
	}
	return infos, nil
}
