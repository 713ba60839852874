package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
)

// puttingStore records the keys written.
type puttingStore struct {
	storage.Store
	mu   sync.Mutex
	puts []string
}

func (s *puttingStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.Info, error) {
	s.mu.Lock()
	s.puts = append(s.puts, key)
	s.mu.Unlock()
	return s.Store.Put(ctx, key, r, size, opts)
}

func (s *puttingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.puts
	s.puts = nil
	return out
}

// TestSubmissionsWriteNothingToTheStore: creating, updating and
// re-voicing an article are database transactions only (the source is
// staged with the article), so an editor's request never waits for store
// writes; the page, the source and the document are served from the staged
// source at once, and the synthesis job stores the source.
func TestSubmissionsWriteNothingToTheStore(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		local, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store := &puttingStore{Store: local}
		h := apitest.New(t, apitest.Options{DB: db, Store: store, NoWorkers: true})
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "st", "title": "Giá vàng", "text": "Giá vàng tăng mạnh."}, nil); code != http.StatusAccepted {
			t.Fatalf("create: %d", code)
		}
		if code := h.Do("PUT", "/api/v1/articles/st", map[string]string{"title": "Giá vàng", "text": "Giá vàng giảm nhẹ."}, nil); code != http.StatusAccepted {
			t.Fatalf("update: %d", code)
		}
		if code := h.Do("POST", "/api/v1/articles/st/resynthesize", map[string]string{"voice": "vi"}, nil); code != http.StatusAccepted {
			t.Fatalf("resynthesize with a voice: %d", code)
		}
		if puts := store.take(); len(puts) != 0 {
			t.Fatalf("editor requests wrote %v to the store, want nothing", puts)
		}
		src, err := h.Service.Catalog.Source(context.Background(), "st")
		if err != nil || src.Text != "Giá vàng giảm nhẹ." || src.Voice != "vi" {
			t.Fatalf("source before the job: %+v, %v", src, err)
		}
		if resp, body := get(t, h.URL+"/articles/st"); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "giảm nhẹ") {
			t.Fatalf("page before the job: %d, has the update: %v", resp.StatusCode, strings.Contains(string(body), "giảm nhẹ"))
		}
	})
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		local, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		h := apitest.New(t, apitest.Options{DB: db, Store: local})
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "job", "text": "Hà Nội mưa lớn."}, nil); code != http.StatusAccepted {
			t.Fatalf("create: %d", code)
		}
		h.WaitStatus("job", "ready", 30*time.Second)
		var stored synth.Source
		if _, err := storage.GetJSON(context.Background(), local, "articles/job/source.json", &stored); err != nil || stored.Text != "Hà Nội mưa lớn." {
			t.Fatalf("the job stored %+v, %v", stored, err)
		}
	})
}
