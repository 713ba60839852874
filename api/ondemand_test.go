package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/web"
)

// newsSite is a fake news site on 127.0.0.1 that counts the requests of
// each path.
type newsSite struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func newNewsSite(t *testing.T, pages map[string]func(w http.ResponseWriter, r *http.Request)) *newsSite {
	p := &newsSite{hits: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hits[r.URL.Path]++
		p.mu.Unlock()
		if h := pages[r.URL.Path]; h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<html><head><title>Bài `+r.URL.Path+`</title></head><body><article><h1>Tin nhanh</h1>`+
			`<p>Hà Nội mưa lớn suốt đêm qua, nhiều tuyến phố ngập sâu và người dân phải đẩy xe về nhà.</p></article></body></html>`)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *newsSite) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

func onDemandServer(t *testing.T, cfg synth.OnDemandConfig) *apitest.Server {
	return onDemandServerOn(t, nil, cfg)
}

func onDemandServerOn(t *testing.T, db *sqldb.DB, cfg synth.OnDemandConfig) *apitest.Server {
	return apitest.New(t, apitest.Options{DB: db, NoWorkers: true, Service: synth.ServiceConfig{
		OnDemand: cfg,
		Fetcher:  synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
	}})
}

// view is one player's question about a page: status, answer, Retry-After.
func view(t *testing.T, h *apitest.Server, page string) (int, web.PlayerInfo, string) {
	t.Helper()
	resp, err := http.Get(h.URL + "/player/info.json?url=" + url.QueryEscape(page))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var info web.PlayerInfo
	if resp.StatusCode < 300 {
		if err := json.Unmarshal(body, &info); err != nil {
			t.Fatalf("view %s: %d %q: %v", page, resp.StatusCode, body, err)
		}
	} else if !strings.Contains(string(body), `"error"`) {
		t.Errorf("view %s: %d without a JSON error: %q", page, resp.StatusCode, body)
	}
	return resp.StatusCode, info, resp.Header.Get("Retry-After")
}

// settle views page until it is no longer being fetched.
func settle(t *testing.T, h *apitest.Server, page string) (int, web.PlayerInfo) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, info, _ := view(t, h, page)
		if code != http.StatusAccepted {
			return code, info
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still being fetched after 20 s", page)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOnDemandDedup: 50 listeners opening an unknown page of a listed site
// at once make one fetch and one article; while it is fetched the player
// is told "queued" (202, no id, nothing to play), then the article
// answers; on both engines.
func TestOnDemandDedup(t *testing.T) {
	sqldbtest.Each(t, testOnDemandDedup)
}

func testOnDemandDedup(t *testing.T, db *sqldb.DB) {
	release := make(chan struct{})
	site := newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/tin/slow.html": func(w http.ResponseWriter, r *http.Request) {
			<-release
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Chậm</title><link rel="canonical" href="/tin/slow.html"></head><body><article><h1>Chậm</h1>`+
				`<p>Giá xăng tăng mạnh từ chiều nay, nhiều người dân xếp hàng đổ xăng trước giờ điều chỉnh.</p></article></body></html>`)
		},
	})
	h := onDemandServerOn(t, db, synth.OnDemandConfig{Origins: []string{site.URL}})
	page := site.URL + "/tin/slow.html"

	const n = 50
	codes := make([]int, n)
	infos := make([]web.PlayerInfo, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], infos[i], _ = view(t, h, page)
		}()
	}
	wg.Wait()
	close(release)
	for i := range n {
		if codes[i] != http.StatusAccepted || infos[i].Status != article.StatusQueued || infos[i].ID != "" || infos[i].ProgressiveURL != "" {
			t.Errorf("view %d while fetching: %d %+v; want 202 queued without id or audio", i, codes[i], infos[i])
		}
	}
	code, info := settle(t, h, page)
	if code != http.StatusOK || info.ID == "" || info.Status != article.StatusQueued || info.ProgressiveURL == "" {
		t.Fatalf("after the fetch: %d %+v; want 200, the article queued with its progressive audio", code, info)
	}
	for range 5 {
		if code, again, _ := view(t, h, page); code != http.StatusOK || again.ID != info.ID {
			t.Errorf("later view: %d id %q, want 200 %q", code, again.ID, info.ID)
		}
	}
	if got := site.count("/tin/slow.html"); got != 1 {
		t.Errorf("the page was fetched %d times, want 1", got)
	}
	var list article.ListResult
	if code := h.Do("GET", "/api/v1/articles", nil, &list); code != 200 || len(list.Articles) != 1 {
		t.Fatalf("articles: %d, %d of them; want one", code, len(list.Articles))
	}
	var st article.State
	h.Do("GET", "/api/v1/articles/"+info.ID, nil, &st)
	if st.URL != page {
		t.Errorf("article url %q, want %q", st.URL, page)
	}
}

