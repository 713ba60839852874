package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// TestFeedRulesApplyToTheirFeed: a rule scoped to a feed changes the preview
// and the resynthesis of that feed's articles, and of no other feed's.
func TestFeedRulesApplyToTheirFeed(t *testing.T) {
	fake := &ttstest.Fake{}
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})})
	txt := "Ông Putin đến Bình Nhưỡng. Giá vàng tăng mạnh."
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "tg", "text": txt, "feed": "the-gioi"}, nil)
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "kt", "text": txt, "feed": "kinh-te"}, nil)
	h.WaitStatus("tg", article.StatusReady, time.Minute)
	h.WaitStatus("kt", article.StatusReady, time.Minute)
	if code := h.Do("POST", "/api/v1/lexicon", map[string]any{"match": "Bình Nhưỡng", "say": "Pi ông Dang", "feed": "the-gioi"}, nil); code != http.StatusCreated {
		t.Fatalf("add feed rule: %d", code)
	}
	spoken := func(path string, body any) string {
		var p synth.PreviewResult
		method := "GET"
		if body != nil {
			method = "POST"
		}
		if code := h.Do(method, path, body, &p); code != http.StatusOK || len(p.Sentences) == 0 {
			t.Fatalf("%s %s: %d %+v", method, path, code, p)
		}
		return p.Sentences[0].Spoken
	}
	if s := spoken("/api/v1/articles/tg/preview", nil); !strings.Contains(s, "Pi ông Dang") {
		t.Errorf("stored preview of a the-gioi article ignores the feed rule: %q", s)
	}
	if s := spoken("/api/v1/preview", map[string]string{"text": txt, "feed": "the-gioi"}); !strings.Contains(s, "Pi ông Dang") {
		t.Errorf("preview of a submission to the-gioi ignores the feed rule: %q", s)
	}
	if s := spoken("/api/v1/articles/kt/preview", nil); strings.Contains(s, "Pi ông Dang") {
		t.Errorf("a the-gioi rule changed a kinh-te article: %q", s)
	}
	calls := fake.Calls()
	var st article.State
	h.Do("POST", "/api/v1/articles/tg/resynthesize", nil, &st)
	h.WaitRevision("tg", st.Revision, time.Minute)
	texts := fake.Texts()[calls:]
	if len(texts) != 1 || !strings.Contains(texts[0], "Pi ông Dang") {
		t.Fatalf("resynthesis after the feed rule spoke %q, want only the Bình Nhưỡng sentence with \"Pi ông Dang\"", texts)
	}
}
