package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
)

// TestParallelCreatesOfOneIDKeepSourceAndRowTogether: a new article's
// source is staged in its catalog transaction and stored by its job. 30
// parallel POSTs of one new id with two different texts, interleaved with
// DELETEs: every answer is 202, 200 (the same content again), 409 (other
// content) or, for DELETE, 204/404; at the end the source is the one of the
// article in the catalog (same GUID, same text as a POST that created it),
// and once its job has run the store holds that same source.
func TestParallelCreatesOfOneIDKeepSourceAndRowTogether(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{Workers: 2}})
		texts := []string{"Giá xăng tăng mạnh.", "Hà Nội mưa lớn."}
		for round := range 3 {
			id := fmt.Sprintf("same-%d", round)
			var wg sync.WaitGroup
			var mu sync.Mutex
			created := map[string]bool{}
			for i := range 30 {
				wg.Go(func() {
					if round > 0 && i%10 == 9 {
						if code := h.Do("DELETE", "/api/v1/articles/"+id, nil, nil); code != 204 && code != 404 {
							t.Errorf("DELETE %s: %d", id, code)
						}
						return
					}
					text := texts[i%2]
					switch code := h.Do("POST", "/api/v1/articles", map[string]string{"id": id, "text": text}, nil); code {
					case 202:
						mu.Lock()
						created[text] = true
						mu.Unlock()
					case 200, 409:
					default:
						t.Errorf("POST %s: %d", id, code)
					}
				})
			}
			wg.Wait()
			row, err := db.Conn().Article(context.Background(), id)
			if err != nil {
				continue // deleted last
			}
			src, err := h.Service.Catalog.Source(context.Background(), id)
			if err != nil {
				t.Fatalf("%s: article without its source: %v", id, err)
			}
			if src.GUID != row.GUID || !created[src.Text] {
				t.Errorf("%s: source (GUID %s, text %q) is not the catalog's article (GUID %s; created with %v)", id, src.GUID, src.Text, row.GUID, created)
			}
			h.WaitRevision(id, row.Revision, 30*time.Second)
			var stored synth.Source
			if _, err := storage.GetJSON(context.Background(), h.Store, "articles/"+id+"/source.json", &stored); err != nil {
				t.Fatalf("%s: job did not store the source: %v", id, err)
			}
			if stored.GUID != src.GUID || stored.Text != src.Text {
				t.Errorf("%s: stored source (GUID %s, text %q) is not the catalog's (GUID %s, text %q)", id, stored.GUID, stored.Text, src.GUID, src.Text)
			}
		}
	})
}