// TestOnDemandRateLimit: an origin gets its new pages per minute and no
// more (429 with Retry-After, which the player waits out hidden); another
// origin's budget is its own; pages already known are not counted.
func TestOnDemandRateLimit(t *testing.T) {
	a, b := newNewsSite(t, nil), newNewsSite(t, nil)
	h := onDemandServer(t, synth.OnDemandConfig{Origins: []string{a.URL, b.URL}, PerMinute: 2})
	for _, p := range []string{"/1", "/2"} {
		if code, _, _ := view(t, h, a.URL+p); code != http.StatusAccepted {
			t.Fatalf("new page %s: %d, want 202", p, code)
		}
		settle(t, h, a.URL+p)
	}
	code, _, retry := view(t, h, a.URL+"/3")
	if code != http.StatusTooManyRequests || retry == "" || retry == "0" {
		t.Errorf("third new page in a minute: %d Retry-After %q; want 429 with a Retry-After", code, retry)
	}
	if got := a.count("/3"); got != 0 {
		t.Errorf("a refused page was fetched %d times", got)
	}
	if code, _, _ := view(t, h, a.URL+"/1"); code != http.StatusOK {
		t.Errorf("a known page after the budget is spent: %d, want 200", code)
	}
	if code, _, _ := view(t, h, b.URL+"/1"); code != http.StatusAccepted {
		t.Errorf("another origin's first page: %d, want 202", code)
	}
}

// TestOnDemandInFlight: at most InFlight pages of one origin are fetched at
// once; the next new page waits (429) even with budget left.
func TestOnDemandInFlight(t *testing.T) {
	release := make(chan struct{})
	hold := func(w http.ResponseWriter, r *http.Request) { <-release; http.NotFound(w, r) }
	site := newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){"/a": hold, "/b": hold})
	h := onDemandServer(t, synth.OnDemandConfig{Origins: []string{site.URL}, PerMinute: 100, InFlight: 2})
	for _, p := range []string{"/a", "/b"} {
		if code, _, _ := view(t, h, site.URL+p); code != http.StatusAccepted {
			t.Fatalf("%s: %d, want 202", p, code)
		}
	}
	code, _, retry := view(t, h, site.URL+"/c")
	close(release)
	if code != http.StatusTooManyRequests || retry == "" {
		t.Errorf("third page while two are fetched: %d Retry-After %q; want 429", code, retry)
	}
}

