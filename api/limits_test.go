package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/api/apitest"
)

// TestFailedAuthenticationsAreRateLimited: a client guessing tokens is
// slowed down after a few failures, with a JSON 429 and Retry-After.
func TestFailedAuthenticationsAreRateLimited(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	status := func(token string, header ...string) (int, *http.Response, []byte) {
		resp, body := get(t, h.URL+"/api/v1/voices", append([]string{"Authorization", "Bearer " + token}, header...)...)
		return resp.StatusCode, resp, body
	}
	limited := 0
	for i := range 30 {
		// A forged X-Forwarded-For does not make a new client: no proxy is trusted.
		code, resp, body := status("guess-"+strings.Repeat("x", i), "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		switch code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limited++
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			jsonError(t, "rate-limited authentication", resp, body)
		default:
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if limited < 15 {
		t.Fatalf("only %d of 30 wrong tokens were rate-limited", limited)
	}
	// Valid tokens do not count as failures elsewhere: a fresh server
	// answers a long run of good requests.
	other := apitest.New(t, apitest.Options{NoWorkers: true})
	for range 30 {
		if code := other.Do("GET", "/api/v1/voices", nil, nil); code != http.StatusOK {
			t.Fatalf("valid token answered %d", code)
		}
	}
}

// TestListenEventsAreRateLimited: one client cannot inflate an article's
// listen counts from a script; other articles are not affected.
func TestListenEventsAreRateLimited(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	for _, id := range []string{"l1", "l2"} {
		h.Do("POST", "/api/v1/articles", map[string]string{"id": id, "text": "Giá xăng tăng mạnh."}, nil)
	}
	send := func(id string) int {
		resp, err := http.Post(h.URL+"/events", "text/plain", strings.NewReader(`{"article":"`+id+`","event":"play"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	accepted := 0
	for range 100 {
		if send("l1") == http.StatusNoContent {
			accepted++
		}
	}
	if accepted > 20 {
		t.Fatalf("%d of 100 scripted listen events were counted", accepted)
	}
	if code := send("l2"); code != http.StatusNoContent {
		t.Fatalf("another article's event answered %d", code)
	}
}

// TestReadyzCachesItsCheck: readiness probes, however frequent, start the
// expensive check (an espeak-ng process) once per few seconds.
func TestReadyzCachesItsCheck(t *testing.T) {
	var checks atomic.Int32
	srv := httptest.NewServer(api.New(api.Deps{Ready: func(context.Context) error { checks.Add(1); return nil }}))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if resp, _ := get(t, srv.URL+"/readyz"); resp.StatusCode != http.StatusOK {
				t.Errorf("readyz: %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if n := checks.Load(); n != 1 {
		t.Fatalf("20 probes ran the readiness check %d times", n)
	}
}
