package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/go-mp3"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// TestPublicAudioHTTP covers the public side of audio: HEAD, Range, ETag,
// 304, Last-Modified, immutable versioned URLs, timings and transcript.
func TestPublicAudioHTTP(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "pub", "text": "Giá xăng tăng mạnh. Người dân lo lắng.\n\nChính phủ họp khẩn."}, nil)
	st := h.WaitStatus("pub", article.StatusReady, time.Minute)

	req, _ := http.NewRequest("HEAD", st.AudioURL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != st.Bytes || resp.Header.Get("Accept-Ranges") != "bytes" ||
		resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("HEAD: %d len %d headers %v", resp.StatusCode, resp.ContentLength, resp.Header)
	}
	etag := resp.Header.Get("ETag")
	resp, _ = get(t, st.AudioURL, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	resp, body := get(t, st.AudioURL, "Range", "bytes=100-199")
	if resp.StatusCode != 206 || len(body) != 100 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", st.Bytes) {
		t.Fatalf("Range: %d, %d bytes, %q", resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
	resp, _ = get(t, st.AudioURL, "Range", fmt.Sprintf("bytes=%d-", st.Bytes+10))
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("unsatisfiable range: %d", resp.StatusCode)
	}
	resp, body = get(t, st.VersionAudioURL)
	if resp.StatusCode != 200 || int64(len(body)) != st.Bytes || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("versioned audio: %d, %d bytes, Cache-Control %q", resp.StatusCode, len(body), resp.Header.Get("Cache-Control"))
	}
	resp, body = get(t, st.TranscriptURL)
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("WEBVTT")) || !bytes.Contains(body, []byte("Chính phủ họp khẩn.")) || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("transcript: %d %q cors %q", resp.StatusCode, body, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	var timings article.Timings
	resp, body = get(t, st.TimingsURL)
	if err := json.Unmarshal(body, &timings); err != nil || len(timings.Sentences) != 3 || timings.DurationMS != st.DurationMS {
		t.Fatalf("timings: %d %s", resp.StatusCode, body)
	}
	prev := int64(-1)
	for _, s := range timings.Sentences {
		if s.StartMS <= prev || s.EndMS <= s.StartMS || s.EndMS > timings.DurationMS {
			t.Fatalf("timings out of order: %+v", timings.Sentences)
		}
		prev = s.EndMS
	}
	resp, _ = get(t, h.URL+"/audio/pub/0123abcd.mp3")
	if resp.StatusCode != 404 {
		t.Fatalf("unknown version: %d", resp.StatusCode)
	}
	resp, _ = get(t, h.URL+"/audio/pub/..%2f..%2fsecret.mp3")
	if resp.StatusCode != 404 && resp.StatusCode != 400 {
		t.Fatalf("traversal attempt: %d", resp.StatusCode)
	}
}

