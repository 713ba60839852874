package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/sources"
)

type sourceList struct {
	Sources []sources.Source `json:"sources"`
}

// TestSourcesAPI: editors add, list, edit, pause, resume and remove
// sources; bad settings are a 400 naming the field and change nothing.
func TestSourcesAPI(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db})
		for _, c := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{}, `"url" is required`},
			{map[string]any{"url": "ftp://bao.example.vn/rss"}, `"url" must be an absolute http or https URL`},
			{map[string]any{"url": "https://bao.example.vn/rss", "interval": "500ms"}, `"interval"`},
			{map[string]any{"url": "https://bao.example.vn/rss", "backfill": -1}, "backfill"},
			{map[string]any{"url": "https://bao.example.vn/rss", "include": []string{""}}, "include[0] is empty"},
			{map[string]any{"url": "https://bao.example.vn/rss", "feed": "All News"}, `"feed"`},
			{map[string]any{"url": "https://bao.example.vn/rss", "voice": "no-such-voice"}, `"voice": unknown voice "no-such-voice"`},
			{map[string]any{"url": "https://bao.example.vn/rss", "intervall": "5m"}, "intervall"},
		} {
			var e struct{ Error string }
			if code := h.Do("POST", "/api/v1/sources", c.body, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, c.want) {
				t.Errorf("POST %v: %d %q, want 400 naming %q", c.body, code, e.Error, c.want)
			}
		}
		var list sourceList
		if code := h.Do("GET", "/api/v1/sources", nil, &list); code != 200 || len(list.Sources) != 0 {
			t.Fatalf("rejected sources were stored: %d %+v", code, list)
		}

		var src sources.Source
		if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": "https://bao.example.vn/rss#x", "feed": "the-gioi", "paused": true}, &src); code != http.StatusCreated || src.ID == "" {
			t.Fatalf("POST: %d %+v", code, src)
		}
		if src.URL != "https://bao.example.vn/rss" || src.Interval != "5m0s" || src.Backfill != 10 || !src.Paused || src.NextPoll != nil || src.Feed != "the-gioi" {
			t.Errorf("created source: %+v", src)
		}
		if code := h.Do("GET", "/api/v1/sources", nil, &list); code != 200 || len(list.Sources) != 1 || list.Sources[0].ID != src.ID {
			t.Fatalf("GET list: %d %+v", code, list)
		}
		var e struct{ Error string }
		if code := h.Do("PUT", "/api/v1/sources/"+src.ID, map[string]any{"interval": "0s"}, &e); code != 400 || !strings.Contains(e.Error, `"interval"`) {
			t.Errorf("PUT bad interval: %d %q", code, e.Error)
		}
		var got sources.Source
		if code := h.Do("PUT", "/api/v1/sources/"+src.ID, map[string]any{"interval": "2m", "exclude": []string{"*/video/*"}}, &got); code != 200 ||
			got.Interval != "2m0s" || got.Feed != "the-gioi" || !got.Paused || len(got.Exclude) != 1 {
			t.Errorf("PUT interval: %d %+v", code, got)
		}
		if code := h.Do("GET", "/api/v1/sources/nosuch", nil, &e); code != 404 {
			t.Errorf("GET unknown: %d", code)
		}
		if code := h.Do("DELETE", "/api/v1/sources/"+src.ID, nil, nil); code != http.StatusNoContent {
			t.Errorf("DELETE: %d", code)
		}
		if code := h.Do("GET", "/api/v1/sources/"+src.ID, nil, &e); code != 404 {
			t.Errorf("GET deleted: %d", code)
		}
	})
}

// TestSourceFailingInWords: a source whose URL the fetch guard refuses is
// polled at once after it is added and shows why it fails; resuming a
// paused source polls it.
func TestSourceFailingInWords(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	var src sources.Source
	if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": "http://127.0.0.1:9/rss", "paused": true}, &src); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	time.Sleep(300 * time.Millisecond)
	if h.Do("GET", "/api/v1/sources/"+src.ID, nil, &src); src.LastPoll != nil {
		t.Fatalf("a paused source was polled: %+v", src)
	}
	h.Do("PUT", "/api/v1/sources/"+src.ID, map[string]any{"paused": false}, &src)
	deadline := time.Now().Add(20 * time.Second)
	for src.LastError == "" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		h.Do("GET", "/api/v1/sources/"+src.ID, nil, &src)
	}
	if !src.Failing || !strings.Contains(src.LastError, "address not allowed") || src.LastPoll == nil || src.NextPoll == nil || !src.NextPoll.After(*src.LastPoll) {
		t.Errorf("source after a refused poll: %+v", src)
	}
}

