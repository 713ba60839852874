package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/tts"
)

// TestPlayerOnDemand: a publisher on another origin (127.0.0.1, another
// port) lists its site for on-demand; a reader opens a page Loa has never
// seen, which carries only its <link rel=canonical> and the player script.
// The player says "Đang tạo âm thanh…" while Loa fetches and synthesizes
// the page, plays what is made, and ends on the published audio; Loa
// fetched the page once.
func TestPlayerOnDemand(t *testing.T) {
	cfg := tts.DefaultConfig()
	cfg.Backends["slow"] = tts.BackendConfig{Type: "command", MaxAttempts: 1, Settings: map[string]string{
		"command": `["sh", "-c", "sleep 1; exec espeak-ng -v vi --stdin --stdout"]`, "format": "wav", "workers": "1",
	}}
	cfg.Voices = append(cfg.Voices, tts.VoiceConfig{ID: "slow", Backend: "slow", Name: "vi", Language: "vi-VN"})
	cfg.DefaultVoice = "slow"
	cat, err := tts.NewCatalog(t.Context(), cfg, tts.CatalogDeps{})
	if err != nil {
		t.Fatal(err)
	}

	var loaFetches atomic.Int32
	var loaURL atomic.Value // set once Loa runs, which needs the site's origin first
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	defer site.Close()
	srv := apitest.New(t, apitest.Options{Voices: cat, Service: synth.ServiceConfig{
		OnDemand: synth.OnDemandConfig{Origins: []string{site.URL}},
		Fetcher:  synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
	}})
	loaURL.Store(srv.URL)

	browser := newBrowser(t)
	tab := newTab(t, browser)
	const player = `document.getElementById("p")`
	run(t, tab, chromedp.Navigate(site.URL+"/tin/moi.html"))
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
