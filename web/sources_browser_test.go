package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
)

// TestDashboardSources: an editor adds a feed in the dashboard, sees its
// polls, items found and articles made, pauses, edits and removes it; a
// broken feed shows why in words; an article shows where it came from.
func TestDashboardSources(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Báo</title><item><title>Mưa</title><link>http://%s/tin/mua.html</link><guid>mua</guid></item></channel></rss>`, r.Host)
		case "/tin/mua.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><title>Mưa lớn</title></head><body><article><h1>Mưa lớn</h1><p>Hà Nội mưa lớn suốt đêm qua, nhiều tuyến phố ngập sâu.</p></article></body></html>`)
		case "/broken.xml":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body>Trang chủ</body></html>`)
		}
	}))
	defer site.Close()
	srv := apitest.New(t, apitest.Options{Service: synth.ServiceConfig{Fetcher: synth.NewFetcher(synth.FetchConfig{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})}})
	browser := newBrowser(t)
	tab := newTab(t, browser)
	run(t, tab, onNewDocument(`window.confirm = function () { return true; }`))
	login(t, tab, srv.URL)

	add := func(url string) {
		run(t, tab,
			chromedp.SetValue(chromedp.CSS("#s-url"), url),
			chromedp.SetValue(chromedp.CSS("#s-interval"), "1h"),
			chromedp.Click(chromedp.CSS(`#source-save`)),
		)
	}
	// A bad interval is refused with the field named; nothing is added.
	run(t, tab, chromedp.SetValue(chromedp.CSS("#s-url"), site.URL+"/rss.xml"), chromedp.SetValue(chromedp.CSS("#s-interval"), "1ms"),
		chromedp.Click(chromedp.CSS(`#source-save`)))
	waitJS(t, tab, `document.getElementById("source-msg").textContent.includes('"interval"')`, 10*time.Second, "the refusal naming the interval")
	if n := eval[int](t, tab, `document.querySelectorAll("#sources tbody tr").length`); n != 0 {
		t.Fatalf("a refused source is listed (%d rows)", n)
	}

	add(site.URL + "/rss.xml")
	row := `document.querySelector("#sources tbody tr")`
	waitJS(t, tab, row+` && `+row+`.querySelector(".s-created").textContent === "1"`, 30*time.Second, "the source with its article made")
	if got := eval[string](t, tab, row+`.querySelector(".s-seen").textContent`); got != "1" {
		t.Errorf("items found shows %q", got)
	}
	if got := eval[string](t, tab, row+`.querySelector(".s-last").textContent`); got == "–" {
		t.Errorf("last poll shows %q", got)
	}
	id := eval[string](t, tab, row+`.getAttribute("data-id")`)

	// Pause, then edit the interval.
	run(t, tab, chromedp.Click(chromedp.CSS(`#sources tbody tr .s-pause`)))
	waitJS(t, tab, row+`.getAttribute("data-state") === "paused" && `+row+`.querySelector(".s-next").textContent === "Tạm dừng"`, 10*time.Second, "the paused source")
	run(t, tab, chromedp.Click(chromedp.CSS(`#sources tbody tr .s-edit`)), chromedp.SetValue(chromedp.CSS("#s-interval"), "2h"), chromedp.Click(chromedp.CSS(`#source-save`)))
	waitJS(t, tab, row+`.querySelector(".s-meta").textContent.includes("2h0m0s")`, 10*time.Second, "the new interval")
	var src struct {
		Interval string `json:"interval"`
		Paused   bool   `json:"paused"`
	}
	if srv.Do("GET", "/api/v1/sources/"+id, nil, &src); src.Interval != "2h0m0s" || !src.Paused {
		t.Errorf("stored after the edit: %+v", src)
	}

	// The article it made says where it came from.
	var list struct {
		Articles []article.State `json:"articles"`
	}
	srv.Do("GET", "/api/v1/articles", nil, &list)
	if len(list.Articles) != 1 {
		t.Fatalf("%d articles", len(list.Articles))
	}
	run(t, tab, chromedp.Navigate(srv.URL+"/admin/articles/"+list.Articles[0].ID))
	waitJS(t, tab, `document.getElementById("a-origin").textContent.includes(`+jsString(id)+`)`, 10*time.Second, "the article's source")
	if got := eval[string](t, tab, `document.getElementById("a-origin").textContent`); !strings.Contains(got, site.URL+"/tin/mua.html") {
		t.Errorf("origin shows %q", got)
	}

	// A broken feed shows its reason; removing a source keeps its article.
	run(t, tab, chromedp.Navigate(srv.URL+"/admin"))
	waitJS(t, tab, `document.querySelector("#sources tbody tr")`, 10*time.Second, "the sources list")
	add(site.URL + "/broken.xml")
	broken := `document.querySelector("#sources tbody tr:last-child")`
	waitJS(t, tab, broken+`.getAttribute("data-state") === "failing" && `+broken+`.querySelector(".s-error").textContent.includes("content type")`, 30*time.Second, "the broken source's reason")
	run(t, tab, chromedp.Click(chromedp.CSS(`#sources tbody tr:first-child .s-delete`)))
	waitJS(t, tab, `document.querySelectorAll("#sources tbody tr").length === 1`, 10*time.Second, "the removed source gone")
	if code := srv.Do("GET", "/api/v1/articles/"+list.Articles[0].ID, nil, nil); code != 200 {
		t.Errorf("the removed source's article: %d", code)
	}
}

func jsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