// TestPublishIsAtomicAndOldVersionsAreCollected: while a new revision is
// synthesized the old audio keeps playing; after publishing, the old
// version stays until the grace period ends, then disappears.
func TestPublishIsAtomicAndOldVersionsAreCollected(t *testing.T) {
	fake := &ttstest.Fake{}
	voices := fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})
	h := apitest.New(t, apitest.Options{Voices: voices, Service: synth.ServiceConfig{GCGrace: 2 * time.Second}})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "atomic", "text": articleText(5, -1)}, nil)
	old := h.WaitStatus("atomic", article.StatusReady, time.Minute)

	// The next revision hangs in the backend: the old audio must still play.
	fake.Push(ttstest.Step{Delay: 2 * time.Second})
	var st article.State
	h.Do("PUT", "/api/v1/articles/atomic", map[string]string{"text": articleText(5, 2)}, &st)
	time.Sleep(300 * time.Millisecond)
	h.Do("GET", "/api/v1/articles/atomic", nil, &st)
	if st.Status == article.StatusReady || st.Version != old.Version {
		t.Fatalf("during synthesis: status %s version %s (old %s)", st.Status, st.Version, old.Version)
	}
	resp, body := get(t, h.URL+"/audio/atomic.mp3")
	if resp.StatusCode != 200 || int64(len(body)) != old.Bytes || resp.Header.Get("ETag") != `"`+old.Version+`"` {
		t.Fatalf("old audio during synthesis: %d, %d bytes, etag %s", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	st = h.WaitRevision("atomic", st.Revision, time.Minute)
	if st.Version == old.Version {
		t.Fatal("no new version")
	}
	// Listeners who loaded the old version can finish it during the grace period.
	if resp, _ := get(t, old.VersionAudioURL); resp.StatusCode != 200 {
		t.Fatalf("old version gone at once: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, _ := get(t, old.VersionAudioURL)
		if resp.StatusCode == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("old version never collected")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if resp, _ := get(t, st.VersionAudioURL); resp.StatusCode != 200 {
		t.Fatalf("current version collected: %d", resp.StatusCode)
	}
}

// TestProgressivePlayback: while an article is synthesizing,
// ?progressive=1 streams the sentences already done and continues.
func TestProgressivePlayback(t *testing.T) {
	fake := &ttstest.Fake{}
	voices := fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})
	h := apitest.New(t, apitest.Options{Voices: voices, Pipeline: synth.PipelineConfig{Concurrency: 1}})
	steps := make([]ttstest.Step, 8)
	for i := range steps {
		steps[i] = ttstest.Step{Delay: 250 * time.Millisecond}
	}
	fake.Push(steps...)
	start := time.Now()
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "prog", "text": articleText(8, -1)}, nil)
	resp, err := http.Get(h.URL + "/audio/prog.mp3?progressive=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("progressive: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	first := make([]byte, 512)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	firstAudio := time.Since(start)
	callsAtFirstAudio := fake.Calls()
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	whole := append(first, rest...)
	st := h.WaitStatus("prog", article.StatusReady, time.Minute)
	// Progressive means the listener hears the start while the rest is
	// still being made: judged by the backend's progress, not a clock, so
	// a loaded machine does not decide it.
	if callsAtFirstAudio >= len(steps) {
		t.Fatalf("first audio only after %d of %d sentences had started (%v)", callsAtFirstAudio, len(steps), firstAudio)
	}
	dec, err := mp3.NewDecoder(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	pcm, _ := io.ReadAll(dec)
	ms := float64(len(pcm)) / 4 / float64(dec.SampleRate()) * 1000
	if diff := ms - float64(st.DurationMS); diff < -100 || diff > 100 {
		t.Fatalf("progressive stream is %.0f ms, the finished file %d ms", ms, st.DurationMS)
	}
	t.Logf("first progressive audio after %v; stream %.0f ms", firstAudio, ms)
}

// TestEventsStreamProgress follows an article over Server-Sent Events from
// queued to ready.
func TestEventsStreamProgress(t *testing.T) {
	fake := &ttstest.Fake{}
	voices := fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})
	h := apitest.New(t, apitest.Options{Voices: voices, Pipeline: synth.PipelineConfig{Concurrency: 1}})
	steps := make([]ttstest.Step, 6)
	for i := range steps {
		steps[i] = ttstest.Step{Delay: 400 * time.Millisecond}
	}
	fake.Push(steps...)
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "sse", "text": articleText(6, -1)}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.URL+"/api/v1/articles/sse/events?access_token="+apitest.Token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	var statuses []string
	var progress []float64
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var st article.State
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, string(st.Status))
		progress = append(progress, st.Progress)
		if st.Status == article.StatusReady {
			break
		}
	}
	if statuses[len(statuses)-1] != "ready" {
		t.Fatalf("stream ended without ready: %v", statuses)
	}
	mid := 0
	for _, p := range progress {
		if p > 0 && p < 1 {
			mid++
		}
	}
	if mid < 2 || !strings.Contains(strings.Join(statuses, ","), "synthesizing") {
		t.Fatalf("no progress seen in between: %v %v", statuses, progress)
	}
}

