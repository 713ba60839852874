package azure

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
	for _, format := range []string{"riff-24khz-16bit-mono-pcm", "raw-16khz-16bit-mono-pcm", "audio-24khz-48kbitrate-mono-mp3"} {
		t.Run(format, func(t *testing.T) {
			_, srv := newFake(t)
			b := mustNew(t, Config{BaseURL: srv.URL, Key: testKey, OutputFormat: format, HTTPClient: srv.Client()})
			for _, name := range []string{"vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"} {
				t.Run(name, func(t *testing.T) {
					ttstest.Run(t, b, tts.Voice{Name: name, Language: "vi-VN"})
				})
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, Key: testKey, HTTPClient: srv.Client()})
	clip, err := b.Synthesize(context.Background(), "Giá xăng <giảm> nhẹ & 'ổn định'.",
		tts.Voice{Name: "vi-VN-NamMinhNeural", Language: "vi-VN", Rate: 1.2, Pitch: -2})
	if err != nil {
		t.Fatal(err)
	}
	body, h := f.last(t)
	want := "<speak version='1.0' xml:lang='vi-VN'><voice xml:lang='vi-VN' name='vi-VN-NamMinhNeural'>" +
		"<prosody rate='+20%' pitch='-2.0st'>Giá xăng &lt;giảm&gt; nhẹ &amp; &#39;ổn định&#39;.</prosody></voice></speak>"
	if body != want {
		t.Fatalf("SSML\n%s\nwant\n%s", body, want)
	}
	for k, v := range map[string]string{
		"Ocp-Apim-Subscription-Key": testKey, "Content-Type": "application/ssml+xml",
		"X-Microsoft-OutputFormat": "riff-24khz-16bit-mono-pcm", "User-Agent": "loa",
	} {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if clip.Format != tts.FormatWAV || clip.SampleRate != 24000 {
		t.Fatalf("clip %s %d", clip.Format, clip.SampleRate)
	}
	if got := SSML("Xin chào", tts.Voice{Name: "vi-VN-HoaiMyNeural", Language: "vi-VN"}); strings.Contains(got, "prosody") {
		t.Fatalf("prosody at default rate and pitch: %s", got)
	}
}

func TestRegionEndpoint(t *testing.T) {
	b := mustNew(t, Config{Region: "southeastasia", Key: "k"})
	if b.base != "https://southeastasia.tts.speech.microsoft.com" {
		t.Fatal(b.base)
	}
	for _, cfg := range []Config{
		{Region: "evil.com/x?", Key: "k"},
		{Region: "westeurope"},
		{Region: "westeurope", Key: "k", OutputFormat: "ogg-24khz-16bit-mono-opus"},
		{Region: "westeurope", Key: "k", OutputFormat: "riff-8khz-8bit-mono-mulaw"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	for f, want := range map[string]int{"riff-22050hz-16bit-mono-pcm": 22050, "raw-48khz-16bit-mono-pcm": 48000, "audio-48khz-192kbitrate-mono-mp3": 48000} {
		if _, rate, err := parseOutputFormat(f); err != nil || rate != want {
			t.Errorf("%s: rate %d, %v", f, rate, err)
		}
	}
}

func TestErrors(t *testing.T) {
	f, srv := newFake(t)
	b := mustNew(t, Config{BaseURL: srv.URL, Key: testKey, HTTPClient: srv.Client()})
	status := func(code int, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(code)
		}
	}
	v := tts.Voice{Name: "vi-VN-HoaiMyNeural", Language: "vi-VN"}
	text := "Giá xăng giảm nhẹ."
	ttstest.RunErrorCases(t, f.serve, b, v, text, []ttstest.ErrorCase{
		{Name: "400 empty body", Want: tts.ErrInvalid, Respond: status(400)},
		{Name: "401", Want: tts.ErrAuth, Respond: status(401)},
		{Name: "403", Want: tts.ErrAuth, Respond: status(403)},
		{Name: "415", Want: tts.ErrInvalid, Respond: status(415)},
		{Name: "429 Retry-After", Want: tts.ErrRateLimited, RetryAfter: 2 * time.Second, Retryable: true, Respond: status(429, "Retry-After", "2")},
		{Name: "500", Want: tts.ErrUnavailable, Retryable: true, Respond: status(500)},
		{Name: "502", Want: tts.ErrUnavailable, Retryable: true, Respond: status(502)},
		{Name: "503", Want: tts.ErrUnavailable, Retryable: true, Respond: status(503)},
		{Name: "truncated body", Want: tts.ErrBadAudio, Retryable: true, Respond: func(w http.ResponseWriter, r *http.Request) {
			ttstest.WriteTruncated(w, "audio/x-wav", ttstest.ToneFor(text, v, 24000))
		}},
		{Name: "empty 200", Want: tts.ErrBadAudio, Respond: status(200)},
		{Name: "slow response", Want: context.DeadlineExceeded, Timeout: 200 * time.Millisecond, Respond: ttstest.Stall},
	})
	// The fake's own checks: a wrong key is a 401 with no body.
	bad := mustNew(t, Config{BaseURL: srv.URL, Key: "wrong-key-000", HTTPClient: srv.Client()})
	f.serve(nil)
	if _, err := bad.Synthesize(context.Background(), text, v); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-key-000") {
		t.Fatalf("wrong key: %v", err)
	}
}
