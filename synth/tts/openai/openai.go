// Package openai speaks the OpenAI /v1/audio/speech API, which self-hosted
// servers (openedai-speech, Speaches, LocalAI, Kokoro-FastAPI) also serve:
// point base_url at them.
//
// Registered as "openai". Settings: "base_url" (default
// https://api.openai.com), "api_key" (optional for self-hosted servers),
// "model" (default "tts-1"), "format" ("wav" default, "pcm" or "mp3"),
// "sample_rate" (PCM rate when the server does not say; default 24000),
// "instructions", "max_runes" (default 4096). Voice.Options may override
// "model" and "instructions" per voice.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

func init() {
	tts.Register("openai", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			BaseURL:      s.String("base_url", ""),
			APIKey:       s.String("api_key", ""),
			Model:        s.String("model", ""),
			Format:       s.String("format", ""),
			SampleRate:   s.Int("sample_rate", 0),
			Instructions: s.String("instructions", ""),
			MaxRunes:     s.Int("max_runes", 0),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Config for an OpenAI-compatible server. Zero values mean the defaults.
type Config struct {
	BaseURL      string // "" = https://api.openai.com; a trailing /v1 is tolerated
	APIKey       string // sent as a Bearer token when set
	Model        string // "" = tts-1
	Format       string // "wav" (default), "pcm" or "mp3"; the others need decoders Loa lacks
	SampleRate   int    // PCM rate when the Content-Type names none; 0 = 24000 (OpenAI's)
	Instructions string // style prompt for gpt-4o-mini-tts; not sent when ""
	MaxRunes     int    // 0 = 4096, OpenAI's documented maximum
	HTTPClient   *http.Client
}

// Backend talks to one server.
type Backend struct {
	cfg  Config
	url  string
	http vendorhttp.Client
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
)

// New validates cfg.
func New(cfg Config) (*Backend, error) {
	base := strings.TrimSuffix(vendorhttp.BaseURL(cfg.BaseURL, "https://api.openai.com"), "/v1")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("openai: base_url %q is not an http(s) URL", base)
	}
	if cfg.Model == "" {
		cfg.Model = "tts-1"
	}
	switch cfg.Format {
	case "":
		cfg.Format = "wav"
	case "wav", "pcm", "mp3":
	default:
		return nil, fmt.Errorf("openai: format %q: use wav, pcm or mp3", cfg.Format)
	}
	if cfg.SampleRate <= 0 {
		cfg.SampleRate = 24000
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = 4096
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = vendorhttp.NewHTTPClient()
	}
	return &Backend{
		cfg:  cfg,
		url:  base + "/v1/audio/speech",
		http: vendorhttp.Client{HTTP: cfg.HTTPClient, Secrets: []string{cfg.APIKey}},
	}, nil
}

// InputLimit is 4096 characters unless configured.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: b.cfg.MaxRunes} }

type speechRequest struct {
	Model          string  `json:"model"`
	Input          string  `json:"input"`
	Voice          string  `json:"voice"`
	ResponseFormat string  `json:"response_format"`
	Speed          float64 `json:"speed"`
	Instructions   string  `json:"instructions,omitempty"`
}

// Synthesize posts one request.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	req := speechRequest{
		Model:          optOr(v, "model", b.cfg.Model),
		Input:          text,
		Voice:          v.Name,
		ResponseFormat: b.cfg.Format,
		Speed:          1,
		Instructions:   optOr(v, "instructions", b.cfg.Instructions),
	}
	if req.Voice == "" {
		req.Voice = "alloy"
	}
	if v.Rate > 0 {
		req.Speed = min(max(v.Rate, 0.25), 4)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(body))
	if err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/octet-stream")
	if b.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+b.cfg.APIKey)
	}
	resp, err := b.http.Do(hreq)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	if resp.Status != http.StatusOK {
		return tts.Clip{}, fmt.Errorf("openai: %w", b.failure(resp))
	}
	clip, err := b.clip(resp)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("openai: %w", err)
	}
	return clip, nil
}

// clip decides the format from the request, not the Content-Type, which
// self-hosted servers fill inconsistently; only a PCM rate is read from it.
func (b *Backend) clip(resp vendorhttp.Response) (tts.Clip, error) {
	var clip tts.Clip
	switch b.cfg.Format {
	case "wav":
		if err := wav.FixSizes(resp.Body); err != nil {
			return clip, fmt.Errorf("%v: %w", err, tts.ErrBadAudio)
		}
		info, _ := wav.Parse(resp.Body)
		clip = tts.Clip{Audio: resp.Body, Format: tts.FormatWAV, SampleRate: info.SampleRate}
	case "pcm":
		rate := b.cfg.SampleRate
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
			if r, err := strconv.Atoi(params["rate"]); err == nil && r > 0 {
				rate = r // openedai-speech: "audio/pcm;rate=22050" for Piper voices
			}
		}
		clip = tts.Clip{Audio: resp.Body, Format: tts.FormatPCM, SampleRate: rate, Channels: 1}
	case "mp3":
		rate, err := tts.ProbeMP3(resp.Body)
		if err != nil {
			return clip, err
		}
		clip = tts.Clip{Audio: resp.Body, Format: tts.FormatMP3, SampleRate: rate}
	}
	return clip, clip.Validate()
}

// failure reads OpenAI's {"error":{...}} or FastAPI's {"detail":...}.
func (b *Backend) failure(resp vendorhttp.Response) error {
	var body struct {
		Error *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Param   any    `json:"param"`
			Code    any    `json:"code"`
		} `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	var code, msg string
	if json.Unmarshal(resp.Body, &body) == nil {
		switch {
		case body.Error != nil:
			msg = body.Error.Message
			if s, ok := body.Error.Code.(string); ok {
				code = s
			} else {
				code = body.Error.Type
			}
		case len(body.Detail) > 0:
			var s string
			if json.Unmarshal(body.Detail, &s) == nil {
				msg = s
			} else {
				var d struct{ Message, Error string }
				_ = json.Unmarshal(body.Detail, &d)
				msg, code = d.Message, d.Error
			}
		}
	} else {
		msg = string(resp.Body)
	}
	e := b.http.Failure(resp, code, msg)
	low := strings.ToLower(msg + " " + code)
	switch {
	case resp.Status == http.StatusBadRequest && (strings.Contains(low, "string_above_max_length") ||
		(strings.Contains(low, "input") && (strings.Contains(low, "too long") || strings.Contains(low, "maximum") || strings.Contains(low, "4096")))):
		e.Kind = tts.ErrTextTooLong
	case resp.Status == http.StatusTooManyRequests && code == "insufficient_quota":
		// Paying more cannot happen by waiting; the catalog falls back.
		e.Kind = tts.ErrOverBudget
	}
	return e
}

func optOr(v tts.Voice, key, def string) string {
	if s := v.Options[key]; s != "" {
		return s
	}
	return def
}
