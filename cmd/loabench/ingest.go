package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/loa-audio/loa/synth/pageurl"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

var (
	rowIngestLatency = Row{Measure: "feed item → audio ready (source polled every 1 s)", Unit: "s"}
	rowIngestRate    = Row{Measure: "pages a source ingests per second (40 new items, fetch → article)", Unit: "pages/s"}
)

// ingestPages is how many items appear at once for the rate row.
const ingestPages = 40

// fakeSite is a publisher on loopback: an RSS feed listing the items
// published so far, newest first, and their pages.
type fakeSite struct {
	srv   *http.Server
	base  string
	mu    sync.Mutex
	items []int
}

func startFakeSite() (*fakeSite, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &fakeSite{base: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *fakeSite) pageURL(n int) string { return fmt.Sprintf("%s/tin/bai-%d.html", s.base, n) }

func (s *fakeSite) publish(ns ...int) {
	s.mu.Lock()
	s.items = append(s.items, ns...)
	s.mu.Unlock()
}

func (s *fakeSite) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/rss.xml" {
		s.mu.Lock()
		items := append([]int(nil), s.items...)
		s.mu.Unlock()
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo</title>`)
		for i := len(items) - 1; i >= 0; i-- {
			fmt.Fprintf(&b, `<item><title>Tin %d</title><link>%s</link><guid>bai-%d</guid></item>`, items[i], s.pageURL(items[i]), items[i])
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(b.String()))
		return
	}
	var n int
	if _, err := fmt.Sscanf(r.URL.Path, "/tin/bai-%d.html", &n); err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<html><head><title>Tin %d</title><link rel="canonical" href="%s"></head><body><article><h1>Tin %d</h1>`+
		`<p>Bản tin số %d: mưa lớn kéo dài ở nhiều tỉnh miền Bắc.</p><p>Người dân được khuyên theo dõi thông báo của chính quyền.</p></article></body></html>`,
		n, s.pageURL(n), n, n)
}

// articleIDFor is the id Loa gives an article found by its canonical URL.
func articleIDFor(pageURL string) string {
	sum := sha256.Sum256([]byte(pageurl.Normalize(pageURL)))
	return "url-" + hex.EncodeToString(sum[:10])
}

// ingest measures following a feed through `loa serve`: one item's way
// from the feed to ready audio, and how fast a burst of items becomes
// articles.
func (b *bench) ingest(ctx context.Context) []Row {
	lat, rate := rowIngestLatency, rowIngestRate
	fail := func(err error) []Row { return []Row{lat.Failed(err), rate.Failed(err)} }
	if err := b.needTools("espeak-ng"); err != nil {
		return fail(err)
	}
	if err := b.buildErr["loa"]; err != nil {
		return fail(err)
	}
	site, err := startFakeSite()
	if err != nil {
		return fail(err)
	}
	defer site.srv.Close()
	srv, err := b.startServe(ctx, "ingest", "--fetch-allow", "127.0.0.1/32", "--poll", "100ms", "--workers", "2")
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var src struct {
		ID string `json:"id"`
	}
	if err := srv.api(ctx, http.MethodPost, "/api/v1/sources", map[string]any{"url": site.base + "/rss.xml", "interval": "1s", "backfill": 0}, &src); err != nil {
		return fail(err)
	}
	// The first poll takes no existing item (backfill 0): publish after it.
	for {
		polled, err := srv.sourcePolled(ctx, src.ID)
		if err != nil {
			return fail(err)
		}
		if polled {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	next := 0
	for i := range b.cfg.Runs {
		b.log.Info("measuring", "row", lat.Measure, "run", i+1, "of", b.cfg.Runs)
		start := time.Now()
		site.publish(next)
		d, err := srv.waitCreatedReady(ctx, articleIDFor(site.pageURL(next)), start)
		next++
		if err != nil {
			return []Row{lat.Failed(fmt.Errorf("%w (server log: %s)", err, logTail(srv.logPath))), rate.Failed(err)}
		}
		lat.Loa = append(lat.Loa, d.Seconds())
	}
	for i := range b.cfg.Runs {
		b.log.Info("measuring", "row", rate.Measure, "run", i+1, "of", b.cfg.Runs)
		before, err := srv.articlesCreated(ctx, src.ID)
		if err != nil {
			return []Row{lat, rate.Failed(err)}
		}
		burst := make([]int, ingestPages)
		for j := range burst {
			burst[j] = next + j
		}
		next += ingestPages
		start := time.Now()
		site.publish(burst...)
		for {
			n, err := srv.articlesCreated(ctx, src.ID)
			if err != nil {
				return []Row{lat, rate.Failed(err)}
			}
			if n-before >= ingestPages {
				break
			}
			if ctx.Err() != nil {
				return []Row{lat, rate.Failed(fmt.Errorf("%d of %d items became articles: %w", n-before, ingestPages, ctx.Err()))}
			}
			time.Sleep(25 * time.Millisecond)
		}
		rate.Loa = append(rate.Loa, ingestPages/time.Since(start).Seconds())
	}
	return []Row{lat, rate}
}

func (s *server) sourcePolled(ctx context.Context, sourceID string) (bool, error) {
	var src struct {
		LastPoll *time.Time `json:"last_poll"`
	}
	if err := s.api(ctx, http.MethodGet, "/api/v1/sources/"+sourceID, nil, &src); err != nil {
		return false, err
	}
	return src.LastPoll != nil, nil
}

func (s *server) articlesCreated(ctx context.Context, sourceID string) (int, error) {
	var src struct {
		ArticlesCreated int    `json:"articles_created"`
		LastError       string `json:"last_error"`
	}
	if err := s.api(ctx, http.MethodGet, "/api/v1/sources/"+sourceID, nil, &src); err != nil {
		return 0, err
	}
	if src.LastError != "" {
		return 0, fmt.Errorf("source failing: %s", src.LastError)
	}
	return src.ArticlesCreated, nil
}

// waitCreatedReady waits for an article the server makes by itself: not
// found until then.
func (s *server) waitCreatedReady(ctx context.Context, id string, start time.Time) (time.Duration, error) {
	for {
		st, found, err := s.article(ctx, id)
		switch {
		case err != nil:
			return 0, err
		case found && st.Status == "ready":
			return time.Since(start), nil
		case found && st.Status == "failed":
			return 0, fmt.Errorf("article %s failed: %s", id, st.Error)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("article %s not ready (status %q): %w", id, st.Status, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// article reads an article's state; found is false on 404.
func (s *server) article(ctx context.Context, id string) (st articleState, found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/api/v1/articles/"+id, nil)
	if err != nil {
		return st, false, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.http.Do(req)
	if err != nil {
		return st, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return st, false, nil
	case http.StatusOK:
		return st, true, json.NewDecoder(resp.Body).Decode(&st)
	}
	return st, false, fmt.Errorf("GET article %s: %s", id, resp.Status)
}
