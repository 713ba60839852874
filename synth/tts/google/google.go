// Package google speaks Google Cloud Text-to-Speech over REST
// (text:synthesize), with an API key or an OAuth bearer token.
//
// Registered as "google". Settings: "base_url" (default
// https://texttospeech.googleapis.com), "api_key" or "access_token" (with
// optional "project" for x-goog-user-project), "encoding" ("LINEAR16"
// default, or "MP3"), "sample_rate" (default 24000), "language" (for voice
// listing; default vi-VN).
package google

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

func init() {
	tts.Register("google", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			BaseURL:     s.String("base_url", ""),
			APIKey:      s.String("api_key", ""),
			AccessToken: s.String("access_token", ""),
			Project:     s.String("project", ""),
			Encoding:    s.String("encoding", ""),
			SampleRate:  s.Int("sample_rate", 0),
			Language:    s.String("language", ""),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// MaxBytes is Google's content limit per request, text or SSML, in UTF-8
// bytes; it cannot be raised.
const MaxBytes = 5000

// Config for Google Cloud TTS. Zero values mean the defaults.
type Config struct {
	BaseURL     string // "" = https://texttospeech.googleapis.com
	APIKey      string // sent as X-Goog-Api-Key (never in the URL, so it stays out of logs)
	AccessToken string // OAuth2 bearer token, used when APIKey is ""
	Project     string // x-goog-user-project, for bearer tokens
	Encoding    string // "LINEAR16" (WAV, default) or "MP3"
	SampleRate  int    // 0 = 24000, the natural rate of the Vietnamese voices
	Language    string // voices listed; "" = vi-VN
	HTTPClient  *http.Client
}

// Backend calls one Google project.
type Backend struct {
	cfg  Config
	base string
	http vendorhttp.Client
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
	_ tts.VoiceLister  = (*Backend)(nil)
	_ tts.Marker       = (*Backend)(nil)
)

// New validates cfg.
func New(cfg Config) (*Backend, error) {
	base := vendorhttp.BaseURL(cfg.BaseURL, "https://texttospeech.googleapis.com")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("google: base_url %q is not an http(s) URL", base)
	}
	if cfg.APIKey == "" && cfg.AccessToken == "" {
		return nil, fmt.Errorf("google: api_key or access_token required")
	}
	switch strings.ToUpper(cfg.Encoding) {
	case "":
		cfg.Encoding = "LINEAR16"
	case "LINEAR16", "MP3":
		cfg.Encoding = strings.ToUpper(cfg.Encoding)
	default:
		return nil, fmt.Errorf("google: encoding %q: use LINEAR16 or MP3", cfg.Encoding)
	}
	if cfg.SampleRate <= 0 {
		cfg.SampleRate = 24000
	}
	if cfg.Encoding == "MP3" && cfg.SampleRate < 32000 && cfg.SampleRate != 24000 && cfg.SampleRate != 16000 {
		// MPEG-2 frames at 22,050 Hz (and 11,025) are the ones the Go MP3
		// decoder mis-decodes when padded; Google resamples to any rate, so
		// ask for one that is safe.
		return nil, fmt.Errorf("google: MP3 at %d Hz: use 24000 or LINEAR16", cfg.SampleRate)
	}
	if cfg.Language == "" {
		cfg.Language = "vi-VN"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = vendorhttp.NewHTTPClient()
	}
	return &Backend{cfg: cfg, base: base, http: vendorhttp.Client{HTTP: cfg.HTTPClient, Secrets: []string{cfg.APIKey, cfg.AccessToken}}}, nil
}

// InputLimit is 5000 bytes.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxBytes: MaxBytes} }

// WordMarks: v1beta1 returns the time of SSML <mark>s placed before words.
func (b *Backend) WordMarks() bool { return true }

type synthesizeRequest struct {
	Input struct {
		Text string `json:"text,omitempty"`
		SSML string `json:"ssml,omitempty"`
	} `json:"input"`
	Voice struct {
		LanguageCode string `json:"languageCode"`
		Name         string `json:"name,omitempty"`
	} `json:"voice"`
	AudioConfig struct {
		AudioEncoding   string  `json:"audioEncoding"`
		SpeakingRate    float64 `json:"speakingRate,omitempty"`
		Pitch           float64 `json:"pitch,omitempty"`
		SampleRateHertz int     `json:"sampleRateHertz,omitempty"`
	} `json:"audioConfig"`
	EnableTimePointing []string `json:"enableTimePointing,omitempty"`
}

type synthesizeResponse struct {
	AudioContent string `json:"audioContent"`
	Timepoints   []struct {
		MarkName    string  `json:"markName"`
		TimeSeconds float64 `json:"timeSeconds"`
	} `json:"timepoints"`
}

// Synthesize calls text:synthesize (v1beta1 when marks are asked for).
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	var req synthesizeRequest
	var words []word
	version := "v1"
	if v.Options[tts.OptionMarks] == tts.MarksWord {
		version = "v1beta1"
		var ssml string
		ssml, words = markedSSML(text)
		req.Input.SSML = ssml
		req.EnableTimePointing = []string{"SSML_MARK"}
	} else {
		req.Input.Text = text
	}
	if err := b.InputLimit().Check(req.Input.Text + req.Input.SSML); err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	req.Voice.LanguageCode = v.Language
	if req.Voice.LanguageCode == "" {
		req.Voice.LanguageCode = b.cfg.Language
	}
	req.Voice.Name = v.Name
	req.AudioConfig.AudioEncoding = b.cfg.Encoding
	req.AudioConfig.SampleRateHertz = b.cfg.SampleRate
	if v.Rate > 0 && v.Rate != 1 {
		req.AudioConfig.SpeakingRate = min(max(v.Rate, 0.25), 4)
	}
	if v.Pitch != 0 {
		req.AudioConfig.Pitch = min(max(v.Pitch, -20), 20)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/"+version+"/text:synthesize", bytes.NewReader(body))
	if err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	b.authorize(hreq)
	resp, err := b.http.Do(hreq)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	if resp.Status != http.StatusOK {
		return tts.Clip{}, fmt.Errorf("google: %w", b.failure(resp))
	}
	var out synthesizeResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return tts.Clip{}, fmt.Errorf("google: decode response: %v: %w", err, tts.ErrBadAudio)
	}
	audio, err := base64.StdEncoding.DecodeString(out.AudioContent)
	if err != nil || len(audio) == 0 {
		return tts.Clip{}, fmt.Errorf("google: audioContent missing or not base64: %w", tts.ErrBadAudio)
	}
	clip := tts.Clip{Audio: audio, Format: tts.FormatWAV, SampleRate: b.cfg.SampleRate}
	if b.cfg.Encoding == "MP3" {
		clip.Format = tts.FormatMP3
		if clip.SampleRate, err = tts.ProbeMP3(audio); err != nil {
			return tts.Clip{}, fmt.Errorf("google: %w", err)
		}
	} else if info, err := wav.Parse(audio); err == nil {
		clip.SampleRate = info.SampleRate
	}
	if err := clip.Validate(); err != nil {
		return tts.Clip{}, fmt.Errorf("google: %w", err)
	}
	if words != nil {
		clip.Marks = marksFrom(words, out.Timepoints, clip.Duration())
	}
	return clip, nil
}

