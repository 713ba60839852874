package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

const testKey = "sk-test-0123456789abcdef"

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name    string
		format  string
		pcmRate int
		key     string
	}{
		{"openai wav", "wav", 0, testKey},
		{"openai pcm", "pcm", 0, testKey},
		{"openai mp3", "mp3", 0, testKey},
		{"openedai-speech pcm 22050", "pcm", 22050, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t, tc.key)
			f.pcmRate = tc.pcmRate
			b := mustNew(t, Config{BaseURL: srv.URL, APIKey: tc.key, Format: tc.format, HTTPClient: srv.Client()})
			ttstest.Run(t, b, tts.Voice{Name: "nova", Language: "vi-VN"})
		})
	}
}

func TestRequestShape(t *testing.T) {
	f, srv := newFake(t, testKey)
	f.pcmRate = 22050
	b := mustNew(t, Config{BaseURL: srv.URL + "/v1/", APIKey: testKey, Model: "gpt-4o-mini-tts", Format: "pcm",
		Instructions: "Đọc như phát thanh viên.", HTTPClient: srv.Client()})
	clip, err := b.Synthesize(context.Background(), "Hà Nội hôm nay trời nắng.",
		tts.Voice{Name: "coral", Rate: 1.25, Options: map[string]string{"model": "tts-1-hd"}})
	if err != nil {
		t.Fatal(err)
	}
	req, h := lastRequest(t, f)
	want := speechRequest{Model: "tts-1-hd", Input: "Hà Nội hôm nay trời nắng.", Voice: "coral", ResponseFormat: "pcm", Speed: 1.25, Instructions: "Đọc như phát thanh viên."}
	if req != want {
		t.Fatalf("request %+v\nwant    %+v", req, want)
	}
	if h.Get("Authorization") != "Bearer "+testKey || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	if clip.Format != tts.FormatPCM || clip.SampleRate != 22050 || clip.Channels != 1 {
		t.Fatalf("clip %s %d Hz %d ch, want pcm 22050 Hz from the Content-Type", clip.Format, clip.SampleRate, clip.Channels)
	}
}

func TestNoInstructionsFieldWhenUnset(t *testing.T) {
	f, srv := newFake(t, "")
	b := mustNew(t, Config{BaseURL: srv.URL, HTTPClient: srv.Client()})
	f.serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	_, _ = b.Synthesize(context.Background(), "Xin chào.", tts.Voice{})
	req, _ := lastRequest(t, f)
	raw, _ := json.Marshal(req)
	if strings.Contains(string(raw), "instructions") || req.Voice != "alloy" || req.Model != "tts-1" || req.ResponseFormat != "wav" {
		t.Fatalf("defaults: %s", raw)
	}
}

func TestErrors(t *testing.T) {
	f, srv := newFake(t, testKey)
	// A larger local limit lets the over-long text reach the fake's 4096 check.
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, MaxRunes: 10000, HTTPClient: srv.Client()})
	long := strings.Repeat("Việt Nam. ", 500)
	ttstest.RunErrorCases(t, f.serve, b, tts.Voice{Name: "nova"}, long, []ttstest.ErrorCase{{
		Name: "400 too long", Want: tts.ErrTextTooLong,
		// nil override: the fake's own length check answers
	}})
	text := "Giá xăng giảm nhẹ."
	ttstest.RunErrorCases(t, f.serve, b, tts.Voice{Name: "nova"}, text, []ttstest.ErrorCase{
		{Name: "401", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			apiError(w, 401, "Incorrect API key provided: sk-test-****cdef.", "invalid_request_error", "", "invalid_api_key")
		}},
		{Name: "403 region", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			apiError(w, 403, "Country, region, or territory not supported", "request_forbidden", "", "unsupported_country_region_territory")
		}},
		{Name: "429 Retry-After", Want: tts.ErrRateLimited, RetryAfter: 2 * time.Second, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			apiError(w, 429, "Rate limit reached for requests", "requests", "", "rate_limit_exceeded")
		}},
		{Name: "429 insufficient quota", Want: tts.ErrOverBudget, Respond: func(w http.ResponseWriter, r *http.Request) {
			apiError(w, 429, "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "", "insufficient_quota")
		}},
		{Name: "422 speaches", Want: tts.ErrInvalid, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			w.Write([]byte(`{"detail":"Model 'tts-1' is not installed locally."}`))
		}},
		{Name: "500", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			apiError(w, 500, "The server had an error while processing your request.", "server_error", "", "")
		}},
		{Name: "503", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			apiError(w, 503, "The engine is currently overloaded, please try again later.", "server_error", "", "")
		}},
		{Name: "truncated body", Want: tts.ErrBadAudio, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "audio/wav", ttstest.ToneFor(text, tts.Voice{}, 24000))
		}},
		{Name: "empty body", Want: tts.ErrBadAudio, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/wav")
		}},
		{Name: "HTML instead of audio", Want: tts.ErrBadAudio, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		}},
		{Name: "slow response", Want: context.DeadlineExceeded, Timeout: 200 * time.Millisecond, Respond: ttstest.Stall},
	})
}

func TestSlowResponseThroughTimeoutIsRetryable(t *testing.T) {
	f, srv := newFake(t, testKey)
	f.serve(ttstest.Stall)
	b := tts.WithTimeout(mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, HTTPClient: srv.Client()}), 150*time.Millisecond)
	_, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: "nova"})
	if !errors.Is(err, tts.ErrUnavailable) || !tts.Retryable(err) {
		t.Fatalf("err = %v, want a retryable ErrUnavailable", err)
	}
}

func TestSecretNotInErrors(t *testing.T) {
	// The fake echoes the wrong key back in its 401 message, as OpenAI does
	// (masked there); the adapter must scrub it.
	_, srv := newFake(t, "sk-the-right-key-999")
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, HTTPClient: srv.Client()})
	_, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: "nova"})
	if !errors.Is(err, tts.ErrAuth) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatalf("error leaks the key: %v", err)
	}
}

// TestRetryAfterTwoSeconds is the end-to-end case: a 429 with
// Retry-After: 2 makes WithRetry wait at least two seconds, then the
// second request succeeds.
func TestRetryAfterTwoSeconds(t *testing.T) {
	f, srv := newFake(t, testKey)
	var n int
	f.serve(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			apiError(w, 429, "Rate limit reached for requests", "requests", "", "rate_limit_exceeded")
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(ttstest.ToneFor("retry", tts.Voice{}, 24000))
	})
	b := tts.WithRetry(mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, HTTPClient: srv.Client()}), tts.RetryConfig{BaseDelay: 10 * time.Millisecond})
	start := time.Now()
	clip, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: "nova"})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if err := clip.Validate(); err != nil {
		t.Fatal(err)
	}
	if elapsed < 2*time.Second {
		t.Fatalf("retried after %v, before the 2 s the server asked for", elapsed)
	}
	if got := f.calls(); got != 2 {
		t.Fatalf("%d requests, want 2", got)
	}
}

func TestRegisteredFactory(t *testing.T) {
	_, srv := newFake(t, "")
	b, err := tts.Open("openai", map[string]string{"base_url": srv.URL, "format": "pcm", "sample_rate": "22050"})
	if err != nil {
		t.Fatal(err)
	}
	if b.(*Backend).cfg.SampleRate != 22050 {
		t.Fatal("sample_rate setting ignored")
	}
	for _, bad := range []map[string]string{{"format": "opus"}, {"base_url": "ftp://x"}, {"max_runes": "lots"}} {
		if _, err := tts.Open("openai", bad); err == nil {
			t.Errorf("settings %v accepted", bad)
		}
	}
}
