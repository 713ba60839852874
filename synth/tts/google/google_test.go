package google

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

func mustNew(t testing.TB, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	for _, enc := range []string{"LINEAR16", "MP3"} {
		t.Run(enc, func(t *testing.T) {
			f, srv := newFake(t)
			b := mustNew(t, Config{BaseURL: srv.URL, APIKey: f.key, Encoding: enc, HTTPClient: srv.Client()})
			ttstest.Run(t, b, tts.Voice{Name: "vi-VN-Wavenet-A", Language: "vi-VN"})
		})
	}
	t.Run("bearer token", func(t *testing.T) {
		f, srv := newFake(t)
		b := mustNew(t, Config{BaseURL: srv.URL, AccessToken: f.token, Project: f.project, HTTPClient: srv.Client()})
		ttstest.Run(t, b, tts.Voice{Name: "vi-VN-Neural2-A", Language: "vi-VN"})
	})
}

func TestRequestShape(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: f.key, HTTPClient: srv.Client()})
	clip, err := b.Synthesize(context.Background(), "Giá xăng giảm nhẹ.", tts.Voice{Name: "vi-VN-Wavenet-A", Language: "vi-VN", Rate: 1.2, Pitch: -2})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(f.bodies[0])
	want := `{"audioConfig":{"audioEncoding":"LINEAR16","pitch":-2,"sampleRateHertz":24000,"speakingRate":1.2},"input":{"text":"Giá xăng giảm nhẹ."},"voice":{"languageCode":"vi-VN","name":"vi-VN-Wavenet-A"}}`
	if string(got) != want {
		t.Fatalf("body %s\nwant %s", got, want)
	}
	if f.paths[0] != "/v1/text:synthesize" || f.headers[0].Get("X-Goog-Api-Key") != f.key || f.headers[0].Get("Authorization") != "" {
		t.Fatalf("path %s headers %v", f.paths[0], f.headers[0])
	}
	if clip.Format != tts.FormatWAV || clip.SampleRate != 24000 {
		t.Fatalf("clip %s %d", clip.Format, clip.SampleRate)
	}
}

func TestWordMarks(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: f.key, HTTPClient: srv.Client()})
	text := "Hà Nội <nắng> & gió."
	clip, err := b.Synthesize(context.Background(), text, tts.Voice{Name: "vi-VN-Wavenet-A", Language: "vi-VN", Options: map[string]string{tts.OptionMarks: tts.MarksWord}})
	if err != nil {
		t.Fatal(err)
	}
	if f.paths[0] != "/v1beta1/text:synthesize" {
		t.Fatalf("marks went to %s", f.paths[0])
	}
	input := f.bodies[0]["input"].(map[string]any)
	if input["ssml"] != `<speak><mark name="0"/>Hà <mark name="1"/>Nội <mark name="2"/>&lt;nắng&gt; <mark name="3"/>&amp; <mark name="4"/>gió.</speak>` {
		t.Fatalf("ssml %v", input["ssml"])
	}
	words := []string{"Hà", "Nội", "<nắng>", "&", "gió."}
	offsets := []int{0, 3, 7, 14, 16}
	if len(clip.Marks) != len(words) {
		t.Fatalf("marks %+v", clip.Marks)
	}
	for i, m := range clip.Marks {
		if m.Text != words[i] || m.Offset != offsets[i] {
			t.Errorf("mark %d = %+v, want %q at %d", i, m, words[i], offsets[i])
		}
		if want := time.Duration(offsets[i]) * 40 * time.Millisecond; m.Start != want {
			t.Errorf("mark %d starts %v, want %v", i, m.Start, want)
		}
	}
	if last := clip.Marks[len(clip.Marks)-1]; last.End != clip.Duration() {
		t.Errorf("last mark ends %v, clip lasts %v", last.End, clip.Duration())
	}
}

