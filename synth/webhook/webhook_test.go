package webhook

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
)

// harness runs a dispatcher's jobs on a River client of its own, the way
// the article service does.
type harness struct {
	db     *sqldb.DB
	d      *Dispatcher
	client *river.Client[*sql.Tx]
}

// loopback lets deliveries reach test receivers on 127.0.0.1 through the
// real guard, which refuses every other inside address.
func loopback(lookup func(ctx context.Context, host string) ([]netip.Addr, error)) *synth.Fetcher {
	return synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Lookup: lookup})
}

func start(t *testing.T, db *sqldb.DB, cfg Config) *harness {
	t.Helper()
	cfg.DB = db
	if cfg.CheckURL == nil {
		guard := loopback(nil)
		cfg.CheckURL, cfg.Client = guard.CheckURL, guard.Client()
	}
	if cfg.FirstDelay == 0 {
		cfg.FirstDelay = 20 * time.Millisecond
	}
	if !testing.Verbose() {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := New(cfg)
	rc := &river.Config{Logger: cfg.Logger, Workers: river.NewWorkers(), FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 20 * time.Millisecond, TestOnly: true}
	d.ConfigureJobs(rc)
	client, err := river.NewClient(db.RiverDriver(), rc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = client.StopAndCancel(sctx)
	})
	return &harness{db: db, d: d, client: client}
}

var errRollback = errors.New("the change failed")

// emit reports ev in a transaction that commits, or rolls back after the
// event was queued, as the article service does.
func (h *harness) emit(t *testing.T, ev article.Event, commit bool) {
	t.Helper()
	ctx := context.Background()
	err := h.db.InTx(ctx, func(tx sqldb.Conn) error {
		jobs, err := h.d.NotifyTx(ctx, tx, ev)
		if err != nil {
			return err
		}
		if len(jobs) > 0 {
			if _, err := h.client.InsertManyTx(ctx, tx.Tx(), jobs); err != nil {
				return err
			}
		}
		if !commit {
			return errRollback
		}
		return nil
	})
	if (err == nil) != commit || (!commit && !errors.Is(err, errRollback)) {
		t.Fatalf("emit %s (commit %v): %v", ev.Type, commit, err)
	}
}

func (h *harness) add(t *testing.T, e Endpoint) Endpoint {
	t.Helper()
	e, err := h.d.Add(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in 20 s", what)
		}
	}
}

func TestEndpointsCreateListDelete(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		d := New(Config{DB: db, Global: Endpoint{URL: "https://cms.example.vn/all"}})
		a, err := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/a", Feed: "kinh-te", Events: []string{"audio.ready"}})
		if err != nil || !strings.HasPrefix(a.ID, "wh") || len(a.Secret) != 48 {
			t.Fatalf("add: %+v, %v", a, err)
		}
		b, err := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/b", Secret: "chosen"})
		if err != nil || b.Secret != "chosen" {
			t.Fatalf("add with a secret: %+v, %v", b, err)
		}
		for _, bad := range []Endpoint{{URL: "ftp://x"}, {URL: "https://u:p@hooks.example.vn/"}, {URL: "https://hooks.example.vn/", Events: []string{"audio.played"}}} {
			if _, err := d.Add(ctx, bad); !errors.Is(err, article.ErrInvalidInput) {
				t.Errorf("add %+v: %v, want invalid input", bad, err)
			}
		}
		list, err := d.List(ctx)
		if err != nil || len(list) != 3 || list[0].ID != "global" || list[1].ID != a.ID || list[2].ID != b.ID {
			t.Fatalf("list: %+v, %v", list, err)
		}
		for _, e := range list {
			if e.Secret != "" {
				t.Errorf("listing shows the secret of %s", e.ID)
			}
		}
		if list[1].Feed != "kinh-te" || strings.Join(list[1].Events, ",") != "audio.ready" || !list[1].CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("listed %+v, stored %+v", list[1], a)
		}
		if err := d.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, "global", "nope"} {
			if err := d.Delete(ctx, id); !errors.Is(err, article.ErrNotFound) {
				t.Errorf("delete %s: %v, want not found", id, err)
			}
		}
		if list, _ := d.List(ctx); len(list) != 2 || list[1].ID != b.ID {
			t.Fatalf("after delete: %+v", list)
		}
	})
}

