package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/web"
)

// playerBudget is the most a host page may pay for the player, gzipped:
// script, styles and markup together.
const playerBudget = 12 * 1024

func TestPlayerFitsBudget(t *testing.T) {
	site, err := web.New(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	raw, gz := site.PlayerSize()
	t.Logf("player.js with its CSS and markup: %d bytes, %d bytes gzipped (budget %d)", raw, gz, playerBudget)
	if gz > playerBudget || gz < 2000 {
		t.Fatalf("player is %d bytes gzipped; the budget is %d", gz, playerBudget)
	}
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip: the test sees the wire
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestPlayerScriptServing(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	resp, stable := get(t, srv.URL+"/player.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || resp.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("/player.js: %d %v", resp.StatusCode, resp.Header)
	}
	if bytes.Contains(stable, []byte("__LOA_")) || !bytes.Contains(stable, []byte(".loa-player")) || !bytes.Contains(stable, []byte("loa-bar")) {
		t.Fatal("player.js was not assembled with its styles and markup")
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatal("publishers' pages must be able to load the player")
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, srv.URL+"/player.js", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d", resp.StatusCode)
	}
	resp, zipped := get(t, srv.URL+"/player.js", "Accept-Encoding", "gzip, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(zipped) > playerBudget {
		t.Fatalf("gzip: %q, %d bytes", resp.Header.Get("Content-Encoding"), len(zipped))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, _ := io.ReadAll(zr); !bytes.Equal(unzipped, stable) {
		t.Fatal("gzipped player differs from the plain one")
	}

	// The page links the immutable, fingerprinted copy of the same bytes.
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "short", "text": "Một câu."}, nil)
	srv.WaitStatus("short", article.StatusReady, time.Minute)
	_, page := get(t, srv.URL+"/articles/short")
	m := regexp.MustCompile(`src="(/static/[0-9a-f]{12}/player\.js)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("demo page does not load the versioned player:\n%s", page)
	}
	resp, versioned := get(t, srv.URL+string(m[1]))
	if !bytes.Equal(versioned, stable) || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("versioned player: %v", resp.Header)
	}
	if resp, _ := get(t, srv.URL+"/static/000000000000/player.js"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a stale fingerprint answered %d", resp.StatusCode)
	}
}

var (
	inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	scriptSrc    = regexp.MustCompile(`^<script\s[^>]*\bsrc="`)
	inlineStyle  = regexp.MustCompile(`<style|\sstyle="|\son[a-z]+="`)
)

// TestPagesAreStrict checks every page Loa renders: a CSP without any
// 'unsafe-' source, no inline script or style, and user text escaped.
func TestPagesAreStrict(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	hostile := `</title><script>alert(1)</script><img src=x onerror=alert(2)>`
	srv.Do("POST", "/api/v1/articles", map[string]string{
		"id": "hostile", "title": hostile, "text": "Đoạn một có <b>thẻ</b> & \"ngoặc\".\n\nĐoạn hai: <script>alert(3)</script>",
	}, nil)
	srv.WaitStatus("hostile", article.StatusReady, time.Minute)
	pages := map[string]int{
		"/articles/hostile":        200,
		"/embed/hostile":           200,
		"/admin":                   200,
		"/admin/articles/hostile":  200,
		"/articles/no-such":        404,
		"/embed/no-such":           404,
		"/admin/articles/bad%20id": 404,
	}
	for path, want := range pages {
		resp, body := get(t, srv.URL+path, "Accept", "text/html")
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want %d text/html", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
			continue
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for _, tag := range inlineScript.FindAll(body, -1) {
			if !scriptSrc.Match(tag) {
				t.Errorf("%s: inline script %s", path, tag)
			}
		}
		if m := inlineStyle.Find(body); m != nil {
			t.Errorf("%s: inline style or handler %q", path, m)
		}
		if bytes.Contains(body, []byte("<script>alert")) || bytes.Contains(body, []byte("<img src=x")) || bytes.Contains(body, []byte("<b>thẻ")) {
			t.Errorf("%s: user text reached the page unescaped:\n%s", path, body)
		}
	}
	_, demo := get(t, srv.URL+"/articles/hostile")
	if !bytes.Contains(demo, []byte("&lt;script&gt;alert(3)&lt;/script&gt;")) {
		t.Errorf("the article's own text is missing or mangled:\n%s", demo)
	}
	if resp, _ := get(t, srv.URL+"/embed/hostile"); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Error("the embed page must be frameable by publishers")
	}
	if resp, _ := get(t, srv.URL+"/admin"); !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("the dashboard must not be frameable")
	}
	// Without Accept: text/html, callers keep the API's JSON errors.
	if resp, body := get(t, srv.URL+"/articles/no-such"); resp.StatusCode != 404 || !bytes.HasPrefix(body, []byte(`{"error"`)) {
		t.Errorf("JSON caller got %d %s", resp.StatusCode, body)
	}
}

