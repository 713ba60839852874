package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// TestManyChaptersPassPreflight: an article whose chapter table makes the
// ID3 tag larger than the first read of the preflight is still published.
func TestManyChaptersPassPreflight(t *testing.T) {
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, &ttstest.Fake{}, &ttstest.Fake{}, tts.BackendConfig{})})
	var b strings.Builder
	b.WriteString("<html><body><article><h1>Tin tổng hợp trong ngày</h1>")
	for i := range 120 {
		fmt.Fprintf(&b, "<h2>Phần %d: những diễn biến đáng chú ý của thị trường trong nước</h2><p>Giá xăng tăng mạnh lần %d.</p>", i, i)
	}
	b.WriteString("</article></body></html>")
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "chapters", "html": b.String()}, nil)
	st := h.WaitStatus("chapters", article.StatusReady, 2*time.Minute)
	if st.Preflight != "" {
		t.Fatalf("preflight refused the audio: %s", st.Preflight)
	}
}

// TestLinksOfAnyAcceptedFormPublish: the longest accepted link, and one
// with Vietnamese letters, still give published audio.
func TestLinksOfAnyAcceptedFormPublish(t *testing.T) {
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, &ttstest.Fake{}, &ttstest.Fake{}, tts.BackendConfig{})})
	links := map[string]string{
		"long":   "https://ngaynay.vn/" + strings.Repeat("a", 2048-len("https://ngaynay.vn/")),
		"accent": "https://ngaynay.vn/triều-tiên-nga",
	}
	for id, link := range links {
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": id, "text": "Giá xăng tăng mạnh.", "link": link}, nil); code != 202 {
			t.Fatalf("%s: create %d", id, code)
		}
	}
	for id := range links {
		if st := h.WaitStatus(id, article.StatusReady, time.Minute); st.Preflight != "" {
			t.Errorf("%s: preflight %q", id, st.Preflight)
		}
	}
}
