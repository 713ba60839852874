package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
)

// TestPlayerOnDemand: a publisher on another origin (127.0.0.1, another
// port) lists its site for on-demand; a reader opens a page Loa has never
// seen, which carries only its <link rel=canonical> and the player script.
// The player says "Đang tạo âm thanh…" while Loa fetches and synthesizes
// the page, plays what is made, and ends on the published audio; Loa
// fetched the page once.
func TestPlayerOnDemand(t *testing.T) {
	site, loaFetches, _ := onDemandSite(t, synth.OnDemandConfig{}, nil)
	browser := newBrowser(t)
	tab := newTab(t, browser)
	const player = `document.getElementById("p")`
	run(t, tab, chromedp.Navigate(site+"/tin/moi.html"))
	waitJS(t, tab, player+`.getAttribute("data-loa-state") === "building" && !`+player+`.hidden`, 10*time.Second, "the building state")
	if msg := eval[string](t, tab, player+`.querySelector(".loa-msg").textContent`); !strings.HasPrefix(msg, "Đang tạo âm thanh…") {
		t.Fatalf("while the page is made the player says %q", msg)
	}
	if h := eval[float64](t, tab, player+".getBoundingClientRect().height"); h != 64 {
		t.Fatalf("building player is %v px high", h)
	}
	screenshot(t, tab, "player-ondemand-building")
	waitJS(t, tab, `!`+player+`.querySelector(".loa-play").disabled`, 15*time.Second, "something to play")
	run(t, tab, chromedp.Click(chromedp.CSS("#p .loa-play")))
	waitJS(t, tab, player+`.querySelector("audio").currentTime > 0.5`, 20*time.Second, "the page's audio to play")
	waitJS(t, tab, player+`.getAttribute("data-loa-state") === "ready" && `+player+`.querySelector("audio").src.includes("/audio/url-")`,
		2*time.Minute, "the switch to the published audio")
	if n := loaFetches.Load(); n != 1 {
		t.Errorf("Loa fetched the page %d times, want 1", n)
	}
}

