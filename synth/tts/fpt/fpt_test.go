package fpt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

func fastPolls(f *fakeServer, format string) Config {
	return Config{BaseURL: f.srv.URL, APIKey: testKey, Format: format, HTTPClient: f.srv.Client(),
		PollInterval: 5 * time.Millisecond, PollMaxInterval: 20 * time.Millisecond, PollDeadline: 5 * time.Second}
}

func mustNew(t testing.TB, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	for _, format := range []string{"wav", "mp3"} {
		t.Run(format, func(t *testing.T) {
			f := newFake(t, 2)
			ttstest.Run(t, mustNew(t, fastPolls(f, format)), tts.Voice{Name: "banmai", Language: "vi-VN"})
		})
	}
}

func TestPollsUntilReady(t *testing.T) {
	f := newFake(t, 4)
	b := mustNew(t, fastPolls(f, "wav"))
	clip, err := b.Synthesize(context.Background(), "Hà Nội hôm nay trời nắng.", tts.Voice{Name: "lannhi", Rate: 1.2})
	if err != nil {
		t.Fatal(err)
	}
	if clip.Format != tts.FormatWAV || clip.SampleRate != 22050 {
		t.Fatalf("clip %s %d", clip.Format, clip.SampleRate)
	}
	posts, polls := f.counts()
	if posts != 1 || polls != 5 {
		t.Fatalf("%d posts, %d polls; want 1 post and 4 not-ready polls + 1", posts, polls)
	}
	p := f.posts[0]
	for k, want := range map[string]string{"api-key": testKey, "api_key": testKey, "voice": "lannhi", "speed": "1", "format": "wav", "Content-Type": "text/plain; charset=utf-8"} {
		if got := p.header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if p.body != "Hà Nội hôm nay trời nắng." {
		t.Errorf("body %q", p.body)
	}
}

func TestShortTextPadded(t *testing.T) {
	f := newFake(t, 0)
	b := mustNew(t, fastPolls(f, "wav"))
	if _, err := b.Synthesize(context.Background(), "Ừ.", tts.Voice{}); err != nil {
		t.Fatal(err)
	}
	if got := f.posts[0].body; got != "Ừ.." || f.posts[0].header.Get("voice") != "banmai" {
		t.Fatalf("sent %q with voice %q", got, f.posts[0].header.Get("voice"))
	}
}

func TestDeadline(t *testing.T) {
	f := newFake(t, 1_000_000)
	cfg := fastPolls(f, "wav")
	cfg.PollDeadline = 150 * time.Millisecond
	b := mustNew(t, cfg)
	start := time.Now()
	_, err := b.Synthesize(context.Background(), "Giá xăng giảm nhẹ.", tts.Voice{Name: "banmai"})
	if !tts.Retryable(err) || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("err = %v, want a retryable not-ready error", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("gave up after %v with a 150ms deadline", d)
	}
	if _, polls := f.counts(); polls < 3 {
		t.Fatalf("only %d polls", polls)
	}
	if b.RequestTimeout() <= cfg.PollDeadline {
		t.Fatal("request timeout would cut the polling short")
	}
}

func TestCallbackWakesPoll(t *testing.T) {
	f := newFake(t, 1_000_000)
	mux := http.NewServeMux()
	cbSrv := httptest.NewServer(mux)
	defer cbSrv.Close()
	cfg := fastPolls(f, "wav")
	cfg.PollInterval, cfg.PollMaxInterval, cfg.PollDeadline = time.Minute, time.Minute, 5*time.Minute
	cfg.CallbackURL = cbSrv.URL + "/callbacks/fpt"
	b := mustNew(t, cfg)
	mux.Handle("/callbacks/fpt", b.CallbackHandler())

	go func() {
		// Wait for the POST, then make the file ready and call back.
		for {
			if posts, _ := f.counts(); posts > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		f.ready(t)
	}()
	start := time.Now()
	clip, err := b.Synthesize(context.Background(), "Giá xăng giảm nhẹ.", tts.Voice{Name: "myan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := clip.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v: the callback did not cut the one-minute poll wait", d)
	}
	if got := f.posts[0].header.Get("callback_url"); got != cfg.CallbackURL {
		t.Fatalf("callback_url header %q", got)
	}
	// A callback for an unknown link, or malformed, is harmless.
	resp, err := http.Post(cfg.CallbackURL, "application/json", strings.NewReader(`{"message":"https://x/y.mp3","success":"true"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stray callback: %v %v", resp, err)
	}
	resp, err = http.Post(cfg.CallbackURL, "application/json", strings.NewReader(`not json`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad callback: %v %v", resp, err)
	}
}

func TestCancelWhilePolling(t *testing.T) {
	f := newFake(t, 1_000_000)
	cfg := fastPolls(f, "wav")
	cfg.PollInterval = time.Minute
	b := mustNew(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.Synthesize(ctx, "Giá xăng giảm nhẹ.", tts.Voice{})
	if ctx.Err() == nil || err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t, 0)
	b := mustNew(t, fastPolls(f, "wav"))
	v := tts.Voice{Name: "banmai"}
	text := "Giá xăng giảm nhẹ."
	jsonAnswer := func(code int, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			w.Write([]byte(body))
		}
	}
	ttstest.RunErrorCases(t, f.serve, b, v, text, []ttstest.ErrorCase{
		{Name: "error 1 internal", Want: tts.ErrUnavailable, Retryable: true, Respond: jsonAnswer(200, `{"error":1,"message":"Internal server error happened"}`)},
		{Name: "error too long", Want: tts.ErrTextTooLong, Respond: jsonAnswer(200, `{"error":1,"message":"Text length must be between 3 and 5000 characters"}`)},
		{Name: "400 too long", Want: tts.ErrTextTooLong, Respond: jsonAnswer(400, `{"error":1,"message":"Text too long"}`)},
		{Name: "401", Want: tts.ErrAuth, Respond: jsonAnswer(401, `{"error":1,"message":"Invalid API key"}`)},
		{Name: "403", Want: tts.ErrAuth, Respond: jsonAnswer(403, `{"message":"Forbidden"}`)},
		{Name: "429 Retry-After", Want: tts.ErrRateLimited, RetryAfter: 2 * time.Second, Retryable: true, Respond: jsonAnswer(429, `{"message":"API rate limit exceeded"}`, "Retry-After", "2")},
		{Name: "500", Want: tts.ErrUnavailable, Retryable: true, Respond: jsonAnswer(500, `{"error":1,"message":"Internal server error happened"}`)},
		{Name: "503", Want: tts.ErrUnavailable, Retryable: true, Respond: jsonAnswer(503, `<html>Service Unavailable</html>`)},
		{Name: "truncated body", Want: tts.ErrBadAudio, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "application/json", []byte(`{"async":"http://127.0.0.1/x.wav","error":0,"message":"ok","request_id":"r"}`))
		}},
		{Name: "no async link", Want: tts.ErrBadAudio, Respond: jsonAnswer(200, `{"error":0,"message":"ok"}`)},
		{Name: "async link not http", Want: tts.ErrBadAudio, Respond: jsonAnswer(200, `{"async":"file:///etc/passwd","error":0,"message":"ok"}`)},
		{Name: "slow response", Want: context.DeadlineExceeded, Timeout: 200 * time.Millisecond, Respond: ttstest.Stall},
	})

	// The file host fails in its own ways.
	t.Run("file is HTML", func(t *testing.T) {
		f.serve(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"async":"` + f.srv.URL + `/text2speech-v5/html","error":0,"message":"ok"}`))
		})
		f.mu.Lock()
		f.files["/text2speech-v5/html"] = &fakeFile{audio: []byte("<html>oops</html>"), contentType: "text/html"}
		f.mu.Unlock()
		if _, err := b.Synthesize(context.Background(), text, v); !errors.Is(err, tts.ErrBadAudio) {
			t.Fatalf("err = %v, want ErrBadAudio", err)
		}
	})
	t.Run("file truncated", func(t *testing.T) {
		cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "audio/wav", ttstest.ToneFor(text, v, 22050))
		}))
		defer cut.Close()
		f.serve(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"async":"` + cut.URL + `/cut.wav","error":0,"message":"ok"}`))
		})
		cfg := fastPolls(f, "wav")
		cfg.PollDeadline = 100 * time.Millisecond
		_, err := mustNew(t, cfg).Synthesize(context.Background(), text, v)
		if err == nil || !tts.Retryable(err) {
			t.Fatalf("err = %v, want a retryable failure after repeated cut-off downloads", err)
		}
	})
}

func TestSpeedMapping(t *testing.T) {
	for rate, want := range map[float64]string{0: "0", 1: "0", 1.2: "1", 1.6: "3", 3: "3", 0.8: "-1", 0.2: "-3"} {
		if got := speed(tts.Voice{Rate: rate}); got != want {
			t.Errorf("speed(%v) = %s, want %s", rate, got, want)
		}
	}
	if got := speed(tts.Voice{Rate: 2, Options: map[string]string{"speed": "-2"}}); got != "-2" {
		t.Errorf("speed option ignored: %s", got)
	}
}