// TestOnDemandRefusesOtherOrigins: an unlisted origin, a page whose
// canonical URL or redirect leaves the origin, are refused: the first is
// simply unknown (404, the player stays hidden), the others are recorded
// as failed with the reason and the other site is never fetched.
func TestOnDemandRefusesOtherOrigins(t *testing.T) {
	other := newNewsSite(t, nil)
	site := newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
		},
		"/canonical-away": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Đi</title><link rel="canonical" href="`+other.URL+`/goc"></head><body><article><h1>Đi</h1>`+
				`<p>Hà Nội mưa lớn suốt đêm qua, nhiều tuyến phố ngập sâu và người dân phải đẩy xe về nhà.</p></article></body></html>`)
		},
	})
	h := onDemandServer(t, synth.OnDemandConfig{Origins: []string{site.URL}})

	if code, _, _ := view(t, h, other.URL+"/tin"); code != http.StatusNotFound {
		t.Errorf("page of an unlisted origin: %d, want 404", code)
	}
	if code, _, _ := view(t, h, "ftp://"+strings.TrimPrefix(site.URL, "http://")+"/x"); code != http.StatusBadRequest {
		t.Errorf("not an http(s) page: %d, want 400", code)
	}
	for _, c := range []struct{ path, reason string }{
		{"/redirect", "redirects to"},
		{"/canonical-away", "says it lives at"},
	} {
		page := site.URL + c.path
		if code, _, _ := view(t, h, page); code != http.StatusAccepted {
			t.Fatalf("%s: %d, want 202", c.path, code)
		}
		code, info := settle(t, h, page)
		if code != http.StatusOK || info.Status != article.StatusFailed || info.AudioURL != "" || info.ProgressiveURL != "" {
			t.Errorf("%s afterwards: %d %+v; want 200 failed with nothing to play", c.path, code, info)
		}
		var st article.State
		h.Do("GET", "/api/v1/articles/"+info.ID, nil, &st)
		if st.Status != article.StatusFailed || !strings.Contains(st.Error, c.reason) {
			t.Errorf("%s recorded as %q %q; want failed saying %q", c.path, st.Status, st.Error, c.reason)
		}
	}
	if got := other.count("/elsewhere") + other.count("/tin"); got != 0 {
		t.Errorf("the other origin was fetched %d times", got)
	}
	var list article.ListResult
	if h.Do("GET", "/api/v1/articles", nil, &list); len(list.Articles) != 2 {
		t.Errorf("%d articles, want the 2 failure records", len(list.Articles))
	}
}

// TestOnDemandFailure: a page that cannot be fetched is recorded as failed
// with its reason; views after that do not fetch it again until the retry
// time, and then only MaxAttempts times in all; on both engines.
func TestOnDemandFailure(t *testing.T) {
	sqldbtest.Each(t, testOnDemandFailure)
}

func testOnDemandFailure(t *testing.T, db *sqldb.DB) {
	site := newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/broken": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"/image": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG"))
		},
	})
	h := onDemandServerOn(t, db, synth.OnDemandConfig{Origins: []string{site.URL}, RetryAfter: 300 * time.Millisecond, MaxAttempts: 2})
	for _, c := range []struct{ path, reason string }{{"/broken", "500"}, {"/image", "content type"}} {
		page := site.URL + c.path
		view(t, h, page)
		code, info := settle(t, h, page)
		if code != http.StatusOK || info.Status != article.StatusFailed || info.AudioURL != "" {
			t.Fatalf("%s: %d %+v; want 200 failed without audio", c.path, code, info)
		}
		var st article.State
		h.Do("GET", "/api/v1/articles/"+info.ID, nil, &st)
		if st.Status != article.StatusFailed || !strings.Contains(st.Error, c.reason) {
			t.Errorf("%s recorded as %q %q; want failed naming %q", c.path, st.Status, st.Error, c.reason)
		}
		for range 10 {
			view(t, h, page)
		}
		if got := site.count(c.path); got != 1 {
			t.Errorf("%s fetched %d times by 11 views in a row, want 1", c.path, got)
		}
	}
	page := site.URL + "/broken"
	time.Sleep(400 * time.Millisecond)
	view(t, h, page)
	_, info := settle(t, h, page)
	time.Sleep(400 * time.Millisecond)
	for range 10 {
		view(t, h, page)
	}
	if got := site.count("/broken"); got != 2 {
		t.Errorf("a failing page was fetched %d times with 2 attempts allowed", got)
	}
	var st article.State
	h.Do("GET", "/api/v1/articles/"+info.ID, nil, &st)
	if st.Status != article.StatusFailed || st.Revision != 2 || !strings.Contains(st.Error, "500") {
		t.Errorf("after the retry: %q revision %d %q; want failed, revision 2, the reason", st.Status, st.Revision, st.Error)
	}
}

// TestOnDemandOff: without listed origins an unknown page is 404 and
// nothing is fetched.
func TestOnDemandOff(t *testing.T) {
	site := newNewsSite(t, nil)
	h := onDemandServer(t, synth.OnDemandConfig{})
	if code, _, _ := view(t, h, site.URL+"/tin"); code != http.StatusNotFound {
		t.Errorf("on-demand off: %d, want 404", code)
	}
	if got := site.count("/tin"); got != 0 {
		t.Errorf("fetched %d times with on-demand off", got)
	}
}

// TestOnDemandAddressOfAKnownPage: a view by another address of a page
// whose canonical URL an editor's article already has (with other
// content) answers with that article and changes nothing of it.
func TestOnDemandAddressOfAKnownPage(t *testing.T) {
	var site *newsSite
	site = newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){
		"/tin/bai.html": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Bài</title><link rel="canonical" href="`+site.URL+`/tin/goc.html"></head><body><article><h1>Bài</h1>`+
				`<p>Giá xăng tăng mạnh từ chiều nay, nhiều người dân xếp hàng đổ xăng trước giờ điều chỉnh.</p></article></body></html>`)
		},
	})
	h := onDemandServer(t, synth.OnDemandConfig{Origins: []string{site.URL}})
	var made article.State
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "goc", "text": "Bản của biên tập viên.", "link": site.URL + "/tin/goc.html"}, &made); code != http.StatusAccepted {
		t.Fatalf("editor's article: %d", code)
	}
	page := site.URL + "/tin/bai.html?utm_source=zalo"
	view(t, h, page)
	code, info := settle(t, h, page)
	if code != http.StatusOK || info.ID != "goc" {
		t.Fatalf("view by another address: %d %+v; want 200 for the editor's article", code, info)
	}
	var st article.State
	if h.Do("GET", "/api/v1/articles/goc", nil, &st); st.Revision != made.Revision || st.Status == article.StatusFailed {
		t.Errorf("the editor's article changed: revision %d → %d, status %q", made.Revision, st.Revision, st.Status)
	}
	var list article.ListResult
	if h.Do("GET", "/api/v1/articles", nil, &list); len(list.Articles) != 1 {
		t.Errorf("%d articles, want only the editor's", len(list.Articles))
	}
}