// TestParallelCreateDelete: deletes of one endpoint racing with creates
// and with each other: exactly one delete wins, every create stays.
func TestParallelCreateDelete(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		d := New(Config{DB: db})
		victim, err := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/victim"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		var deleted, missing atomic.Int32
		created := make(chan string, n)
		for range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				switch err := d.Delete(ctx, victim.ID); {
				case err == nil:
					deleted.Add(1)
				case errors.Is(err, article.ErrNotFound):
					missing.Add(1)
				default:
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				e, err := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/new"})
				if err != nil {
					t.Error(err)
					return
				}
				created <- e.ID
			}()
		}
		wg.Wait()
		close(created)
		if deleted.Load() != 1 || missing.Load() != n-1 {
			t.Fatalf("%d deletes succeeded, %d found nothing; want 1 and %d", deleted.Load(), missing.Load(), n-1)
		}
		want := map[string]bool{}
		for id := range created {
			want[id] = true
		}
		list, err := d.List(ctx)
		if err != nil || len(list) != n || len(want) != n {
			t.Fatalf("%d listed, %d created, want %d: %v", len(list), len(want), n, err)
		}
		for _, e := range list {
			if !want[e.ID] {
				t.Errorf("listed %s, which no create returned", e.ID)
			}
		}
	})
}

type request struct {
	key, delivery, event, sig string
	body                      []byte
}

// TestDeliveryRetriedWithOneIdempotencyKey: a receiver that answers 500,
// then too late, then 200 gets three signed attempts carrying one key, and
// the log shows each.
func TestDeliveryRetriedWithOneIdempotencyKey(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		var got []request
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, request{r.Header.Get("Idempotency-Key"), r.Header.Get("X-Loa-Delivery"), r.Header.Get("X-Loa-Event"), r.Header.Get("X-Loa-Signature"), body})
			n := len(got)
			mu.Unlock()
			switch n {
			case 1:
				http.Error(w, "down", http.StatusInternalServerError)
			case 2:
				time.Sleep(700 * time.Millisecond) // past the client's timeout
			}
		}))
		defer recv.Close()
		guard := loopback(nil)
		client := *guard.Client()
		client.Timeout = 300 * time.Millisecond
		h := start(t, db, Config{Client: &client, CheckURL: guard.CheckURL})
		ep := h.add(t, Endpoint{URL: recv.URL + "/hook"})
		h.emit(t, article.Event{Type: "audio.ready", ArticleID: "bai-1", Revision: 1, Bytes: 10}, true)

		var log []Delivery
		waitFor(t, "delivered", func() bool {
			log, _ = h.d.Deliveries(context.Background(), 10)
			return len(log) == 1 && log[0].Delivered
		})
		del := log[0]
		if del.Endpoint != ep.ID || del.Event.ArticleID != "bai-1" || len(del.Attempts) != 3 {
			t.Fatalf("delivery %+v", del)
		}
		if a := del.Attempts; a[0].Status != 500 || a[1].Status != 0 || !strings.Contains(a[1].Error, "time") || a[2].Status != 200 || a[2].Error != "" {
			t.Fatalf("attempts %+v: want 500, a timeout, 200", a)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 3 {
			t.Fatalf("%d requests, want 3", len(got))
		}
		for _, r := range got {
			if r.key != del.ID || r.delivery != del.ID || r.event != "audio.ready" || string(r.body) != string(got[0].body) {
				t.Errorf("request %+v: want key %s on every attempt, one body", r, del.ID)
			}
			unix, err := strconv.ParseInt(strings.TrimPrefix(strings.Split(r.sig, ",")[0], "t="), 10, 64)
			if err != nil || r.sig != Sign(ep.Secret, time.Unix(unix, 0), r.body) {
				t.Errorf("signature %q does not verify (%v)", r.sig, err)
			}
		}
	})
}

// TestGuardJudgesEveryAttempt: an endpoint whose name resolved outside
// when it was registered but inside now gets no request; one that
// redirects inside gets its redirect followed nowhere. Neither is retried.
func TestGuardJudgesEveryAttempt(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var inside atomic.Bool
		lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
			if inside.Load() {
				return []netip.Addr{netip.MustParseAddr("10.0.0.7")}, nil
			}
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		var redirected atomic.Int32
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			redirected.Add(1)
			http.Redirect(w, r, "http://10.1.2.3/admin", http.StatusTemporaryRedirect)
		}))
		defer recv.Close()
		guard := loopback(lookup)
		h := start(t, db, Config{Client: guard.Client(), CheckURL: guard.CheckURL})
		rebound := h.add(t, Endpoint{URL: "https://hooks.example.vn/hook", Events: []string{"audio.failed"}})
		redirect := h.add(t, Endpoint{URL: recv.URL + "/hook", Events: []string{"audio.deleted"}})
		inside.Store(true)
		h.emit(t, article.Event{Type: "audio.failed", ArticleID: "bai-1"}, true)
		h.emit(t, article.Event{Type: "audio.deleted", ArticleID: "bai-1"}, true)

		var log []Delivery
		waitFor(t, "both attempts logged", func() bool {
			log, _ = h.d.Deliveries(context.Background(), 10)
			return len(log) == 2 && len(log[0].Attempts) > 0 && len(log[1].Attempts) > 0
		})
		time.Sleep(300 * time.Millisecond) // room for a retry that must not come
		log, _ = h.d.Deliveries(context.Background(), 10)
		byEndpoint := map[string]Delivery{}
		for _, d := range log {
			byEndpoint[d.Endpoint] = d
		}
		for _, id := range []string{rebound.ID, redirect.ID} {
			d := byEndpoint[id]
			if d.Delivered || len(d.Attempts) != 1 || d.Attempts[0].Status != http.StatusForbidden || !strings.Contains(d.Attempts[0].Error, "internal address") {
				t.Errorf("delivery to %s: %+v; want one refused attempt", id, d)
			}
		}
		if n := redirected.Load(); n != 1 {
			t.Errorf("the redirecting receiver was called %d times, want once", n)
		}
	})
}