// TestURLIngestion fetches an article page over HTTP when its address is
// allowed, and refuses oversized and non-HTML answers.
func TestURLIngestion(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bai-viet.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, apitest.SampleHTML(t))
		case "/anh.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(bytes.Repeat([]byte{0xFF}, 100))
		case "/to.html":
			w.Header().Set("Content-Type", "text/html")
			w.Write(bytes.Repeat([]byte("<p>Câu.</p>"), 200000))
		case "/missing":
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	h := apitest.New(t, apitest.Options{Service: synth.ServiceConfig{Fetcher: synth.NewFetcher(synth.FetchConfig{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, MaxBytes: 1 << 20,
	})}})
	var st article.State
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "from-url", "url": site.URL + "/bai-viet.html"}, &st); code != http.StatusAccepted {
		t.Fatalf("POST url: %d", code)
	}
	st = h.WaitStatus("from-url", article.StatusReady, 2*time.Minute)
	if !strings.Contains(st.Title, "Triều Tiên") {
		t.Fatalf("title %q", st.Title)
	}
	for path, want := range map[string]int{"/anh.jpg": 422, "/to.html": 413, "/missing": 422} {
		var e struct{ Error string }
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"url": site.URL + path}, &e); code != want {
			t.Errorf("%s: %d (%s), want %d", path, code, e.Error, want)
		}
	}
}

// TestListFiltersAndPages lists articles by status and feed, page by page.
func TestListFiltersAndPages(t *testing.T) {
	fake := &ttstest.Fake{}
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})})
	for i := range 7 {
		feed := "the-gioi"
		if i%2 == 1 {
			feed = "kinh-te"
		}
		h.Do("POST", "/api/v1/articles", map[string]any{"id": fmt.Sprintf("a%d", i), "text": fmt.Sprintf("Tin số %d hôm nay.", i), "feed": feed,
			"published_at": time.Date(2026, 11, 1+i, 8, 0, 0, 0, time.UTC)}, nil)
	}
	for i := range 7 {
		h.WaitStatus(fmt.Sprintf("a%d", i), article.StatusReady, time.Minute)
	}
	var page struct {
		Articles []article.Summary
		Total    int
		Next     string
	}
	h.Do("GET", "/api/v1/articles?feed=the-gioi&limit=3", nil, &page)
	if page.Total != 4 || len(page.Articles) != 3 || page.Articles[0].ID != "a6" || page.Next == "" {
		t.Fatalf("page 1: %+v", page)
	}
	next := page.Next
	page.Next = ""
	h.Do("GET", next, nil, &page)
	if len(page.Articles) != 1 || page.Articles[0].ID != "a0" || page.Next != "" {
		t.Fatalf("page 2: %+v", page)
	}
	h.Do("GET", "/api/v1/articles?status=ready&since=2026-11-05", nil, &page)
	if page.Total != 3 {
		t.Fatalf("since filter: %+v", page)
	}
}