// TestOnDemandTwoNodes: two nodes sharing the database and store, 25
// first views on each at once, make one article; each node fetches the
// page at most once.
func TestOnDemandTwoNodes(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		release := make(chan struct{})
		site := newNewsSite(t, map[string]func(http.ResponseWriter, *http.Request){
			"/tin/hot.html": func(w http.ResponseWriter, r *http.Request) {
				<-release
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				io.WriteString(w, `<html><head><title>Nóng</title></head><body><article><h1>Nóng</h1>`+
					`<p>Nắng nóng gay gắt bao trùm cả nước, nhiệt độ nhiều nơi vượt bốn mươi độ.</p></article></body></html>`)
			},
		})
		a := onDemandServerOn(t, db, synth.OnDemandConfig{Origins: []string{site.URL}})
		b := apitest.New(t, apitest.Options{DB: db, Store: a.Store, NoWorkers: true, Service: synth.ServiceConfig{
			NodeID:   "b",
			OnDemand: synth.OnDemandConfig{Origins: []string{site.URL}},
			Fetcher:  synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
		}})
		page := site.URL + "/tin/hot.html"
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				node := a
				if i%2 == 1 {
					node = b
				}
				if code, _, _ := view(t, node, page); code != http.StatusAccepted && code != http.StatusOK {
					t.Errorf("view %d: %d", i, code)
				}
			}()
		}
		wg.Wait()
		close(release)
		_, ia := settle(t, a, page)
		_, ib := settle(t, b, page)
		if ia.ID == "" || ia.ID != ib.ID || ia.Status != article.StatusQueued {
			t.Errorf("the nodes answer %q (%s) and %q (%s); want one queued article", ia.ID, ia.Status, ib.ID, ib.Status)
		}
		if n := site.count("/tin/hot.html"); n < 1 || n > 2 {
			t.Errorf("the page was fetched %d times by two nodes", n)
		}
		var list article.ListResult
		if a.Do("GET", "/api/v1/articles", nil, &list); len(list.Articles) != 1 {
			t.Errorf("%d articles, want 1", len(list.Articles))
		}
	})
}