func TestPlayerInfo(t *testing.T) {
	srv := apitest.New(t, apitest.Options{Voices: catalogWithBrokenVoice(t), Service: synth.ServiceConfig{MaxAttempts: 1}, Feeds: web.FeedSettings{Publisher: "Báo Mẫu"}})
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "ok", "title": "Tin ngắn", "text": "Hôm nay trời đẹp. Ngày mai có mưa."}, nil)
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "bad", "text": "Không đọc được.", "voice": "broken"}, nil)
	st := srv.WaitStatus("ok", article.StatusReady, time.Minute)
	srv.WaitStatus("bad", article.StatusFailed, time.Minute)

	var info web.PlayerInfo
	resp, body := get(t, srv.URL+"/articles/ok.json")
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if info.Version != st.Version || info.DurationMS != st.DurationMS || info.AudioURL != st.VersionAudioURL || info.TimingsURL != st.TimingsURL ||
		info.ProgressiveURL != "" || info.Title != "Tin ngắn" || info.Site != "Báo Mẫu" || !strings.HasSuffix(info.Artwork, "/artwork.svg") {
		t.Fatalf("player info %+v does not match the article %+v", info, st)
	}
	if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("player info headers %v", resp.Header)
	}
	if resp, _ := get(t, info.Artwork); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("artwork: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var timings article.Timings
	if _, b := get(t, info.TimingsURL); json.Unmarshal(b, &timings) != nil || len(timings.Sentences) != 3 || timings.Version != info.Version {
		t.Fatalf("timings behind the player info: %+v", timings)
	}

	info = web.PlayerInfo{}
	_, body = get(t, srv.URL+"/articles/bad.json")
	if err := json.Unmarshal(body, &info); err != nil || info.Status != article.StatusFailed || info.AudioURL != "" || info.ProgressiveURL != "" {
		t.Fatalf("failed article's player info: %s", body)
	}
	if _, page := get(t, srv.URL+"/articles/bad"); bytes.Contains(page, []byte("data-loa-article")) {
		t.Fatal("a failed article's page carries a player")
	}
	if resp, _ := get(t, srv.URL+"/articles/missing.json"); resp.StatusCode != 404 {
		t.Fatalf("unknown article: %d", resp.StatusCode)
	}

}

// TestPlayerInfoByURL: the player's information is found by the page's
// canonical URL, in any spelling that normalises to it, with the same shape
// as by id; an unknown or unusable URL is a JSON 404 or 400.
func TestPlayerInfoByURL(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "mua", "text": "Hà Nội mưa lớn.", "link": "https://bao.example.vn/tin/mua.html"}, nil)
	srv.WaitStatus("mua", article.StatusReady, time.Minute)

	_, byID := get(t, srv.URL+"/articles/mua.json")
	resp, byURL := get(t, srv.URL+"/player/info.json?url="+url.QueryEscape("HTTPS://BAO.example.vn/tin/mua.html#binh-luan"))
	if resp.StatusCode != 200 || !bytes.Equal(byURL, byID) {
		t.Fatalf("by url: %d %s; by id: %s", resp.StatusCode, byURL, byID)
	}
	if resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("player info by url headers %v", resp.Header)
	}
	for _, c := range []struct {
		query string
		code  int
		msg   string
	}{
		{"?url=" + url.QueryEscape("https://bao.example.vn/tin/khac.html"), 404, "no article at https://bao.example.vn/tin/khac.html"},
		{"", 400, `give the page's address as "url"`},
		{"?url=%2Ftin%2Fmua.html", 400, `give the page's address as "url"`},
		{"?url=https://bao.example.vn/" + strings.Repeat("a", article.MaxPageURL), 400, "the limit is 2048"},
	} {
		resp, body := get(t, srv.URL+"/player/info.json"+c.query)
		var e struct{ Error string }
		if resp.StatusCode != c.code || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, c.msg) {
			t.Errorf("%.60s: %d %s; want %d with %q", c.query, resp.StatusCode, body, c.code, c.msg)
		}
	}
}
