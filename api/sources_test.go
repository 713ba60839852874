package api_test

import (
	"context"
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
	a := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{NodeID: "node-a", Fetcher: fetch()}})
	b := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{NodeID: "node-b", Fetcher: fetch()}})
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

// TestSourceJobRowsFollowPolls: following sources leaves no job row per
// tick. With no source the river_job table does not grow; with several
// polled every second it grows with actual polls at most (and has one poll
// job per source, each waiting for its next poll).
func TestSourceJobRowsFollowPolls(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		feed, polls := countingFeed(t)
		h := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{Fetcher: loopbackFetcher()}})
		rows := func(kind string) int {
			t.Helper()
			var n int
			if err := db.Conn().QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind LIKE ?`, kind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The leader's start-up jobs (the sweep for sources with no poll
		// queued among them) are in.
		deadline := time.Now().Add(20 * time.Second)
		for rows("sources_due") == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no leader ran the periodic jobs")
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		before := rows("%")
		time.Sleep(2500 * time.Millisecond)
		if got := rows("%"); got != before {
			t.Errorf("with no source, %d job rows became %d", before, got)
		}

		const n = 3
		for i := range n {
			if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": fmt.Sprintf("%s/rss-%d.xml", feed.URL, i), "interval": "1s"}, nil); code != http.StatusCreated {
				t.Fatalf("POST: %d", code)
			}
		}
		time.Sleep(1500 * time.Millisecond)
		before, polled := rows("%"), polls.Load()
		time.Sleep(3 * time.Second)
		grew, polledMore := rows("%")-before, polls.Load()-polled
		t.Logf("%d sources polled every second: %d polls, %d more job rows", n, polledMore, grew)
		if polledMore < n {
			t.Fatalf("%d polls of %d sources in 3s, want each polled", polledMore, n)
		}
		if grew > int(polledMore) {
			t.Errorf("%d job rows for %d polls: rows grow with time, not with polls", grew, polledMore)
		}
		if jobs := rows("source_poll"); jobs > n {
			t.Errorf("%d poll jobs for %d sources, want one each", jobs, n)
		}
	})
}

// countingFeed is an empty RSS feed on 127.0.0.1 that counts its polls.
func countingFeed(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var polls atomic.Int64
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>`)
	}))
	t.Cleanup(feed.Close)
	return feed, &polls
}

func loopbackFetcher() *synth.Fetcher {
	return synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
}

// TestSourceEditedPollsAtOnce: a source polled hourly, its job waiting for
// the next hour, is polled at once when an editor changes its interval or
// URL, on another node than the one that polled it.
func TestSourceEditedPollsAtOnce(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		feed, polls := countingFeed(t)
		a := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{NodeID: "node-a", Fetcher: loopbackFetcher()}})
		var src sources.Source
		if code := a.Do("POST", "/api/v1/sources", map[string]any{"url": feed.URL + "/rss.xml", "interval": "1h"}, &src); code != http.StatusCreated {
			t.Fatalf("POST: %d", code)
		}
		src = waitSource(t, a, src.ID, 20*time.Second, func(s sources.Source) bool { return s.LastPoll != nil })
		if src.NextPoll == nil || src.NextPoll.Sub(*src.LastPoll) < 59*time.Minute {
			t.Fatalf("after the first poll: %+v", src)
		}
		var b *apitest.Server
		if db.Engine() == sqldb.Postgres {
			b = apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{NodeID: "node-b", Fetcher: loopbackFetcher()}})
		} else {
			b = a // one SQLite file, one node
		}
		for i, change := range []map[string]any{{"interval": "2h"}, {"url": feed.URL + "/other.xml"}} {
			last, before := *src.LastPoll, polls.Load()
			if code := b.Do("PUT", "/api/v1/sources/"+src.ID, change, &src); code != 200 {
				t.Fatalf("PUT %v: %d", change, code)
			}
			src = waitSource(t, a, src.ID, 10*time.Second, func(s sources.Source) bool { return s.LastPoll.After(last) })
			if polls.Load() != before+1 {
				t.Errorf("change %d: %d polls, want 1", i, polls.Load()-before)
			}
		}
		time.Sleep(time.Second)
		if jobs := countJobs(t, db, `kind = 'source_poll'`); jobs != 1 || polls.Load() != 3 {
			t.Errorf("%d poll jobs and %d polls after two changes, want 1 job and 3 polls", jobs, polls.Load())
		}
	})
}

