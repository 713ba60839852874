package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/article"
)

// TestProgressReachesOtherNodes: on PostgreSQL, a node that neither took
// the request nor runs the job streams the article's changes, through
// LISTEN/NOTIFY.
func TestProgressReachesOtherNodes(t *testing.T) {
	db := sqldbtest.New(t, sqldb.Postgres)
	worker := apitest.New(t, apitest.Options{DB: db})
	viewer := apitest.New(t, apitest.Options{DB: db, Store: worker.Store, NoWorkers: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go viewer.Service.Catalog.Listen(ctx)
	events, stop := viewer.Service.Catalog.Subscribe("far")
	defer stop()
	// The listener is in place once a change made elsewhere arrives; retry
	// the first change until it does.
	time.Sleep(300 * time.Millisecond)
	if code := worker.Do("POST", "/api/v1/articles", map[string]string{"id": "far", "text": "Giá xăng tăng mạnh. Hà Nội mưa lớn."}, nil); code != 202 {
		t.Fatalf("POST: %d", code)
	}
	seen := map[article.Status]bool{}
	deadline := time.After(time.Minute)
	for !seen[article.StatusReady] {
		select {
		case m := <-events:
			if m.ID != "far" {
				t.Fatalf("event for %q", m.ID)
			}
			seen[m.Status] = true
		case <-deadline:
			t.Fatalf("viewer saw %v, never ready", seen)
		}
	}
	if code := worker.Do("DELETE", "/api/v1/articles/far", nil, nil); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	for {
		select {
		case m := <-events:
			if m.Status == "deleted" {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("viewer never saw the deletion")
		}
	}
}