// TestRolledBackChangeSendsNothing: an event queued in a transaction that
// rolls back leaves no delivery and no job; the next, committed, is sent.
func TestRolledBackChangeSendsNothing(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		var articles []string
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			articles = append(articles, string(body))
			mu.Unlock()
		}))
		defer recv.Close()
		h := start(t, db, Config{})
		h.add(t, Endpoint{URL: recv.URL})
		h.emit(t, article.Event{Type: "audio.deleted", ArticleID: "rolled-back"}, false)
		h.emit(t, article.Event{Type: "audio.deleted", ArticleID: "committed"}, true)
		waitFor(t, "the committed event", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(articles) > 0
		})
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if len(articles) != 1 || !strings.Contains(articles[0], `"committed"`) {
			t.Fatalf("received %q; want only the committed event", articles)
		}
		var jobs int
		if err := db.Conn().QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_delivery'`).Scan(&jobs); err != nil || jobs != 1 {
			t.Fatalf("%d delivery jobs (%v), want 1", jobs, err)
		}
		if log, _ := h.d.Deliveries(context.Background(), 10); len(log) != 1 || log[0].Event.ArticleID != "committed" {
			t.Fatalf("delivery log %+v", log)
		}
	})
}

// TestDeliveryLogIsBounded: pruning keeps the newest records of each
// endpoint up to the count limit and drops records past the age limit; the
// periodic job prunes when the queue starts.
func TestDeliveryLogIsBounded(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		d := New(Config{DB: db, MaxDeliveries: 3, DeliveryMaxAge: time.Hour, Now: clock})
		a, _ := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/a"})
		b, _ := d.Add(ctx, Endpoint{URL: "https://hooks.example.vn/b", Events: []string{"audio.failed"}})
		emit := func(ev article.Event) {
			if err := db.InTx(ctx, func(tx sqldb.Conn) error { _, err := d.NotifyTx(ctx, tx, ev); return err }); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(-2 * time.Hour)
		emit(article.Event{Type: "audio.failed", ArticleID: "old"}) // to both
		now = now.Add(2 * time.Hour)
		for i := range 5 {
			now = now.Add(time.Second)
			emit(article.Event{Type: "audio.ready", ArticleID: "a" + strconv.Itoa(i)}) // to a only
		}
		now = now.Add(time.Second)
		emit(article.Event{Type: "audio.failed", ArticleID: "f"}) // to both
		if log, _ := d.Deliveries(ctx, 100); len(log) != 9 {
			t.Fatalf("%d deliveries before pruning, want 9", len(log))
		}
		// The job's periodic run prunes, as the service's queue does.
		h := start(t, db, Config{MaxDeliveries: 3, DeliveryMaxAge: time.Hour, Now: clock})
		var log []Delivery
		waitFor(t, "pruned", func() bool {
			log, _ = h.d.Deliveries(ctx, 100)
			return len(log) == 4
		})
		var got []string
		for _, del := range log {
			switch del.Endpoint {
			case a.ID, b.ID:
				got = append(got, del.Endpoint[:2]+":"+del.Event.ArticleID)
			}
		}
		want := []string{"wh:f", "wh:f", "wh:a4", "wh:a3"}
		if strings.Join(got, ",") != strings.Join(want, ",") || log[0].Endpoint == log[1].Endpoint {
			t.Fatalf("delivery log holds %v; want f to both endpoints, then a4 and a3", got)
		}
		if n, err := h.d.Prune(ctx); n != 0 || err != nil {
			t.Fatalf("a second prune dropped %d (%v)", n, err)
		}
	})
}
