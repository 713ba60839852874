package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/webhook"
)

// TestWebhooksSignedRetriedAndLogged registers a receiver that fails twice,
// then checks that audio.ready and audio.deleted arrive signed, that the
// failures were retried, and that the delivery log shows every attempt.
func TestWebhooksSignedRetriedAndLogged(t *testing.T) {
	type got struct {
		event article.Event
		sig   string
		body  []byte
	}
	var mu sync.Mutex
	var received []got
	failures := 2
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var ev article.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("webhook body %q: %v", body, err)
		}
		received = append(received, got{ev, r.Header.Get("X-Loa-Signature"), body})
	}))
	defer recv.Close()

	h := apitest.New(t, apitest.Options{})
	var ep webhook.Endpoint
	if code := h.Do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"audio.ready", "audio.deleted"}}, &ep); code != http.StatusCreated || ep.Secret == "" || ep.ID == "" {
		t.Fatalf("add webhook: %d %+v", code, ep)
	}
	var list struct{ Webhooks []webhook.Endpoint }
	h.Do("GET", "/api/v1/webhooks", nil, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" {
		t.Fatalf("listing must show the endpoint without its secret: %+v", list)
	}
	if code := h.Do("POST", "/api/v1/webhooks", map[string]any{"url": "ftp://x"}, nil); code != 400 {
		t.Fatalf("bad webhook URL: %d", code)
	}

	h.Do("POST", "/api/v1/articles", map[string]string{"id": "hooked", "text": "Giá xăng tăng mạnh. Người dân lo lắng."}, nil)
	h.WaitStatus("hooked", article.StatusReady, time.Minute)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) == 1 })
	if code := h.Do("DELETE", "/api/v1/articles/hooked", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) == 2 })

	mu.Lock()
	defer mu.Unlock()
	if received[0].event.Type != "audio.ready" || received[0].event.ArticleID != "hooked" || received[0].event.DurationMS <= 0 {
		t.Fatalf("first event %+v", received[0].event)
	}
	if received[1].event.Type != "audio.deleted" {
		t.Fatalf("second event %+v", received[1].event)
	}
	for _, r := range received {
		unix, err := strconv.ParseInt(strings.TrimPrefix(strings.Split(r.sig, ",")[0], "t="), 10, 64)
		if err != nil {
			t.Fatalf("signature header %q: %v", r.sig, err)
		}
		if want := webhook.Sign(ep.Secret, time.Unix(unix, 0), r.body); r.sig != want {
			t.Fatalf("signature %q, want %q", r.sig, want)
		}
	}
	var log struct{ Deliveries []webhook.Delivery }
	// The log is written right after each answer arrives.
	waitFor(t, func() bool {
		h.Do("GET", "/api/v1/webhooks/deliveries", nil, &log)
		return len(log.Deliveries) == 2 && log.Deliveries[0].Delivered && log.Deliveries[1].Delivered
	})
	attempts := 0
	for _, d := range log.Deliveries {
		if !d.Delivered {
			t.Fatalf("undelivered: %+v", d)
		}
		attempts += len(d.Attempts)
	}
	if len(log.Deliveries) != 2 || attempts != 4 {
		t.Fatalf("delivery log: %d deliveries, %d attempts (want 2 and 4: two 503s were retried)", len(log.Deliveries), attempts)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookParallelDeleteAndCreate: DELETEs of one endpoint racing with
// POSTs: one 204, the rest 404 with a JSON error, every POST kept.
func TestWebhookParallelDeleteAndCreate(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, NoWorkers: true})
		var victim webhook.Endpoint
		if code := h.Do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/x"}, &victim); code != http.StatusCreated {
			t.Fatalf("add: %d", code)
		}
		const n = 6
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				var e struct{ Error string }
				code := h.Do("DELETE", "/api/v1/webhooks/"+victim.ID, nil, &e)
				if code == http.StatusNotFound && !strings.Contains(e.Error, victim.ID) {
					t.Errorf("404 without a reason: %+v", e)
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}()
			go func() {
				defer wg.Done()
				if code := h.Do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/y"}, nil); code != http.StatusCreated {
					t.Errorf("add during deletes: %d", code)
				}
			}()
		}
		wg.Wait()
		if codes[http.StatusNoContent] != 1 || codes[http.StatusNotFound] != n-1 {
			t.Fatalf("DELETE answers %v; want one 204 and %d 404s", codes, n-1)
		}
		var list struct{ Webhooks []webhook.Endpoint }
		h.Do("GET", "/api/v1/webhooks", nil, &list)
		if len(list.Webhooks) != n {
			t.Fatalf("%d endpoints listed, want the %d added", len(list.Webhooks), n)
		}
		for _, e := range list.Webhooks {
			if e.ID == victim.ID {
				t.Fatal("the deleted endpoint is still listed")
			}
		}
	})
}

// failingList makes listings under one prefix fail, as a bucket outage
// in the middle of a delete would.
type failingList struct {
	storage.Store
	prefix string
	fail   atomic.Bool
}

func (s *failingList) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListPage, error) {
	if s.fail.Load() && strings.HasPrefix(prefix, s.prefix) {
		return storage.ListPage{}, errors.New("bucket unavailable")
	}
	return s.Store.List(ctx, prefix, opts)
}

// TestWebhookOfRolledBackDeleteNeverSent: a delete that fails after its
// audio.deleted event was queued rolls back with it: the article stays
// and the receiver hears nothing, until the delete succeeds.
func TestWebhookOfRolledBackDeleteNeverSent(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		var got []string
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, string(body))
			mu.Unlock()
		}))
		defer recv.Close()
		local, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store := &failingList{Store: local, prefix: "articles/gone/"}
		h := apitest.New(t, apitest.Options{DB: db, Store: store})
		if code := h.Do("POST", "/api/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"audio.deleted"}}, nil); code != http.StatusCreated {
			t.Fatalf("add webhook: %d", code)
		}
		h.Do("POST", "/api/v1/articles", map[string]string{"id": "gone", "text": "Giá xăng tăng mạnh."}, nil)
		h.WaitStatus("gone", article.StatusReady, time.Minute)
		store.fail.Store(true)
		if code := h.Do("DELETE", "/api/v1/articles/gone", nil, nil); code < 500 {
			t.Fatalf("delete during the outage: %d, want a 5xx", code)
		}
		if code := h.Do("GET", "/api/v1/articles/gone", nil, nil); code != http.StatusOK {
			t.Fatalf("the article after the failed delete: %d", code)
		}
		time.Sleep(time.Second) // a delivery job would have run by now
		mu.Lock()
		if len(got) != 0 {
			t.Fatalf("the rolled-back delete was reported: %q", got)
		}
		mu.Unlock()
		var log struct{ Deliveries []webhook.Delivery }
		if h.Do("GET", "/api/v1/webhooks/deliveries", nil, &log); len(log.Deliveries) != 0 {
			t.Fatalf("delivery log of a rolled-back delete: %+v", log.Deliveries)
		}
		store.fail.Store(false)
		if code := h.Do("DELETE", "/api/v1/articles/gone", nil, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(got[0], `"audio.deleted"`) || !strings.Contains(got[0], `"gone"`) {
			t.Fatalf("event %s", got[0])
		}
	})
}