// TestSourceEditMeetsJobEnds: an edit made after a poll was saved but
// while its job still runs (River records its wait for the old time
// later) polls at once, also when the look queued by an earlier such edit
// has looked but still runs too: that look, once unique by source,
// absorbed the new one and the edit waited for the sweep (the 1-in-3
// failure that reverted the snoozing jobs). The jobs are held at those
// points, so the interleaving is forced, not hoped for.
func TestSourceEditMeetsJobEnds(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		feed, polls := countingFeed(t)
		gates := newJobGates(t)
		opts := func(node string) apitest.Options {
			return apitest.Options{DB: db, SourceJobEnd: gates.at, Service: synth.ServiceConfig{NodeID: node, Fetcher: loopbackFetcher()}}
		}
		a := apitest.New(t, opts("node-a"))
		b := a // one SQLite file, one node
		if db.Engine() == sqldb.Postgres {
			b = apitest.New(t, opts("node-b"))
		}
		// The leader's start-up sweep is done: no other look moves the job.
		deadline := time.Now().Add(20 * time.Second)
		for countJobs(t, db, `kind = 'sources_due' AND state = 'completed'`) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no leader ran the sweep")
			}
			time.Sleep(50 * time.Millisecond)
		}

		poll0 := gates.arm("source_poll")
		var src sources.Source
		if code := a.Do("POST", "/api/v1/sources", map[string]any{"url": feed.URL + "/rss.xml", "interval": "1h"}, &src); code != http.StatusCreated {
			t.Fatalf("POST: %d", code)
		}
		poll0.wait(t)

		// An edit meets the first poll's end: saved, its job still running.
		look1, poll1 := gates.arm("sources_due"), gates.arm("source_poll")
		put := func(change map[string]any) {
			t.Helper()
			if code := b.Do("PUT", "/api/v1/sources/"+src.ID, change, &src); code != 200 {
				t.Fatalf("PUT %v: %d", change, code)
			}
		}
		put(map[string]any{"interval": "2h"})
		poll0.release()
		// The edit's look waits for the job to stop running, moves it to
		// now and is held having looked; the poll it asked for is held
		// saved: both jobs still run in river_job.
		look1.wait(t)
		poll1.wait(t)
		if got := polls.Load(); got != 2 {
			t.Fatalf("%d polls after an edit met the first poll's end, want 2", got)
		}
		src = waitSource(t, a, src.ID, time.Second, func(s sources.Source) bool { return s.LastPoll != nil })
		last := *src.LastPoll

		// An edit meets both ends.
		put(map[string]any{"interval": "3h"})
		look1.release()
		poll1.release()
		src = waitSource(t, a, src.ID, 10*time.Second, func(s sources.Source) bool { return s.LastPoll.After(last) })
		time.Sleep(time.Second)
		if got := polls.Load(); got != 3 {
			t.Errorf("%d polls after two edits met job ends, want 3", got)
		}
		if jobs := countJobs(t, db, `kind = 'source_poll'`); jobs != 1 {
			t.Errorf("%d poll jobs, want 1", jobs)
		}
		if looks := countJobs(t, db, `kind = 'sources_due' AND state <> 'completed'`); looks != 0 {
			t.Errorf("%d looks not completed", looks)
		}
		if src.NextPoll == nil || src.NextPoll.Sub(*src.LastPoll) < 179*time.Minute {
			t.Errorf("after the last edit's poll: %+v, want the next in 3h", src)
		}
	})
}

func countJobs(t *testing.T, db *sqldb.DB, where string) int {
	t.Helper()
	var n int
	if err := db.Conn().QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE `+where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobGates holds sources' jobs where they end their work (apitest's
// SourceJobEnd): each armed gate holds the next job of its kind to get
// there until released.
type jobGates struct {
	t    *testing.T
	next map[string]chan *jobGate
}

type jobGate struct {
	kind        string
	held, freed chan struct{}
	once        sync.Once
}

func newJobGates(t *testing.T) *jobGates {
	return &jobGates{t: t, next: map[string]chan *jobGate{"source_poll": make(chan *jobGate, 4), "sources_due": make(chan *jobGate, 4)}}
}

func (g *jobGates) arm(kind string) *jobGate {
	gate := &jobGate{kind: kind, held: make(chan struct{}), freed: make(chan struct{})}
	g.next[kind] <- gate
	g.t.Cleanup(gate.release)
	return gate
}

func (g *jobGates) at(ctx context.Context, kind, _ string) {
	select {
	case gate := <-g.next[kind]:
		close(gate.held)
		select {
		case <-gate.freed:
		case <-ctx.Done():
		}
	default:
	}
}

func (gate *jobGate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-gate.held:
	case <-time.After(15 * time.Second):
		t.Fatalf("no %s job got to its end in 15s", gate.kind)
	}
}

func (gate *jobGate) release() { gate.once.Do(func() { close(gate.freed) }) }

// TestSourceLostJobRequeued: a source whose poll job was lost (River gave
// up on it when its node died) or whose due time passed while its job waits
// for later (an edit that met a poll's end) is polled again by the sweep.
func TestSourceLostJobRequeued(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		feed, polls := countingFeed(t)
		h := apitest.New(t, apitest.Options{DB: db, SourceLease: time.Second, Service: synth.ServiceConfig{Fetcher: loopbackFetcher()}})
		var src sources.Source
		if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": feed.URL + "/rss.xml", "interval": "1h"}, &src); code != http.StatusCreated {
			t.Fatalf("POST: %d", code)
		}
		src = waitSource(t, h, src.ID, 20*time.Second, func(s sources.Source) bool { return s.LastPoll != nil })
		ctx := context.Background()
		for _, lose := range []string{
			`UPDATE river_job SET state = 'discarded', finalized_at = scheduled_at WHERE kind = 'source_poll'`,
			`SELECT 1`, // the job still waits for the next hour
		} {
			last, before := *src.LastPoll, polls.Load()
			if _, err := h.DB.Conn().Exec(ctx, lose); err != nil {
				t.Fatal(err)
			}
			if _, err := h.DB.Conn().Exec(ctx, `UPDATE sources SET next_poll = 0 WHERE id = ?`, src.ID); err != nil {
				t.Fatal(err)
			}
			src = waitSource(t, h, src.ID, 15*time.Second, func(s sources.Source) bool { return s.LastPoll.After(last) })
			if polls.Load() != before+1 {
				t.Errorf("after %q: %d polls, want 1", lose, polls.Load()-before)
			}
		}
	})
}