// onDemandSite runs Loa, whose default voice takes a second a sentence,
// with on-demand for a publisher on 127.0.0.1; the publisher's /tin/moi.html
// carries only its canonical link and the player. hold, when not nil,
// serves /hold to Loa once it is closed. It returns the publisher's origin
// and how often Loa fetched /tin/moi.html.
func onDemandSite(t *testing.T, cfg synth.OnDemandConfig, hold chan struct{}) (string, *atomic.Int32, *apitest.Server) {
	tc := tts.DefaultConfig()
	tc.Backends["slow"] = tts.BackendConfig{Type: "command", MaxAttempts: 1, Settings: map[string]string{
		"command": `["sh", "-c", "sleep 1; exec espeak-ng -v vi --stdin --stdout"]`, "format": "wav", "workers": "1",
	}}
	tc.Voices = append(tc.Voices, tts.VoiceConfig{ID: "slow", Backend: "slow", Name: "vi", Language: "vi-VN"})
	tc.DefaultVoice = "slow"
	cat, err := tts.NewCatalog(t.Context(), tc, tts.CatalogDeps{})
	if err != nil {
		t.Fatal(err)
	}
	loaFetches := new(atomic.Int32)
	var loaURL atomic.Value // set once Loa runs, which needs the site's origin first
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" && hold != nil {
			<-hold
			http.NotFound(w, r)
			return
		}
		if r.URL.Path != "/tin/moi.html" {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(r.UserAgent(), "Loa/") {
			loaFetches.Add(1)
			time.Sleep(500 * time.Millisecond) // a publisher's server is not instant
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html lang="vi"><head><title>Bão số 3</title><link rel="canonical" href="/tin/moi.html"></head>`+
			`<body><main><article><h1>Bão số 3 đổ bộ</h1><div id="p" data-loa-article></div>`+
			`<p>Bão số 3 đổ bộ vào đất liền chiều nay. Gió mạnh làm đổ nhiều cây xanh. Người dân được khuyên ở trong nhà.</p>`+
			`<p>Nhiều chuyến bay bị hoãn. Các trường học cho học sinh nghỉ.</p></article></main>`+
			`<script src="`+loaURL.Load().(string)+`/player.js" async></script></body></html>`)
	}))
	t.Cleanup(site.Close)
	cfg.Origins = []string{site.URL}
	srv := apitest.New(t, apitest.Options{Voices: cat, Service: synth.ServiceConfig{
		OnDemand: cfg,
		Fetcher:  synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
	}})
	loaURL.Store(srv.URL)
	return site.URL, loaFetches, srv
}

// TestPlayerOnDemandBusy: while the site's on-demand budget is spent (its
// one fetch at a time is taken) the player gets 429, stays hidden and
// asks again after Retry-After; then the page is made and plays.
func TestPlayerOnDemandBusy(t *testing.T) {
	hold := make(chan struct{})
	site, loaFetches, srv := onDemandSite(t, synth.OnDemandConfig{InFlight: 1}, hold)
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release) // before the site closes, which waits for /hold
	resp, err := http.Get(srv.URL + "/player/info.json?url=" + url.QueryEscape(site+"/hold"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("first page: %d, want 202", resp.StatusCode)
	}
	browser := newBrowser(t)
	tab := newTab(t, browser)
	const player = `document.getElementById("p")`
	run(t, tab, onNewDocument(`window.__loaSeen = 0;
		setInterval(() => { const p = document.getElementById("p"); if (p && p.getBoundingClientRect().height > 0) window.__loaSeen++; }, 5);`))
	run(t, tab, chromedp.Navigate(site+"/tin/moi.html"))
	time.Sleep(2 * time.Second)
	if seen := eval[int](t, tab, `window.__loaSeen`); seen != 0 || loaFetches.Load() != 0 {
		t.Fatalf("while the site is busy: player visible in %d samples, page fetched %d times", seen, loaFetches.Load())
	}
	release()
	waitJS(t, tab, `!`+player+`.hidden && `+player+`.getAttribute("data-loa-state") === "building"`, 15*time.Second, "the player to ask again and show progress")
	waitJS(t, tab, `!`+player+`.querySelector(".loa-play").disabled`, 15*time.Second, "something to play")
	run(t, tab, chromedp.Click(chromedp.CSS("#p .loa-play")))
	waitJS(t, tab, player+`.querySelector("audio").currentTime > 0.5`, 20*time.Second, "the page's audio to play")
}

// TestPlayerByPageAddress: a page with no canonical link, and a player with
// neither id nor URL, is looked up by its own address (without the
// fragment) and plays its article.
func TestPlayerByPageAddress(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!DOCTYPE html><html lang="vi"><head><title>Tin</title></head><body><div id="p" data-loa-article></div>`+
			`<p>Giá vàng tăng.</p><script src="`+srv.URL+`/player.js" async></script></body></html>`)
	}))
	defer site.Close()
	var st article.State
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"title": "Giá vàng", "text": "Giá vàng tăng mạnh sáng nay. Người mua xếp hàng dài.", "link": site.URL + "/tin/vang.html"}, &st); code != http.StatusAccepted {
		t.Fatalf("submit: %d", code)
	}
	srv.WaitStatus(st.ID, article.StatusReady, 2*time.Minute)
	tab := newTab(t, newBrowser(t))
	const player = `document.getElementById("p")`
	run(t, tab, chromedp.Navigate(site.URL+"/tin/vang.html#binh-luan"))
	waitJS(t, tab, player+`.getAttribute("data-loa-state") === "ready"`, 15*time.Second, "the player to be ready")
	run(t, tab, chromedp.Click(chromedp.CSS("#p .loa-play")))
	waitJS(t, tab, player+`.querySelector("audio").currentTime > 0.5`, 15*time.Second, "the article's audio to play")
}
