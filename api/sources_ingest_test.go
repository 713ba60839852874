package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/sources"
)

// publisher is a fake news site on 127.0.0.1: 50 articles, pages shaped
// like a WordPress theme (even numbers) and a Vietnamese news CMS (odd),
// an RSS feed (articles 0–29, links with tracking parameters, a build
// time that changes on every request), an Atom feed (20–39, with an ETag)
// and a news sitemap (35–49 and 0–4, with an ETag). It counts the article
// pages it served whole and answered 304.
type publisher struct {
	srv             *httptest.Server
	mu              sync.Mutex
	edited          map[int]string // article → replacement of its second sentence
	atomMode        atomic.Value   // "" or "500"
	pages, pages304 atomic.Int64
	rssBuilds       atomic.Int64
}

const articles = 50

func newPublisher(t *testing.T) *publisher {
	p := &publisher{edited: map[int]string{}}
	p.atomMode.Store("")
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *publisher) pageURL(n int) string { return fmt.Sprintf("%s/tin/bai-%d.html", p.srv.URL, n) }

func (p *publisher) page(n int) string {
	p.mu.Lock()
	second, ok := p.edited[n]
	p.mu.Unlock()
	if !ok {
		second = "Người dân được khuyên theo dõi thông báo của chính quyền địa phương."
	}
	title := fmt.Sprintf("Tin số %d về thời tiết miền Bắc", n)
	body := fmt.Sprintf(`<p>Bản tin số %d cho biết mưa lớn kéo dài ở nhiều tỉnh miền Bắc.</p><p>%s</p><p>Nhiệt độ thấp nhất đêm nay khoảng mười tám độ.</p>`, n, second)
	canonical := fmt.Sprintf(`<link rel="canonical" href="%s">`, p.pageURL(n))
	if n%2 == 0 {
		return `<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8"><title>` + title + ` &#8211; Báo Mẫu</title>` + canonical + `</head>
<body class="post-template-default single single-post"><div id="page" class="site"><header id="masthead" class="site-header"><nav class="main-navigation"><ul><li><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li></ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main"><article class="post type-post status-publish hentry category-thoi-su">
<header class="entry-header"><h1 class="entry-title">` + title + `</h1></header><div class="entry-content">` + body + `</div>
<footer class="entry-footer"><span class="cat-links">Chuyên mục: <a href="/thoi-su">Thời sự</a></span></footer></article>
<div id="comments" class="comments-area"><h2 class="comments-title">Một bình luận</h2><p>Bài viết rất hay, cảm ơn tòa soạn đã cập nhật kịp thời!</p></div></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Bài mới</h2><ul><li><a href="/a">Giá xăng giảm từ chiều nay</a></li></ul></section></aside></div></div></body></html>`
	}
	return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>` + title + ` | Tin Nhanh</title>` + canonical + `</head>
<body><div id="wrapper"><div class="top-menu"><a href="/">Trang chủ</a> | <a href="/thoi-su">Thời sự</a></div><div class="container"><div class="col-left">
<div class="title-detail"><h1 class="title_news_detail">` + title + `</h1></div><div class="date-time">Thứ hai, 25/11/2024, 09:30 (GMT+7)</div>
<div class="fck_detail">` + body + `<div class="box_tinlienquan"><a href="/a">Mưa lớn hôm qua</a> <a href="/b">Rét đậm tuần tới</a></div><div class="author">Minh Châu</div></div>
<div class="box-comment"><div class="item">Bình luận của bạn đọc: trời lạnh quá, mọi người giữ ấm nhé!</div></div></div>
<div class="col-right"><div class="most-read"><a href="/c">Tin đọc nhiều: Giá vàng lập đỉnh</a></div></div></div><div class="footer">Liên hệ: toasoan@tinnhanh.vn</div></div></body></html>`
}

func (p *publisher) published(n int) time.Time {
	return time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC).Add(-time.Duration(n) * time.Minute)
}

// conditional answers 304 when the client holds body's ETag, else sets it.
func conditional(w http.ResponseWriter, r *http.Request, body string) bool {
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

func (p *publisher) serve(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	switch {
	case strings.HasPrefix(r.URL.Path, "/tin/bai-"):
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/tin/bai-%d.html", &n); err != nil || n < 0 || n >= articles {
			http.NotFound(w, r)
			return
		}
		body := p.page(n)
		if conditional(w, r, body) {
			p.pages304.Add(1)
			return
		}
		p.pages.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	case r.URL.Path == "/rss.xml":
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Mẫu</title><link>%s/</link><lastBuildDate>%d</lastBuildDate>`, p.srv.URL, p.rssBuilds.Add(1))
		for n := range 30 {
			fmt.Fprintf(&b, `<item><title>Tin số %d</title><link>%s?utm_source=rss</link><guid isPermaLink="false">bao-mau-%d</guid><pubDate>%s</pubDate><description>Mưa lớn kéo dài…</description></item>`,
				n, p.pageURL(n), n, p.published(n).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, b.String())
	case r.URL.Path == "/atom.xml":
		if p.atomMode.Load() == "500" {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Tin Nhanh</title><id>urn:tin-nhanh</id><updated>2026-12-06T08:00:00Z</updated>`)
		for n := 20; n < 40; n++ {
			fmt.Fprintf(&b, `<entry><title>Tin số %d</title><id>urn:tin-nhanh:%d</id><link href="%s?ref=atom"/><updated>%s</updated><summary>Mưa lớn…</summary></entry>`,
				n, n, p.pageURL(n), p.published(n).Format(time.RFC3339))
		}
		b.WriteString(`</feed>`)
		if conditional(w, r, b.String()) {
			return
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, b.String())
	case r.URL.Path == "/sitemap-news.xml":
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">`)
		for _, n := range []int{35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 0, 1, 2, 3, 4} {
			sum := sha256.Sum256([]byte(p.page(n)))
			fmt.Fprintf(&b, `<url><loc>%s</loc><lastmod>%s</lastmod><news:news><news:title>Tin số %d</news:title><news:publication_date>%s</news:publication_date></news:news><!-- %x --></url>`,
				p.pageURL(n), p.published(n).Format(time.RFC3339), n, p.published(n).Format(time.RFC3339), sum[:4])
		}
		b.WriteString(`</urlset>`)
		if conditional(w, r, b.String()) {
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, b.String())
	case strings.HasPrefix(r.URL.Path, "/broken/"):
		p.broken(w, r, strings.TrimPrefix(r.URL.Path, "/broken/"))
	default:
		http.NotFound(w, r)
	}
}

