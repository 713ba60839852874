package api_test

import (
	"context"
	"fmt"
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

// fakeVoices is a catalog whose "vi-cloud" voice runs on cloud and falls
// back to "vi" on local.
func fakeVoices(t testing.TB, cloud, local tts.Backend, primary tts.BackendConfig) *tts.Catalog {
	t.Helper()
	primary.Type = "fake-cloud"
	cfg := tts.Config{
		Backends: map[string]tts.BackendConfig{"cloud": primary, "local": {Type: "fake-local"}},
		Voices: []tts.VoiceConfig{
			{ID: "vi-cloud", Backend: "cloud", Name: "vi-VN-Wavenet-A", Language: "vi-VN", Fallback: "vi"},
			{ID: "vi", Backend: "local", Name: "vi", Language: "vi-VN"},
		},
		DefaultVoice: "vi-cloud",
	}
	c, err := tts.NewCatalog(context.Background(), cfg, tts.CatalogDeps{
		Open: ttstest.Opener(map[string]tts.Backend{"fake-cloud": cloud, "fake-local": local}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func articleText(n int, edited int) string {
	var b strings.Builder
	for i := range n {
		word := "tăng"
		if i == edited {
			word = "giảm"
		}
		fmt.Fprintf(&b, "Giá mặt hàng số %d %s nhẹ trong tuần qua. ", i+1, word)
		if i%5 == 4 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// TestSegmentCacheCountsBackendCalls: an unchanged article costs zero
// backend calls, and editing one sentence of 60 costs exactly one.
func TestSegmentCacheCountsBackendCalls(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, cloud, local, tts.BackendConfig{})})

	var st article.State
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "sixty", "text": articleText(60, -1)}, &st); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	st = h.WaitStatus("sixty", article.StatusReady, time.Minute)
	if cloud.Calls() != 60 || st.SentencesSynthesized != 60 || st.SentencesCached != 0 || st.SentencesTotal != 60 {
		t.Fatalf("first synthesis: %d backend calls, reported %d synthesized / %d cached of %d", cloud.Calls(), st.SentencesSynthesized, st.SentencesCached, st.SentencesTotal)
	}
	first := st.Version

	// Unchanged article, re-submitted with PUT: nothing to synthesize.
	if code := h.Do("PUT", "/api/v1/articles/sixty", map[string]string{"text": articleText(60, -1)}, &st); code != http.StatusAccepted {
		t.Fatalf("PUT: %d", code)
	}
	st = h.WaitRevision("sixty", st.Revision, time.Minute)
	if cloud.Calls() != 60 || st.SentencesSynthesized != 0 || st.SentencesCached != 60 {
		t.Fatalf("unchanged: %d backend calls in all, reported %d synthesized / %d cached", cloud.Calls(), st.SentencesSynthesized, st.SentencesCached)
	}
	if st.Version != first {
		t.Fatalf("unchanged article got a new version %s (was %s)", st.Version, first)
	}

	// One sentence edited: one call.
	if code := h.Do("PUT", "/api/v1/articles/sixty", map[string]string{"text": articleText(60, 41)}, &st); code != http.StatusAccepted {
		t.Fatalf("PUT: %d", code)
	}
	st = h.WaitRevision("sixty", st.Revision, time.Minute)
	if cloud.Calls() != 61 || st.SentencesSynthesized != 1 || st.SentencesCached != 59 {
		t.Fatalf("one edit: %d backend calls in all (want 61), reported %d synthesized / %d cached", cloud.Calls(), st.SentencesSynthesized, st.SentencesCached)
	}
	if texts := cloud.Texts(); !strings.Contains(texts[len(texts)-1], "giảm") {
		t.Fatalf("the call was for %q, not the edited sentence", texts[len(texts)-1])
	}
	if st.Version == first {
		t.Fatal("edited article kept its old version")
	}

	// Re-synthesizing without changes is free too.
	if code := h.Do("POST", "/api/v1/articles/sixty/resynthesize", nil, &st); code != http.StatusAccepted {
		t.Fatalf("resynthesize: %d", code)
	}
	st = h.WaitRevision("sixty", st.Revision, time.Minute)
	if cloud.Calls() != 61 || st.SentencesSynthesized != 0 {
		t.Fatalf("resynthesize: %d backend calls in all, %d reported", cloud.Calls(), st.SentencesSynthesized)
	}
	if local.Calls() != 0 {
		t.Fatalf("fallback voice used %d times with a healthy primary", local.Calls())
	}
}

// TestStuckBackendFallbackFinishesArticle: the primary voice's backend
// answers 500 forever; its circuit opens and the fallback voice speaks the
// whole article, which the article's state and timings record.
func TestStuckBackendFallbackFinishesArticle(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	cloud.FailAlways(ttstest.Step{Err: ttstest.ServerError()})
	voices := fakeVoices(t, cloud, local, tts.BackendConfig{BreakerFailures: 3, BreakerCooldown: time.Hour, MaxAttempts: 2, RetryBaseDelay: time.Millisecond})
	h := apitest.New(t, apitest.Options{Voices: voices, Pipeline: synth.PipelineConfig{Concurrency: 1}})
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "fallback", "text": articleText(20, -1), "voice": "vi-cloud"}, nil); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	st := h.WaitStatus("fallback", article.StatusReady, time.Minute)
	if cloud.Calls() != 3 || local.Calls() != 20 {
		t.Fatalf("cloud %d calls (want 3: then the circuit opens), local %d (want 20)", cloud.Calls(), local.Calls())
	}
	if len(st.Voices) != 1 || st.Voices[0] != "vi" {
		t.Fatalf("voices used %v, want [vi]", st.Voices)
	}
	var timings article.Timings
	if code := h.Do("GET", strings.TrimPrefix(st.TimingsURL, h.URL), nil, &timings); code != 200 {
		t.Fatalf("timings: %d", code)
	}
	for _, s := range timings.Sentences {
		if s.Voice != "vi" {
			t.Fatalf("sentence %d recorded voice %q", s.Index, s.Voice)
		}
	}
}

// TestResynthesizeWithAnotherVoice keeps the stored article and speaks it
// with the new voice.
func TestResynthesizeWithAnotherVoice(t *testing.T) {
	cloud, local := &ttstest.Fake{}, &ttstest.Fake{}
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, cloud, local, tts.BackendConfig{})})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "voice", "html": "<article><h1>Tiêu đề</h1><p>Câu một. Câu hai.</p></article>", "link": "https://news.example.vn/a"}, nil)
	h.WaitStatus("voice", article.StatusReady, time.Minute)
	if code := h.Do("POST", "/api/v1/articles/voice/resynthesize", map[string]string{"voice": "klingon"}, nil); code != 400 {
		t.Fatalf("unknown voice: %d", code)
	}
	var st article.State
	if code := h.Do("POST", "/api/v1/articles/voice/resynthesize", map[string]string{"voice": "vi"}, &st); code != http.StatusAccepted {
		t.Fatalf("resynthesize with a voice: %d", code)
	}
	st = h.WaitRevision("voice", st.Revision, time.Minute)
	if st.Voice != "vi" || len(st.Voices) != 1 || st.Voices[0] != "vi" || local.Calls() != 3 {
		t.Fatalf("after the voice change: voice %q, used %v, %d calls to the new voice", st.Voice, st.Voices, local.Calls())
	}
	src, err := h.Service.Catalog.Source(context.Background(), "voice")
	if err != nil || src.HTML == "" || src.Link != "https://news.example.vn/a" {
		t.Fatalf("the stored article changed: %+v %v", src, err)
	}
}
