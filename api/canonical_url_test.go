package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
)

// TestArticleKnowsItsCanonicalURL: an HTML submission takes its URL from
// the page's canonical link (normalised), a text one from its link; the
// same URL sent again without an id, even by parallel requests, is the
// same article, on both engines.
func TestArticleKnowsItsCanonicalURL(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db})
		page := `<html><head><title>Mưa lớn</title><link rel="canonical" href="HTTPS://Bao.Example.VN/tin/mua-lon.html#top"></head>` +
			`<body><article><h1>Mưa lớn</h1><p>Hà Nội mưa lớn suốt đêm qua, nhiều tuyến phố ngập sâu.</p></article></body></html>`
		var created article.State
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"html": page, "link": "https://bao.example.vn/other"}, &created); code != 202 {
			t.Fatalf("POST html: %d", code)
		}
		var got article.State
		if code := h.Do("GET", "/api/v1/articles/"+created.ID, nil, &got); code != 200 {
			t.Fatalf("GET: %d", code)
		}
		if want := "https://bao.example.vn/tin/mua-lon.html"; got.URL != want {
			t.Errorf("url = %q, want %q", got.URL, want)
		}
		var again article.State
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"html": page, "link": "https://bao.example.vn/other"}, &again); code != 200 || again.ID != created.ID {
			t.Errorf("same page again: %d, id %q; want 200 and %q", code, again.ID, created.ID)
		}

		const n = 8
		ids, codes := make([]string, n), make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var st article.State
				codes[i] = h.Do("POST", "/api/v1/articles", map[string]string{"text": "Giá xăng tăng mạnh.", "link": "https://Bao.Example.VN/tin/xang#a"}, &st)
				ids[i] = st.ID
			}()
		}
		wg.Wait()
		made := 0
		for i := range n {
			if codes[i] == 202 {
				made++
			} else if codes[i] != 200 {
				t.Errorf("parallel POST %d: %d", i, codes[i])
			}
			if ids[i] != ids[0] {
				t.Errorf("parallel POST %d made article %q, another made %q", i, ids[i], ids[0])
			}
		}
		if made != 1 {
			t.Errorf("%d parallel creates of one URL made %d articles, want 1", n, made)
		}
		if code := h.Do("GET", "/api/v1/articles/"+ids[0], nil, &got); code != 200 || got.URL != "https://bao.example.vn/tin/xang" {
			t.Errorf("GET text article: %d, url %q", code, got.URL)
		}
	})
}

// TestURLSubmissionCanonical: a fetched page's canonical link names the
// article; without one, the address the redirects ended at does; and a
// second submission of the same page finds it.
func TestURLSubmissionCanonical(t *testing.T) {
	body := `<p>Hà Nội mưa lớn suốt đêm qua, nhiều tuyến phố ngập sâu và người dân phải đẩy xe về nhà.</p>`
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tin/mua.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Mưa</title><link rel="canonical" href="/tin/mua.html"></head><body><article><h1>Mưa</h1>`+body+`</article></body></html>`)
		case "/r":
			http.Redirect(w, r, "/tin/nang.html?utm_source=rss#top", http.StatusFound)
		case "/tin/nang.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Nắng</title></head><body><article><h1>Nắng</h1><p>Trời nắng gắt suốt cả ngày, nhiệt độ lên tới bốn mươi độ ở nhiều nơi.</p></article></body></html>`)
		}
	}))
	defer site.Close()
	h := apitest.New(t, apitest.Options{Service: synth.ServiceConfig{Fetcher: synth.NewFetcher(synth.FetchConfig{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})}})
	for _, c := range []struct{ path, want string }{
		{"/tin/mua.html", site.URL + "/tin/mua.html"},
		{"/r", site.URL + "/tin/nang.html?utm_source=rss"},
	} {
		var st article.State
		if code := h.Do("POST", "/api/v1/articles", map[string]string{"url": site.URL + c.path}, &st); code != http.StatusAccepted {
			t.Fatalf("POST %s: %d", c.path, code)
		}
		if h.Do("GET", "/api/v1/articles/"+st.ID, nil, &st); st.URL != c.want {
			t.Errorf("%s: url %q, want %q", c.path, st.URL, c.want)
		}
	}
	var first, again article.State
	h.Do("POST", "/api/v1/articles", map[string]string{"url": site.URL + "/tin/mua.html"}, &first)
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"url": site.URL + "/tin/mua.html"}, &again); code != http.StatusOK || again.ID != first.ID {
		t.Errorf("same page again: %d, id %q; want 200 and %q", code, again.ID, first.ID)
	}
}