func TestTooLongNeverSent(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: f.key, HTTPClient: srv.Client()})
	// 2000 Vietnamese letters of 3 bytes: under 5000 characters, over 5000 bytes.
	text := strings.Repeat("ệ", 2000)
	_, err := b.Synthesize(context.Background(), text, tts.Voice{Name: "vi-VN-Wavenet-A"})
	if !tts.IsTooLong(err) {
		t.Fatalf("err = %v", err)
	}
	if f.calls() != 0 {
		t.Fatalf("%d paid requests for text that cannot fit", f.calls())
	}
}

func TestErrors(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: f.key, HTTPClient: srv.Client()})
	v := tts.Voice{Name: "vi-VN-Wavenet-A", Language: "vi-VN"}
	text := "Giá xăng giảm nhẹ."
	ttstest.RunErrorCases(t, f.serve, b, v, text, []ttstest.ErrorCase{
		{Name: "400 longer than the limit", Want: tts.ErrTextTooLong, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 400, "INVALID_ARGUMENT", "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes. This limit is different from quotas.")
		}},
		{Name: "400 sentences too long", Want: tts.ErrTextTooLong, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 400, "INVALID_ARGUMENT", "This request contains sentences that are too long.")
		}},
		{Name: "400 bad voice", Want: tts.ErrInvalid, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 400, "INVALID_ARGUMENT", "Voice 'vi-VN-Nope' does not exist.")
		}},
		{Name: "401", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		}},
		{Name: "403", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 403, "PERMISSION_DENIED", "Requests from this ios client application <empty> are blocked.",
				map[string]any{"@type": "type.googleapis.com/google.rpc.Help", "links": []any{map[string]any{"description": "Google developer console API key", "url": "https://console.developers.google.com/project/x/apiui/credential"}}})
		}},
		{Name: "429 Retry-After", Want: tts.ErrRateLimited, RetryAfter: 2 * time.Second, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			googleError(w, 429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'.",
				map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com"})
		}},
		{Name: "500", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 500, "INTERNAL", "Internal error encountered.")
		}},
		{Name: "503", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			googleError(w, 503, "UNAVAILABLE", "The service is currently unavailable.")
		}},
		{Name: "truncated body", Want: tts.ErrBadAudio, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "application/json; charset=UTF-8", []byte(`{"audioContent":"UklGRiQAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQAAAAA="}`))
		}},
		{Name: "no audioContent", Want: tts.ErrBadAudio, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{}`))
		}},
		{Name: "audioContent not audio", Want: tts.ErrBadAudio, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"audioContent":"PGh0bWw+"}`))
		}},
		{Name: "slow response", Want: context.DeadlineExceeded, Timeout: 200 * time.Millisecond, Respond: ttstest.Stall},
	})
}

func TestWrongKeyIsAuthAndNotLeaked(t *testing.T) {
	_, srv := newFake(t)
	wrong := "AIzaSyWRONG-key-9876543210"
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: wrong, HTTPClient: srv.Client()})
	_, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: "vi-VN-Wavenet-A"})
	if !strings.Contains(err.Error(), "API key not valid") || tts.Retryable(err) {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, tts.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Fatalf("key in error: %v", err)
	}
}

func TestFactory(t *testing.T) {
	if _, err := tts.Open("google", map[string]string{}); err == nil || !strings.Contains(err.Error(), "api_key") {
		t.Fatalf("no credentials: err = %v", err)
	}
	if _, err := tts.Open("google", map[string]string{"api_key": "k", "encoding": "OGG_OPUS"}); err == nil {
		t.Fatal("OGG_OPUS accepted though Loa cannot decode it")
	}
	if _, err := tts.Open("google", map[string]string{"api_key": "k", "encoding": "MP3", "sample_rate": "22050"}); err == nil {
		t.Fatal("MP3 at 22050 Hz accepted: those MPEG-2 frames mis-decode when padded")
	}
	b, err := tts.Open("google", map[string]string{"api_key": "k", "encoding": "mp3", "sample_rate": "16000"})
	if err != nil {
		t.Fatal(err)
	}
	if c := b.(*Backend).cfg; c.Encoding != "MP3" || c.SampleRate != 16000 {
		t.Fatalf("cfg %+v", c)
	}
}
