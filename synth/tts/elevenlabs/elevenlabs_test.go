package elevenlabs

import (
	"context"
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
	for _, format := range []string{"pcm_24000", "pcm_22050", "mp3_44100_64"} {
		t.Run(format, func(t *testing.T) {
			_, srv := newFake(t)
			b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, OutputFormat: format, HTTPClient: srv.Client()})
			ttstest.Run(t, b, tts.Voice{Name: testVoice, Language: "vi-VN"})
		})
	}
}

func TestRequestShape(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, HTTPClient: srv.Client()})
	clip, err := b.Synthesize(context.Background(), "Hà Nội hôm nay trời nắng.", tts.Voice{Name: testVoice, Language: "vi-VN", Rate: 1.1})
	if err != nil {
		t.Fatal(err)
	}
	want := speechRequest{Text: "Hà Nội hôm nay trời nắng.", ModelID: "eleven_flash_v2_5", LanguageCode: "vi", VoiceSettings: &voiceSettings{Speed: 1.1}}
	got := f.requests[0]
	if got.Text != want.Text || got.ModelID != want.ModelID || got.LanguageCode != want.LanguageCode || got.VoiceSettings == nil || *got.VoiceSettings != *want.VoiceSettings {
		t.Fatalf("request %+v", got)
	}
	if f.urls[0] != "/v1/text-to-speech/"+testVoice+"?output_format=pcm_24000" || f.headers[0].Get("xi-api-key") != testKey {
		t.Fatalf("url %s headers %v", f.urls[0], f.headers[0])
	}
	if clip.Format != tts.FormatPCM || clip.SampleRate != 24000 {
		t.Fatalf("clip %s %d", clip.Format, clip.SampleRate)
	}
}

func TestWordMarks(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, HTTPClient: srv.Client()})
	clip, err := b.Synthesize(context.Background(), "Hà Nội  nắng.", tts.Voice{Name: testVoice, Options: map[string]string{tts.OptionMarks: tts.MarksWord}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.urls[0], "/v1/text-to-speech/"+testVoice+"/with-timestamps?") {
		t.Fatalf("url %s", f.urls[0])
	}
	want := []tts.Mark{
		{Text: "Hà", Offset: 0, Start: 0, End: 80 * time.Millisecond},
		{Text: "Nội", Offset: 3, Start: 120 * time.Millisecond, End: 240 * time.Millisecond},
		{Text: "nắng.", Offset: 8, Start: 320 * time.Millisecond, End: 520 * time.Millisecond},
	}
	if len(clip.Marks) != len(want) {
		t.Fatalf("marks %+v", clip.Marks)
	}
	for i := range want {
		m := clip.Marks[i]
		if m.Text != want[i].Text || m.Offset != want[i].Offset || (m.Start-want[i].Start).Abs() > time.Millisecond || (m.End-want[i].End).Abs() > time.Millisecond {
			t.Errorf("mark %d = %+v, want %+v", i, m, want[i])
		}
	}
}

func TestErrors(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, APIKey: testKey, MaxRunes: 50000, HTTPClient: srv.Client()})
	v := tts.Voice{Name: testVoice, Language: "vi-VN"}
	ttstest.RunErrorCases(t, f.serve, b, v, strings.Repeat("Việt Nam ", 4500), []ttstest.ErrorCase{
		{Name: "400 too long", Want: tts.ErrTextTooLong},
	})
	text := "Giá xăng giảm nhẹ."
	ttstest.RunErrorCases(t, f.serve, b, v, text, []ttstest.ErrorCase{
		{Name: "401 invalid key", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 401, "invalid_api_key", "Invalid API key")
		}},
		{Name: "401 quota exceeded", Want: tts.ErrOverBudget, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 401, "quota_exceeded", "This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required for this request.")
		}},
		{Name: "403", Want: tts.ErrAuth, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 403, "missing_permissions", "The API key you used is missing the permission text_to_speech.")
		}},
		{Name: "404 voice", Want: tts.ErrUnknownVoice, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 404, "voice_not_found", "A voice with the voice_id x was not found.")
		}},
		{Name: "422 validation", Want: tts.ErrInvalid, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(422)
			w.Write([]byte(`{"detail":[{"loc":["body","model_id"],"msg":"unknown model","type":"value_error"}]}`))
		}},
		{Name: "429 concurrent, Retry-After", Want: tts.ErrRateLimited, RetryAfter: 2 * time.Second, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "2")
			detail(w, 429, "too_many_concurrent_requests", "Too many concurrent requests. Your current subscription is associated with a maximum of 2 concurrent requests.")
		}},
		{Name: "429 system busy", Want: tts.ErrRateLimited, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 429, "system_busy", "We are experiencing heavy traffic.")
		}},
		{Name: "500", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			detail(w, 500, "internal_error", "Internal Server Error")
		}},
		{Name: "503", Want: tts.ErrUnavailable, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
		}},
		{Name: "truncated body", Want: tts.ErrBadAudio, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "audio/pcm", make([]byte, 48000))
		}},
		{Name: "odd PCM length", Want: tts.ErrBadAudio, Respond: func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, 4801))
		}},
		{Name: "slow response", Want: context.DeadlineExceeded, Timeout: 200 * time.Millisecond, Respond: ttstest.Stall},
	})
}

func TestOutputFormats(t *testing.T) {
	for _, bad := range []string{"mp3_22050_32", "ulaw_8000", "opus_48000_64", "pcm_abc", "pcm_96000"} {
		if _, err := New(Config{APIKey: "k", OutputFormat: bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	b := mustNew(t, Config{APIKey: "k", Model: "eleven_multilingual_v2"})
	if b.InputLimit().MaxRunes != 10000 {
		t.Fatalf("limit %+v", b.InputLimit())
	}
	if _, err := tts.Open("elevenlabs", map[string]string{}); err == nil {
		t.Fatal("no api_key accepted")
	}
}