// TestSourceParallelChanges: parallel PUTs, DELETEs and POSTs on one
// source end in one consistent answer each: every PUT is 200 or (after the
// delete) 404, exactly one DELETE succeeds, and the source is gone.
func TestSourceParallelChanges(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db})
		var src sources.Source
		if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": "https://bao.example.vn/rss", "paused": true}, &src); code != http.StatusCreated {
			t.Fatalf("POST: %d", code)
		}
		const n = 8
		codes := make([]int, 3*n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(3)
			go func() {
				defer wg.Done()
				codes[i] = h.Do("PUT", "/api/v1/sources/"+src.ID, map[string]any{"interval": fmt.Sprintf("%dm", i+1), "paused": i%2 == 0}, nil)
			}()
			go func() {
				defer wg.Done()
				codes[n+i] = h.Do("DELETE", "/api/v1/sources/"+src.ID, nil, nil)
			}()
			go func() {
				defer wg.Done()
				codes[2*n+i] = h.Do("POST", "/api/v1/sources", map[string]any{"url": "https://bao.example.vn/rss", "paused": true}, nil)
			}()
		}
		wg.Wait()
		deleted := 0
		for i, code := range codes {
			switch {
			case i < n && code != 200 && code != 404:
				t.Errorf("PUT %d: %d", i, code)
			case i >= n && i < 2*n && code == http.StatusNoContent:
				deleted++
			case i >= n && i < 2*n && code != 404:
				t.Errorf("DELETE %d: %d", i, code)
			case i >= 2*n && code != http.StatusCreated:
				t.Errorf("POST %d: %d", i, code)
			}
		}
		if deleted != 1 {
			t.Errorf("%d DELETEs succeeded, want 1", deleted)
		}
		if code := h.Do("GET", "/api/v1/sources/"+src.ID, nil, nil); code != 404 {
			t.Errorf("GET after delete: %d", code)
		}
		var list sourceList
		if h.Do("GET", "/api/v1/sources", nil, &list); len(list.Sources) != n {
			t.Errorf("%d sources listed, want the %d posted", len(list.Sources), n)
		}
	})
}

// TestSourceOneNodeAtATime: two nodes on one PostgreSQL database follow a
// source polled every second; its feed never sees two polls at once, and
// a deleted source is polled no more.
func TestSourceOneNodeAtATime(t *testing.T) {
	var inFlight, most, polls atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		polls.Add(1)
		time.Sleep(300 * time.Millisecond) // a slow site widens the window for a second poll
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>`)
	}))
	defer feed.Close()
	db := sqldbtest.New(t, sqldb.Postgres)
	fetch := func() *synth.Fetcher {
		return synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	}
	a := apitest.New(t, apitest.Options{DB: db, SourceTick: 100 * time.Millisecond, Service: synth.ServiceConfig{NodeID: "node-a", Fetcher: fetch()}})
	b := apitest.New(t, apitest.Options{DB: db, SourceTick: 100 * time.Millisecond, Service: synth.ServiceConfig{NodeID: "node-b", Fetcher: fetch()}})
	var src sources.Source
	if code := a.Do("POST", "/api/v1/sources", map[string]any{"url": feed.URL + "/rss.xml", "interval": "1s"}, &src); code != http.StatusCreated {
		t.Fatalf("POST: %d", code)
	}
	time.Sleep(5 * time.Second)
	if most.Load() != 1 || polls.Load() < 3 {
		t.Errorf("%d polls, at most %d at once; want several, one at a time", polls.Load(), most.Load())
	}
	if code := b.Do("DELETE", "/api/v1/sources/"+src.ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE on the other node: %d", code)
	}
	time.Sleep(500 * time.Millisecond) // a poll in flight ends
	after := polls.Load()
	time.Sleep(2 * time.Second)
	if polls.Load() != after {
		t.Errorf("a deleted source was polled %d more times", polls.Load()-after)
	}
}