func (b *Backend) authorize(r *http.Request) {
	if b.cfg.APIKey != "" {
		r.Header.Set("X-Goog-Api-Key", b.cfg.APIKey)
		return
	}
	r.Header.Set("Authorization", "Bearer "+b.cfg.AccessToken)
	if b.cfg.Project != "" {
		r.Header.Set("x-goog-user-project", b.cfg.Project)
	}
}

// failure reads Google's error model {"error":{"code","message","status"}}.
func (b *Backend) failure(resp vendorhttp.Response) error {
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	msg := string(resp.Body)
	if json.Unmarshal(resp.Body, &body) == nil && body.Error.Status != "" {
		msg = body.Error.Message
	}
	e := b.http.Failure(resp, body.Error.Status, msg)
	low := strings.ToLower(msg)
	switch {
	case resp.Status == http.StatusBadRequest &&
		(strings.Contains(low, "longer than the limit") || strings.Contains(low, "sentences that are too long")):
		e.Kind = tts.ErrTextTooLong
	case resp.Status == http.StatusBadRequest && strings.Contains(low, "api key not valid"):
		// Google answers a wrong key with 400 INVALID_ARGUMENT (reason
		// API_KEY_INVALID); it is an authentication failure all the same.
		e.Kind = tts.ErrAuth
	}
	for _, d := range body.Error.Details {
		if d.Reason == "API_KEY_INVALID" {
			e.Kind = tts.ErrAuth
		}
	}
	return e
}

