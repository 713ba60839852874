// Package fpt speaks FPT.AI text-to-speech v5, which is asynchronous: the
// POST answers with a URL where the audio appears seconds (up to minutes)
// later. The adapter polls that URL with backoff until a deadline, and
// polls at once when FPT's callback says the file is ready.
//
// Registered as "fpt". Settings: "base_url" (default https://api.fpt.ai),
// "api_key", "format" ("wav" default, or "mp3"), "poll_interval" (first
// wait, default 1s), "poll_max_interval" (default 5s), "poll_deadline"
// (default 2m), "callback_url" (where FPT should POST; serve
// CallbackHandler there).
package fpt

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

func init() {
	tts.Register("fpt", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			BaseURL:         s.String("base_url", ""),
			APIKey:          s.String("api_key", ""),
			Format:          s.String("format", ""),
			PollInterval:    s.Duration("poll_interval", 0),
			PollMaxInterval: s.Duration("poll_max_interval", 0),
			PollDeadline:    s.Duration("poll_deadline", 0),
			CallbackURL:     s.String("callback_url", ""),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Input limits FPT documents, in characters.
const (
	MaxRunes = 5000
	MinRunes = 3
)

// Config for FPT.AI. Zero values mean the defaults.
type Config struct {
	BaseURL         string        // "" = https://api.fpt.ai
	APIKey          string        // required
	Format          string        // "wav" (default) or "mp3"
	PollInterval    time.Duration // first wait before fetching the audio; 0 = 1s
	PollMaxInterval time.Duration // backoff cap; 0 = 5s
	PollDeadline    time.Duration // give up after; 0 = 2m (FPT: "5 seconds to 2 minutes")
	CallbackURL     string        // optional; FPT POSTs here when the file is ready
	HTTPClient      *http.Client
}

// Backend calls FPT.AI.
type Backend struct {
	cfg  Config
	url  string
	http vendorhttp.Client

	mu      sync.Mutex
	waiters map[string]chan struct{} // async URL → woken by the callback
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
)

// New validates cfg.
func New(cfg Config) (*Backend, error) {
	base := vendorhttp.BaseURL(cfg.BaseURL, "https://api.fpt.ai")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("fpt: base_url %q is not an http(s) URL", base)
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("fpt: api_key required")
	}
	switch cfg.Format {
	case "":
		cfg.Format = "wav"
	case "wav", "mp3":
	default:
		return nil, fmt.Errorf("fpt: format %q: use wav or mp3", cfg.Format)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.PollMaxInterval <= 0 {
		cfg.PollMaxInterval = 5 * time.Second
	}
	if cfg.PollDeadline <= 0 {
		cfg.PollDeadline = 2 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = vendorhttp.NewHTTPClient()
	}
	return &Backend{cfg: cfg, url: base + "/hmi/tts/v5", waiters: map[string]chan struct{}{},
		http: vendorhttp.Client{HTTP: cfg.HTTPClient, Secrets: []string{cfg.APIKey}}}, nil
}

// InputLimit is 5000 characters.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: MaxRunes} }

// RequestTimeout tells the catalog that one call includes the polling.
func (b *Backend) RequestTimeout() time.Duration { return b.cfg.PollDeadline + 30*time.Second }

// speed maps the rate multiplier onto FPT's −3…+3 steps.
func speed(v tts.Voice) string {
	if s := v.Options["speed"]; s != "" {
		return s
	}
	if v.Rate <= 0 {
		return "0"
	}
	return strconv.Itoa(int(math.Round(min(max((v.Rate-1)*5, -3), 3))))
}

type asyncAnswer struct {
	Async     string `json:"async"`
	Error     int    `json:"error"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// Synthesize posts the text, then fetches the audio once it exists.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("fpt: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("fpt: %w", err)
	}
	// FPT rejects fewer than three characters ("Ừ."); trailing full stops
	// add no sound.
	for utf8.RuneCountInString(text) < MinRunes {
		text += "."
	}
	voice := v.Name
	if voice == "" {
		voice = "banmai"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, strings.NewReader(text))
	if err != nil {
		return tts.Clip{}, fmt.Errorf("fpt: %w", err)
	}
	// The docs name the header api_key; clients also send api-key, which
	// survives proxies that drop underscores. Both are accepted.
	req.Header.Set("api-key", b.cfg.APIKey)
	req.Header["api_key"] = []string{b.cfg.APIKey}
	req.Header.Set("voice", voice)
	req.Header.Set("speed", speed(v))
	req.Header.Set("format", b.cfg.Format)
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if b.cfg.CallbackURL != "" {
		req.Header.Set("callback_url", b.cfg.CallbackURL)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("fpt: %w", err)
	}
	var ans asyncAnswer
	jsonErr := json.Unmarshal(resp.Body, &ans)
	if resp.Status != http.StatusOK || jsonErr != nil || ans.Error != 0 || ans.Async == "" {
		return tts.Clip{}, fmt.Errorf("fpt: %w", b.failure(resp, ans, jsonErr))
	}
	u, err := url.Parse(ans.Async)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return tts.Clip{}, fmt.Errorf("fpt: async link %q: %w", vendorhttp.Truncate(ans.Async, 200), tts.ErrBadAudio)
	}
	return b.fetch(ctx, ans.Async)
}

func (b *Backend) failure(resp vendorhttp.Response, ans asyncAnswer, jsonErr error) error {
	msg := ans.Message
	if jsonErr != nil {
		msg = vendorhttp.Truncate(string(resp.Body), 200)
	}
	if resp.Status == http.StatusOK {
		// error ≠ 0 in a 200: FPT's own failure report.
		e := &tts.Error{Kind: tts.ErrUnavailable, Status: resp.Status, Code: strconv.Itoa(ans.Error), Message: b.http.Scrub(msg)}
		switch low := strings.ToLower(msg); {
		case jsonErr != nil || ans.Async == "" && ans.Error == 0:
			e.Kind = tts.ErrBadAudio
		case strings.Contains(low, "too long") || strings.Contains(low, "length") || strings.Contains(low, "5000"):
			e.Kind = tts.ErrTextTooLong
		case strings.Contains(low, "voice"):
			e.Kind = tts.ErrUnknownVoice
		case strings.Contains(low, "api key") || strings.Contains(low, "api_key") || strings.Contains(low, "unauthori"):
			e.Kind = tts.ErrAuth
		}
		return e
	}
	e := b.http.Failure(resp, strconv.Itoa(ans.Error), msg)
	if resp.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "long") {
		e.Kind = tts.ErrTextTooLong
	}
	return e
}

// fetch polls the async link. The file host is not FPT's API, so the key
// is never sent there.
func (b *Backend) fetch(ctx context.Context, link string) (tts.Clip, error) {
	wake := b.wait(link)
	defer b.unwait(link)
	deadline := time.Now().Add(b.cfg.PollDeadline)
	interval := b.cfg.PollInterval
	for attempt := 1; ; attempt++ {
		// Wait first: the file "may not exist right at the time of response".
		wait := min(interval, time.Until(deadline))
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return tts.Clip{}, fmt.Errorf("fpt: waiting for audio: %w", ctx.Err())
			case <-wake:
				t.Stop()
			case <-t.C:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
		if err != nil {
			return tts.Clip{}, fmt.Errorf("fpt: %w", err)
		}
		resp, err := b.http.Do(req)
		switch {
		case err != nil && ctx.Err() != nil:
			return tts.Clip{}, fmt.Errorf("fpt: %w", err)
		case err != nil && !tts.Retryable(err):
			return tts.Clip{}, fmt.Errorf("fpt: fetch audio: %w", err)
		case err == nil && resp.Status == http.StatusOK:
			return b.clip(resp.Body)
		case err == nil && resp.Status != http.StatusNotFound && resp.Status != http.StatusForbidden && resp.Status < 500:
			return tts.Clip{}, fmt.Errorf("fpt: fetch audio: %w", b.http.Failure(resp, "", ""))
		}
		// Not there yet (404/403 from the file store), a 5xx, or a dropped
		// connection: try again until the deadline.
		if !time.Now().Before(deadline) {
			return tts.Clip{}, &tts.Error{Kind: tts.ErrUnavailable, Message: fmt.Sprintf("fpt: audio not ready after %s (%d polls)", b.cfg.PollDeadline, attempt)}
		}
		interval = min(time.Duration(float64(interval)*1.5), b.cfg.PollMaxInterval)
	}
}

func (b *Backend) clip(audio []byte) (tts.Clip, error) {
	clip := tts.Clip{Audio: audio, Format: tts.FormatWAV}
	if b.cfg.Format == "mp3" {
		clip.Format = tts.FormatMP3
		rate, err := tts.ProbeMP3(audio)
		if err != nil {
			return tts.Clip{}, fmt.Errorf("fpt: %w", err)
		}
		clip.SampleRate = rate
	} else {
		if err := wav.FixSizes(audio); err != nil {
			return tts.Clip{}, fmt.Errorf("fpt: %v: %w", err, tts.ErrBadAudio)
		}
		info, _ := wav.Parse(audio)
		clip.SampleRate = info.SampleRate
	}
	if err := clip.Validate(); err != nil {
		return tts.Clip{}, fmt.Errorf("fpt: %w", err)
	}
	return clip, nil
}

func (b *Backend) wait(link string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan struct{}, 1)
	b.waiters[link] = ch
	return ch
}

func (b *Backend) unwait(link string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.waiters, link)
}

// CallbackHandler serves FPT's callback, {"message": "<async link>",
// "success": "true"}. A callback only makes the waiting call fetch at once;
// the audio is still read from the link, so a forged callback can at most
// cause one early poll. Failure callbacks carry no link to match, so the
// poll deadline handles them.
func (b *Backend) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var body struct {
			Message string `json:"message"`
			Success any    `json:"success"` // documented as the string "true"; accept a bool too
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
			http.Error(w, "bad callback body", http.StatusBadRequest)
			return
		}
		if fmt.Sprint(body.Success) == "true" {
			b.mu.Lock()
			ch := b.waiters[body.Message]
			b.mu.Unlock()
			if ch != nil {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}
