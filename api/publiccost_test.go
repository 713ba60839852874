package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/article"
)

// countingStore counts reads of article sources: the work an anonymous
// page view must not repeat.
type countingStore struct {
	storage.Store
	sourceReads atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string, r *storage.Range) (io.ReadCloser, storage.Info, error) {
	if strings.HasSuffix(key, "/source.json") {
		s.sourceReads.Add(1)
	}
	return s.Store.Get(ctx, key, r)
}

// TestArticlePageCostIsBounded: the public page of a big article neither
// re-reads nor re-extracts the stored HTML per request, and its size does
// not grow with the article.
func TestArticlePageCostIsBounded(t *testing.T) {
	local, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: local}
	h := apitest.New(t, apitest.Options{Store: store, NoWorkers: true})
	html := apitest.LongArticleHTML(1_500_000)
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "big", "html": html}, nil); code != http.StatusAccepted {
		t.Fatalf("create: %d", code)
	}
	before := store.sourceReads.Load()
	var wg sync.WaitGroup
	sizes := make([]int, 20)
	for i := range sizes {
		wg.Go(func() {
			resp, body := get(t, h.URL+"/articles/big")
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Đoạn 0:") {
				t.Errorf("page: %d", resp.StatusCode)
			}
			sizes[i] = len(body)
		})
	}
	wg.Wait()
	if n := store.sourceReads.Load() - before; n != 0 {
		t.Errorf("20 page views read the stored source %d times, want 0", n)
	}
	for _, n := range sizes {
		if n > 300_000 {
			t.Fatalf("page of a %d-byte article is %d bytes; the page must be capped", len(html), n)
		}
	}
	// An update makes a new page at once.
	if code := h.Do("PUT", "/api/v1/articles/big", map[string]string{"html": strings.Replace(html, "Đoạn 0:", "Mở đầu:", 1)}, nil); code != http.StatusAccepted {
		t.Fatalf("update: %d", code)
	}
	before = store.sourceReads.Load()
	if _, body := get(t, h.URL+"/articles/big"); !strings.Contains(string(body), "Mở đầu:") {
		t.Fatal("page does not show the updated article")
	}
	if n := store.sourceReads.Load() - before; n != 0 {
		t.Errorf("first view after an update read the source %d times, want 0", n)
	}
}

// TestExtractedTitleAndLeadAreBounded: a page whose title or lead is huge
// does not copy it into the manifest, the article index and every listing.
func TestExtractedTitleAndLeadAreBounded(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	title := strings.Repeat("Tiêu đề rất dài ", 20_000)
	lead := strings.Repeat("Đoạn mở đầu rất dài. ", 20_000)
	html := "<html><head><title>" + title + "</title></head><body><article><h1>" + title + "</h1><p class=\"sapo\"><strong>" + lead + "</strong></p><p>Giá xăng tăng mạnh.</p></article></body></html>"
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "huge-title", "html": html}, nil); code != http.StatusAccepted {
		t.Fatalf("create: %d", code)
	}
	var list struct{ Articles []article.Summary }
	h.Do("GET", "/api/v1/articles", nil, &list)
	if len(list.Articles) != 1 {
		t.Fatalf("listing: %+v", list)
	}
	a := list.Articles[0]
	if len(a.Title) > 1000 || len(a.Lead) > 2000 || !utf8.ValidString(a.Title) || !utf8.ValidString(a.Lead) || a.Title == "" {
		t.Fatalf("listing holds a %d-byte title and a %d-byte lead", len(a.Title), len(a.Lead))
	}
}

// TestArticlePageFollowsRacingUpdates: whichever of many parallel updates
// wins, the public page shows the article as stored.
func TestArticlePageFollowsRacingUpdates(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "race", "text": "Bản đầu tiên."}, nil)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			h.Do("PUT", "/api/v1/articles/race", map[string]string{"text": fmt.Sprintf("Bản sửa số %d.", i)}, nil)
		})
	}
	wg.Wait()
	var preview struct {
		Blocks []struct{ Text string }
	}
	if code := h.Do("GET", "/api/v1/articles/race/preview", nil, &preview); code != http.StatusOK || len(preview.Blocks) == 0 {
		t.Fatalf("preview: %d", code)
	}
	stored := preview.Blocks[0].Text
	_, body := get(t, h.URL+"/articles/race")
	if !strings.Contains(string(body), stored) {
		t.Fatalf("the page does not show the stored article %q", stored)
	}
	for i := range 10 {
		if other := fmt.Sprintf("Bản sửa số %d.", i); other != stored && strings.Contains(string(body), other) {
			t.Fatalf("the page shows %q, the article is %q", other, stored)
		}
	}
}
