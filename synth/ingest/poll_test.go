package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
)

const rssFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Một</title><link>%s/bai-1.html</link><pubDate>Tue, 01 Dec 2026 08:00:00 +0700</pubDate></item>
</channel></rss>`

// loopbackPoller fetches from test servers on 127.0.0.1 only, as an
// operator's LOA_FETCH_ALLOW would let it.
func loopbackPoller(t *testing.T, now func() time.Time, maxBytes int64) *Poller {
	t.Helper()
	f := synth.NewFetcher(synth.FetchConfig{Timeout: 3 * time.Second, MaxBytes: maxBytes, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	return NewPoller(f, PollerConfig{Now: now, MaxBackoff: time.Hour})
}

func TestPollIsConditional(t *testing.T) {
	var requests, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, rssFeed, "https://bao.example.vn")
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	p := loopbackPoller(t, func() time.Time { return now }, 0)

	l, unchanged, st, err := p.Poll(context.Background(), srv.URL+"/rss", 5*time.Minute, State{})
	if err != nil || unchanged || len(l.Items) != 1 || l.Items[0].URL != "https://bao.example.vn/bai-1.html" {
		t.Fatalf("first poll: %+v unchanged=%v err=%v", l, unchanged, err)
	}
	if st.ETag != `"v1"` || !st.NextPoll.Equal(now.Add(5*time.Minute)) || !st.LastPoll.Equal(now) {
		t.Fatalf("state after first poll: %+v", st)
	}
	l, unchanged, st2, err := p.Poll(context.Background(), srv.URL+"/rss", 5*time.Minute, st)
	if err != nil || !unchanged || len(l.Items) != 0 {
		t.Fatalf("second poll: %+v unchanged=%v err=%v", l, unchanged, err)
	}
	if st2.ETag != `"v1"` || conditional.Load() != 1 || requests.Load() != 2 {
		t.Fatalf("state %+v, %d conditional of %d requests", st2, conditional.Load(), requests.Load())
	}
}

func TestPollFailuresBackOffAndName(t *testing.T) {
	var mode atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load().(string) {
		case "html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Trang chủ</body></html>")
		case "garbage":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, "<<<< not a feed")
		case "500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "429":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case "huge":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, strings.Repeat("x", 4096))
		case "private":
			http.Redirect(w, r, "http://10.1.2.3/feed.xml", http.StatusFound)
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	p := loopbackPoller(t, func() time.Time { return now }, 1024)
	interval := time.Minute
	cases := []struct {
		mode    string
		want    string // in the recorded error
		is      error
		minWait time.Duration
	}{
		{"html", `content type "text/html"`, article.ErrUnprocessable, interval},
		{"garbage", "not an RSS, Atom or JSON feed", ErrNotAFeed, interval},
		{"500", "500 Internal Server Error", article.ErrUnprocessable, interval},
		{"429", "429 Too Many Requests", article.ErrUnprocessable, 120 * time.Second},
		{"huge", "larger than 1024 bytes", article.ErrTooLarge, interval},
		{"private", "address not allowed", article.ErrForbidden, interval},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			mode.Store(tc.mode)
			_, _, st, err := p.Poll(context.Background(), srv.URL+"/feed", interval, State{Validators: Validators{ETag: "kept"}})
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
			if st.Failures != 1 || !strings.Contains(st.LastError, tc.want) || st.NextPoll.Sub(now) < tc.minWait {
				t.Fatalf("state %+v, want failures 1, error with %q, next poll ≥ %v", st, tc.want, tc.minWait)
			}
			if st.ETag != "kept" {
				t.Fatalf("a failed poll lost the validators: %+v", st)
			}
		})
	}

	mode.Store("500")
	st := State{}
	var waits []time.Duration
	for range 12 {
		_, _, st, _ = p.Poll(context.Background(), srv.URL+"/feed", interval, st)
		waits = append(waits, st.NextPoll.Sub(now))
	}
	if waits[0] != time.Minute || waits[1] != 2*time.Minute || waits[2] != 4*time.Minute || waits[11] != time.Hour || st.Failures != 12 {
		t.Fatalf("backoff %v after %d failures, want 1m, 2m, 4m … capped at 1h", waits, st.Failures)
	}
}

func TestPollFollowsNewestChildSitemaps(t *testing.T) {
	var pageHits sync.Map
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := pageHits.LoadOrStore(r.URL.Path, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if r.Header.Get("If-None-Match") == `"same"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"same"`)
		w.Header().Set("Content-Type", "application/xml")
		if r.URL.Path == "/sitemap.xml" {
			fmt.Fprint(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for d := 1; d <= 7; d++ {
				fmt.Fprintf(w, `<sitemap><loc>/s-%d.xml</loc><lastmod>2026-12-0%d</lastmod></sitemap>`, d, d)
			}
			fmt.Fprint(w, `</sitemapindex>`)
			return
		}
		fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/bai%s.html</loc></url></urlset>`, srv.URL, strings.TrimSuffix(r.URL.Path, ".xml"))
	}))
	defer srv.Close()
	p := loopbackPoller(t, time.Now, 0)
	l, unchanged, st, err := p.Poll(context.Background(), srv.URL+"/sitemap.xml", time.Minute, State{})
	if err != nil || unchanged {
		t.Fatal(err, unchanged)
	}
	if len(l.Items) != 5 || len(st.Children) != 5 || !strings.HasSuffix(l.Items[0].URL, "/bai/s-7.html") {
		t.Fatalf("items %+v, children %v", l.Items, st.Children)
	}
	if n, ok := pageHits.Load("/s-2.xml"); ok {
		t.Fatalf("an old child sitemap was fetched %d times", n.(*atomic.Int32).Load())
	}
	l, unchanged, _, err = p.Poll(context.Background(), srv.URL+"/sitemap.xml", time.Minute, st)
	if err != nil || !unchanged || len(l.Items) != 0 {
		t.Fatalf("second poll: %+v unchanged=%v err=%v", l, unchanged, err)
	}
}

func TestOneRequestAtATimePerHost(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><head><title>x</title></head><body><p>y</p></body></html>")
	}))
	defer srv.Close()
	p := loopbackPoller(t, time.Now, 0)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := p.Page(context.Background(), fmt.Sprintf("%s/bai-%d.html", srv.URL, i), Validators{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d requests were in flight at once on one host, want 1", most.Load())
	}
}