// TestLexiconChangeResynthesizesOnlyTouchedSentences: a pronunciation rule
// changes the spoken form of the sentences it matches, and only those are
// synthesized again.
func TestLexiconChangeResynthesizesOnlyTouchedSentences(t *testing.T) {
	fake := &ttstest.Fake{}
	h := apitest.New(t, apitest.Options{Voices: fakeVoices(t, fake, &ttstest.Fake{}, tts.BackendConfig{})})
	txt := "Ông Putin đến Bình Nhưỡng. Hai nước ký thỏa thuận. Giá vàng tăng mạnh. Putin phát biểu tại sân bay."
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "lex", "text": txt}, nil)
	h.WaitStatus("lex", article.StatusReady, time.Minute)
	calls := fake.Calls()

	var touches struct{ Sentences []article.RuleTouch }
	h.Do("POST", "/api/v1/lexicon/touches", map[string]any{"match": "Putin", "say": "Pu tin"}, &touches)
	if len(touches.Sentences) != 2 {
		t.Fatalf("rule touches %+v, want the two Putin sentences", touches.Sentences)
	}
	var added struct {
		Rule    text.Rule
		Version int
	}
	if code := h.Do("POST", "/api/v1/lexicon", map[string]any{"match": "Putin", "say": "Pu tin"}, &added); code != http.StatusCreated || added.Rule.ID == "" {
		t.Fatalf("add rule: %d %+v", code, added)
	}
	var preview synth.PreviewResult
	h.Do("GET", "/api/v1/articles/lex/preview", nil, &preview)
	if !strings.Contains(preview.Sentences[0].Spoken, "Pu tin") {
		t.Fatalf("preview does not apply the rule: %+v", preview.Sentences[0])
	}
	var st article.State
	h.Do("POST", "/api/v1/articles/lex/resynthesize", nil, &st)
	st = h.WaitRevision("lex", st.Revision, time.Minute)
	if fake.Calls()-calls != 2 || st.SentencesSynthesized != 2 || st.SentencesCached != 2 {
		t.Fatalf("after the rule: %d calls, reported %d synthesized, %d cached (want 2, 2, 2)", fake.Calls()-calls, st.SentencesSynthesized, st.SentencesCached)
	}
	for _, want := range fake.Texts()[calls:] {
		if !strings.Contains(want, "Pu tin") {
			t.Fatalf("re-synthesized %q, which the rule does not touch", want)
		}
	}
}

// TestAdminTokens: an admin creates an editor token that works until it is
// revoked.
func TestAdminTokens(t *testing.T) {
	h := apitest.New(t, apitest.Options{AdminToken: "admin-secret"})
	call := func(method, path, token string, body any) (int, map[string]any) {
		var out map[string]any
		return callAPI(t, h, method, path, token, body, &out), out
	}
	code, created := call("POST", "/api/v1/tokens", "admin-secret", map[string]string{"name": "CMS"})
	if code != 201 || created["token"] == nil {
		t.Fatalf("create token: %d %v", code, created)
	}
	tok := created["token"].(string)
	if code, _ := call("GET", "/api/v1/voices", tok, nil); code != 200 {
		t.Fatalf("new token refused: %d", code)
	}
	if code, _ := call("POST", "/api/v1/tokens", tok, map[string]string{"name": "x"}); code != 403 {
		t.Fatalf("editor token made a token: %d", code)
	}
	// The database never holds the token itself.
	rows, err := h.DB.Conn().Query(context.Background(), `SELECT digest, id, name FROM editor_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var digest, id, name string
		if err := rows.Scan(&digest, &id, &name); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(digest+id+name, strings.TrimPrefix(tok, "loa_")) {
			t.Fatalf("token stored in clear: %s %s %s", digest, id, name)
		}
		n++
	}
	rows.Close()
	if n != 1 {
		t.Fatalf("%d token rows, want 1", n)
	}
	if code, _ := call("DELETE", "/api/v1/tokens/"+created["id"].(string), "admin-secret", nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := call("GET", "/api/v1/voices", tok, nil); code != 401 {
		t.Fatalf("revoked token accepted: %d", code)
	}
}

// TestObservability: health, readiness and Prometheus metrics.
func TestObservability(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "obs", "text": "Giá xăng tăng mạnh."}, nil)
	h.WaitStatus("obs", article.StatusReady, time.Minute)
	if resp, _ := get(t, h.URL+"/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	// The job's counters move right after the article turns ready.
	wants := []string{"loa_http_requests_total", `loa_articles{status="ready"} 1`, `loa_jobs_total{state="ready"} 1`, "loa_synthesis_seconds_count 1", "loa_queue_depth"}
	var resp *http.Response
	var body []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body = get(t, h.URL+"/metrics")
		missing := ""
		for _, want := range wants {
			if !bytes.Contains(body, []byte(want)) {
				missing = want
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %s:\n%s", missing, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("metrics: %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
}