// broken serves the ways a feed URL goes wrong.
func (p *publisher) broken(w http.ResponseWriter, r *http.Request, mode string) {
	switch mode {
	case "html":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>Trang chủ</body></html>")
	case "garbage":
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, "<<<< \x00 not a feed")
	case "500":
		http.Error(w, "boom", http.StatusInternalServerError)
	case "private":
		http.Redirect(w, r, "http://10.0.0.1/rss.xml", http.StatusFound)
	case "huge":
		w.Header().Set("Content-Type", "application/rss+xml")
		chunk := strings.Repeat("<!-- padding -->", 4096)
		for i := 0; i < (50<<20)/len(chunk); i++ {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	case "slow":
		w.Header().Set("Content-Type", "application/rss+xml")
		for i := 0; i < 100; i++ {
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// articleRow is what must not change when a feed breaks.
type articleRow struct {
	revision      int
	hash, version string
	canonical     string
}

func catalog(t *testing.T, h *apitest.Server) map[string]articleRow {
	t.Helper()
	rows, err := h.DB.Conn().Query(context.Background(), `SELECT id, revision, content_hash, current_version, canonical_url FROM articles`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]articleRow{}
	for rows.Next() {
		var id string
		var a articleRow
		if err := rows.Scan(&id, &a.revision, &a.hash, &a.version, &a.canonical); err != nil {
			t.Fatal(err)
		}
		out[id] = a
	}
	return out
}

// changedRows names the articles whose rows differ between two readings.
func changedRows(before, after map[string]articleRow) []string {
	var out []string
	for id, a := range after {
		if b, ok := before[id]; !ok || b != a {
			out = append(out, fmt.Sprintf("%s %+v → %+v", id, before[id], a))
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			out = append(out, id+" gone")
		}
	}
	return out
}

func waitSource(t *testing.T, h *apitest.Server, id string, timeout time.Duration, done func(sources.Source) bool) sources.Source {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var src sources.Source
		if code := h.Do("GET", "/api/v1/sources/"+id, nil, &src); code != 200 {
			t.Fatalf("GET source %s: %d", id, code)
		}
		if done(src) {
			return src
		}
		if time.Now().After(deadline) {
			t.Fatalf("source %s not there after %v: %+v", id, timeout, src)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSourcesIngestPublisher is issue 16's done-when: three sources of one
// publisher over 50 articles, some listed twice and one already submitted
// by an editor, become 50 ready articles, none twice; a second round
// fetches no page whole again; an edited page re-synthesizes exactly its
// changed sentence; a broken feed fails in words and changes no article.
func TestSourcesIngestPublisher(t *testing.T) {
	sqldbtest.Each(t, ingestPublisher)
}

func ingestPublisher(t *testing.T, db *sqldb.DB) {
	pub := newPublisher(t)
	h := apitest.New(t, apitest.Options{
		DB: db,
		Service: synth.ServiceConfig{Workers: 2, Fetcher: synth.NewFetcher(synth.FetchConfig{
			Timeout: 2 * time.Second, MaxBytes: 1 << 20, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		})},
	})
	// An editor submitted article 7 before the publisher's feeds were added.
	var editors article.State
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"url": pub.pageURL(7) + "?from=editor"}, &editors); code != http.StatusAccepted {
		t.Fatalf("editor's submission: %d", code)
	}
	ids := map[string]string{}
	for _, feed := range []string{"/rss.xml", "/atom.xml", "/sitemap-news.xml"} {
		var src sources.Source
		if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": pub.srv.URL + feed, "interval": "1s", "backfill": 50, "feed": "thoi-su"}, &src); code != http.StatusCreated {
			t.Fatalf("POST source %s: %d", feed, code)
		}
		ids[feed] = src.ID
	}
	firstPoll := map[string]time.Time{}
	for feed, id := range ids {
		src := waitSource(t, h, id, 60*time.Second, func(s sources.Source) bool { return s.LastPoll != nil && s.ItemsSeen > 0 })
		firstPoll[feed] = *src.LastPoll
		if src.LastError != "" {
			t.Errorf("source %s: %s", feed, src.LastError)
		}
	}
	// Every source has read its listing once; all 50 articles exist, once each.
	deadline := time.Now().Add(3 * time.Minute)
	var cat map[string]articleRow
	for {
		cat = catalog(t, h)
		ready := 0
		var st article.State
		for id := range cat {
			if h.Do("GET", "/api/v1/articles/"+id, nil, &st); st.Status == article.StatusReady {
				ready++
			}
		}
		if ready == articles && len(cat) == articles {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d articles, %d ready, want %d", len(cat), ready, articles)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Read again now that all are ready: an article that became ready
	// between the read above and its status check shows its version only now.
	cat = catalog(t, h)
	byURL := map[string]string{}
	for id, a := range cat {
		if other, dup := byURL[a.canonical]; dup {
			t.Errorf("articles %s and %s are both %s", id, other, a.canonical)
		}
		byURL[a.canonical] = id
	}
	for n := range articles {
		id, ok := byURL[pub.pageURL(n)]
		if !ok {
			t.Errorf("no article for %s", pub.pageURL(n))
			continue
		}
		var st article.State
		h.Do("GET", "/api/v1/articles/"+id, nil, &st)
		switch {
		case n == 7 && (id != editors.ID || st.Source != ""):
			t.Errorf("article 7 is %s from source %q, want the editor's %s", id, st.Source, editors.ID)
		case n != 7 && st.Source == "":
			t.Errorf("article %d (%s) shows no source", n, id)
		case st.URL != pub.pageURL(n):
			t.Errorf("article %d url %q", n, st.URL)
		}
	}
	var list sourceList
	h.Do("GET", "/api/v1/sources", nil, &list)
	created := 0
	for _, s := range list.Sources {
		created += s.ArticlesCreated
	}
	if created != articles-1 {
		t.Errorf("sources report %d articles created, want %d (article 7 is the editor's)", created, articles-1)
	}

	// A second round: every source polled again, no page fetched whole.
	pages := pub.pages.Load()
	for feed, id := range ids {
		waitSource(t, h, id, 30*time.Second, func(s sources.Source) bool { return s.LastPoll.After(firstPoll[feed].Add(time.Second)) })
	}
	if got := pub.pages.Load(); got != pages {
		t.Errorf("second round fetched %d pages whole again", got-pages)
	}
	t.Logf("first round: %d pages fetched whole; second round: %d answered 304", pages, pub.pages304.Load())
	if pub.pages304.Load() == 0 {
		t.Errorf("the RSS feed changed, but no page was asked for conditionally")
	}
	if c := catalog(t, h); fmt.Sprint(c) != fmt.Sprint(cat) {
		t.Errorf("a second round changed articles: %v", changedRows(cat, c))
	}

	// An edited page: only its changed sentence is synthesized again.
	const edited = 3
	pub.mu.Lock()
	pub.edited[edited] = "Chính quyền địa phương đã mở thêm nhiều điểm sơ tán cho người dân."
	pub.mu.Unlock()
	id := byURL[pub.pageURL(edited)]
	st := h.WaitRevision(id, 2, 60*time.Second)
	t.Logf("edited article %s revision %d: %d synthesized, %d cached", id, st.Revision, st.SentencesSynthesized, st.SentencesCached)
	if st.SentencesSynthesized != 1 {
		t.Errorf("edited article: %d sentences synthesized again, want 1 (cached %d)", st.SentencesSynthesized, st.SentencesCached)
	}
	time.Sleep(1500 * time.Millisecond) // every source has seen the edit
	cat[id] = catalog(t, h)[id]
	if c := catalog(t, h); fmt.Sprint(c) != fmt.Sprint(cat) {
		t.Errorf("the edit changed other articles, or one twice: %v", changedRows(cat, c))
	}

	// A feed that breaks: the source fails in words, no article changes.
	pub.atomMode.Store("500")
	src := waitSource(t, h, ids["/atom.xml"], 30*time.Second, func(s sources.Source) bool { return s.Failing })
	if !strings.Contains(src.LastError, "500") {
		t.Errorf("failing source's error: %q", src.LastError)
	}
	for mode, want := range map[string]string{
		"html": "content type", "garbage": "not an RSS", "500": "500 Internal Server Error", "private": "address not allowed",
		"huge": "larger than", "slow": "fetch",
	} {
		var s sources.Source
		if code := h.Do("POST", "/api/v1/sources", map[string]any{"url": pub.srv.URL + "/broken/" + mode, "interval": "1h"}, &s); code != http.StatusCreated {
			t.Fatalf("POST broken source: %d", code)
		}
		s = waitSource(t, h, s.ID, 30*time.Second, func(s sources.Source) bool { return s.LastPoll != nil })
		t.Logf("%s feed: %s", mode, s.LastError)
		if !s.Failing || !strings.Contains(s.LastError, want) || s.ItemsSeen != 0 {
			t.Errorf("%s feed: failing=%v error %q items %d, want an error naming %q", mode, s.Failing, s.LastError, s.ItemsSeen, want)
		}
	}
	if c := catalog(t, h); fmt.Sprint(c) != fmt.Sprint(cat) {
		t.Errorf("broken feeds changed articles: %v", changedRows(cat, c))
	}
}
