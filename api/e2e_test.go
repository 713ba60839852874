package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/go-mp3"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
	"github.com/loa-audio/loa/synth/article"
)

// TestSampleArticleEndToEnd submits the sample page through the API, waits
// for the audio, reads its first KiB with a Range request, decodes the
// whole file and compares its length with the reported duration.
func TestSampleArticleEndToEnd(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	checkSampleEndToEnd(t, h)
}

// TestSampleArticleEndToEndMinIO runs the same path with the store on a
// real MinIO server.
func TestSampleArticleEndToEndMinIO(t *testing.T) {
	srv := s3test.StartMinIO(t)
	store, err := storage.Open(t.Context(), storage.Config{URL: srv.StoreURL(srv.NewBucket(t)), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	h := apitest.New(t, apitest.Options{Store: store})
	checkSampleEndToEnd(t, h)
}

func checkSampleEndToEnd(t *testing.T, h *apitest.Server) {
	var created article.State
	code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "sample", "html": apitest.SampleHTML(t)}, &created)
	if code != http.StatusAccepted || created.ID != "sample" || created.Status != article.StatusQueued {
		t.Fatalf("POST: %d %+v", code, created)
	}
	st := h.WaitStatus("sample", article.StatusReady, 3*time.Minute)
	if st.DurationMS <= 0 || st.Bytes <= 0 || st.AudioURL == "" || st.Error != "" || st.Progress != 1 {
		t.Fatalf("ready article lacks audio facts: %+v", st)
	}
	if !strings.HasPrefix(st.AudioURL, h.URL+"/audio/sample.mp3") {
		t.Fatalf("audio_url %q is not the server's absolute URL", st.AudioURL)
	}

	req, _ := http.NewRequest("GET", st.AudioURL, nil)
	req.Header.Set("Range", "bytes=0-1023")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(head) != 1024 {
		t.Fatalf("Range 0-1023: status %d, %d bytes", resp.StatusCode, len(head))
	}
	if got := resp.Header.Get("Content-Range"); got != "bytes 0-1023/"+strconv.FormatInt(st.Bytes, 10) {
		t.Fatalf("Content-Range %q, want total %d", got, st.Bytes)
	}
	if !hasFrameSync(head) {
		t.Fatalf("no MPEG frame sync in the first KiB: % x", head[:32])
	}

	resp, err = http.Get(st.AudioURL)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if int64(len(whole)) != st.Bytes || resp.Header.Get("Content-Type") != "audio/mpeg" || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET audio: %d bytes (manifest %d), type %q, etag %q", len(whole), st.Bytes, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
	}
	dec, err := mp3.NewDecoder(bytes.NewReader(whole))
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := io.ReadAll(dec)
	if err != nil {
		t.Fatal(err)
	}
	decodedMS := float64(len(pcm)) / 4 / float64(dec.SampleRate()) * 1000
	if ratio := decodedMS / float64(st.DurationMS); ratio < 0.99 || ratio > 1.01 {
		t.Fatalf("decoded %.0f ms, reported %d ms (ratio %.4f)", decodedMS, st.DurationMS, ratio)
	}
	t.Logf("sample article: %d ms, %d bytes, %d sentences synthesized, %d cached", st.DurationMS, st.Bytes, st.SentencesSynthesized, st.SentencesCached)

	// The demo page carries the player above the headline.
	resp, err = http.Get(h.URL + "/articles/sample")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`data-loa-article="sample"`)) || !bytes.Contains(page, []byte("Triều Tiên")) {
		t.Fatalf("demo page: %d %s", resp.StatusCode, page)
	}
	if bytes.Index(page, []byte(`data-loa-article="sample"`)) > bytes.Index(page, []byte("<h1")) {
		t.Fatal("the player is not above the headline")
	}
}

func hasFrameSync(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xFF && b[i+1]&0xE0 == 0xE0 {
			return true
		}
	}
	return false
}