// Voices lists the voices for the configured language.
func (b *Backend) Voices(ctx context.Context) ([]tts.VoiceInfo, error) {
	u := b.base + "/v1/voices?languageCode=" + url.QueryEscape(b.cfg.Language)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("google: %w", err)
	}
	b.authorize(req)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("google voices: %w", err)
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("google voices: %w", b.failure(resp))
	}
	var out struct {
		Voices []struct {
			LanguageCodes          []string `json:"languageCodes"`
			Name                   string   `json:"name"`
			SSMLGender             string   `json:"ssmlGender"`
			NaturalSampleRateHertz int      `json:"naturalSampleRateHertz"`
		} `json:"voices"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("google voices: decode: %v: %w", err, tts.ErrUnavailable)
	}
	infos := make([]tts.VoiceInfo, 0, len(out.Voices))
	for _, v := range out.Voices {
		vi := tts.VoiceInfo{Name: v.Name, Gender: strings.ToLower(v.SSMLGender), SampleRate: v.NaturalSampleRateHertz}
		if len(v.LanguageCodes) > 0 {
			vi.Language = v.LanguageCodes[0]
		}
		if vi.Gender == "ssml_voice_gender_unspecified" || vi.Gender == "neutral" {
			vi.Gender = ""
		}
		infos = append(infos, vi)
	}
	return infos, nil
}

type word struct {
	text   string
	offset int // in runes
}

// markedSSML escapes text into SSML with <mark name="N"/> before word N.
func markedSSML(text string) (string, []word) {
	var words []word
	var sb strings.Builder
	sb.WriteString("<speak>")
	runes := []rune(text)
	for i := 0; i < len(runes); {
		if unicode.IsSpace(runes[i]) {
			sb.WriteRune(runes[i])
			i++
			continue
		}
		j := i
		for j < len(runes) && !unicode.IsSpace(runes[j]) {
			j++
		}
		w := string(runes[i:j])
		sb.WriteString(`<mark name="` + strconv.Itoa(len(words)) + `"/>`)
		sb.WriteString(html.EscapeString(w))
		words = append(words, word{text: w, offset: i})
		i = j
	}
	sb.WriteString("</speak>")
	return sb.String(), words
}

func marksFrom(words []word, tps []struct {
	MarkName    string  `json:"markName"`
	TimeSeconds float64 `json:"timeSeconds"`
}, dur time.Duration) []tts.Mark {
	var marks []tts.Mark
	for _, tp := range tps {
		i, err := strconv.Atoi(tp.MarkName)
		if err != nil || i < 0 || i >= len(words) {
			continue
		}
		marks = append(marks, tts.Mark{Text: words[i].text, Offset: words[i].offset, Start: time.Duration(tp.TimeSeconds * float64(time.Second))})
	}
	for i := range marks {
		switch {
		case i+1 < len(marks):
			marks[i].End = marks[i+1].Start
		case dur > marks[i].Start:
			marks[i].End = dur
		default:
			marks[i].End = marks[i].Start
		}
	}
	return marks
}
