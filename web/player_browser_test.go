package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
	_ "github.com/loa-audio/loa/synth/tts/all"
)

// playerFixture is a running Loa with the sample article ready and one
// article whose only voice is broken, so it fails.
type playerFixture struct {
	srv    *apitest.Server
	rec    *recorder
	sample article.State
}

func newPlayerFixture(t *testing.T) *playerFixture {
	t.Helper()
	srv := apitest.New(t, apitest.Options{Voices: catalogWithBrokenVoice(t), Service: synth.ServiceConfig{MaxAttempts: 1}})
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"id": "sample", "html": apitest.SampleHTML(t)}, nil); code != http.StatusAccepted {
		t.Fatalf("submit sample: %d", code)
	}
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"id": "failed", "title": "Bài lỗi", "text": "Câu này không bao giờ được đọc.", "voice": "broken"}, nil); code != http.StatusAccepted {
		t.Fatalf("submit failing article: %d", code)
	}
	f := &playerFixture{srv: srv, rec: newRecorder(t, srv.URL)}
	f.sample = srv.WaitStatus("sample", article.StatusReady, 3*time.Minute)
	srv.WaitStatus("failed", article.StatusFailed, time.Minute)
	return f
}

// catalogWithBrokenVoice is the default espeak-ng catalog plus a voice
// whose engine command always exits 1.
func catalogWithBrokenVoice(t *testing.T) *tts.Catalog {
	t.Helper()
	cfg := tts.DefaultConfig()
	cfg.Backends["broken"] = tts.BackendConfig{Type: "command", MaxAttempts: 1, Settings: map[string]string{"command": "false"}}
	cfg.Voices = append(cfg.Voices, tts.VoiceConfig{ID: "broken", Backend: "broken", Language: "vi-VN"})
	cat, err := tts.NewCatalog(t.Context(), cfg, tts.CatalogDeps{})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

const (
	jsPlayer = `document.querySelector("[data-loa-article]")`
	jsAudio  = jsPlayer + `.querySelector("audio")`
)

func waitReady(t *testing.T, tab context.Context) {
	t.Helper()
	waitJS(t, tab, jsPlayer+`.getAttribute("data-loa-state") === "ready"`, 15*time.Second, "the player to be ready")
}

func currentTime(t *testing.T, tab context.Context) float64 {
	t.Helper()
	return eval[float64](t, tab, jsAudio+".currentTime")
}

// clock parses "m:ss" or "h:mm:ss" into seconds.
func clock(t *testing.T, s string) float64 {
	t.Helper()
	var total float64
	for part := range strings.SplitSeq(strings.TrimSpace(s), ":") {
		n, err := strconv.Atoi(part)
		if err != nil {
			t.Fatalf("not a clock: %q", s)
		}
		total = total*60 + float64(n)
	}
	return total
}

func clickAtFraction(t *testing.T, tab context.Context, selector string, fx float64) {
	t.Helper()
	box := eval[[]float64](t, tab, `(() => { const r = document.querySelector(`+strconv.Quote(selector)+`).getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	run(t, tab, chromedp.MouseClickXY(box[0]+fx*box[2], box[1]+box[3]/2))
}

func TestPlayer(t *testing.T) {
	f := newPlayerFixture(t)
	browser := newBrowser(t)
	durationS := float64(f.sample.DurationMS) / 1000
	demo := f.rec.URL + "/articles/sample"

	t.Run("first paint, duration, no layout shift", func(t *testing.T) {
		f.rec.set(0, 400*time.Millisecond) // a slow script must not leave a hole
		defer f.rec.set(0, 0)
		tab := newTab(t, browser)
		run(t, tab, onNewDocument(`
			window.__loaShift = 0;
			new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__loaShift += e.value; })
				.observe({type: "layout-shift", buffered: true});
			document.addEventListener("readystatechange", () => {
				if (document.readyState !== "interactive") return;
				// The first frame comes once the page's styles are in.
				requestAnimationFrame(() => {
					const p = document.querySelector("[data-loa-article]");
					window.__loaFirst = p && {time: p.querySelector(".loa-time").textContent, state: p.getAttribute("data-loa-state"),
						height: p.getBoundingClientRect().height, top: document.querySelector("h1").getBoundingClientRect().top};
				});
			});`))
		run(t, tab, chromedp.Navigate(demo))
		waitReady(t, tab)
		first := eval[map[string]any](t, tab, `window.__loaFirst`)
		if first["time"] != "0:00 / 0:00" || first["state"] != nil || first["height"].(float64) != 64 {
			t.Fatalf("before the script ran the player showed %v; want the 0:00 / 0:00 skeleton, 64 px high", first)
		}
		total := clock(t, eval[string](t, tab, jsPlayer+`.querySelector(".loa-dur").textContent`))
		if math.Abs(total-durationS) > 1 {
			t.Fatalf("player shows a total of %vs, manifest says %.3fs", total, durationS)
		}
		waitJS(t, tab, jsAudio+".readyState >= 1", 10*time.Second, "audio metadata")
		if d := eval[float64](t, tab, jsAudio+".duration"); math.Abs(d-durationS) > 1 {
			t.Fatalf("audio element reports %.3fs, manifest %.3fs", d, durationS)
		}
		if got := eval[string](t, tab, jsPlayer+`.querySelector(".loa-time").textContent`); got != "0:00 / "+fmtClock(durationS) {
			t.Fatalf("after metadata the time reads %q", got)
		}
		h1Top := eval[float64](t, tab, `document.querySelector("h1").getBoundingClientRect().top`)
		if shift := eval[float64](t, tab, "window.__loaShift"); shift > 0.001 || h1Top != first["top"].(float64) {
			t.Fatalf("layout moved when the player loaded: CLS %.4f, headline top %v → %v", shift, first["top"], h1Top)
		}
	})

	t.Run("play, seek by Range, speed and position survive a reload", func(t *testing.T) {
		f.rec.set(60_000, 0) // ~8 s to fetch the whole file, as on a phone
		defer f.rec.set(0, 0)
		tab := newTab(t, browser)
		run(t, tab, noCache(), chromedp.Navigate(demo))
		waitReady(t, tab)
		run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
		waitJS(t, tab, jsAudio+".currentTime > 1", 15*time.Second, "playback to advance")
		if eval[bool](t, tab, jsAudio+".paused") || !eval[bool](t, tab, jsPlayer+`.hasAttribute("data-loa-playing")`) {
			t.Fatal("playing audio is reported as paused")
		}
		if label := eval[string](t, tab, jsPlayer+`.querySelector(".loa-play").getAttribute("aria-label")`); label != "Tạm dừng" {
			t.Fatalf("play button while playing is labelled %q", label)
		}

		t0 := time.Now()
		clickAtFraction(t, tab, ".loa-bar", 0.8)
		waitJS(t, tab, fmt.Sprintf("%s.currentTime >= %f", jsAudio, 0.8*durationS-1.5), 10*time.Second, "the seek to 80%")
		at := currentTime(t, tab)
		if at > 0.8*durationS+3 {
			t.Fatalf("seek to 80%% landed at %.1fs of %.1fs", at, durationS)
		}
		waitJS(t, tab, fmt.Sprintf("%s.currentTime > %f", jsAudio, at+1), 10*time.Second, "playback to continue after the seek")
		var ranged []exchange
		for _, e := range f.rec.since(t0) {
			if strings.HasPrefix(e.Path, "/audio/sample/") && e.Range != "" && e.Range != "bytes=0-" {
				ranged = append(ranged, e)
			}
		}
		if len(ranged) == 0 {
			t.Fatalf("seeking made no Range request; requests since: %+v", f.rec.since(t0))
		}
		first := ranged[0]
		start, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(first.Range, "bytes="), "-"), 10, 64)
		if first.Status != http.StatusPartialContent || err != nil || start < f.sample.Bytes*6/10 {
			t.Fatalf("seek request %+v: want 206 for a range starting near 80%% of %d bytes", first, f.sample.Bytes)
		}

		run(t, tab, chromedp.Click(chromedp.CSS(".loa-rate")), chromedp.Click(chromedp.CSS(".loa-rate")))
		if r := eval[float64](t, tab, jsAudio+".playbackRate"); r != 1.5 {
			t.Fatalf("two presses of the speed button give %v×", r)
		}
		run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
		waitJS(t, tab, jsAudio+".paused", 5*time.Second, "pause")
		paused := currentTime(t, tab)

		run(t, tab, chromedp.Reload())
		waitReady(t, tab)
		if r := eval[float64](t, tab, jsAudio+".playbackRate"); r != 1.5 {
			t.Fatalf("after a reload the speed is %v×, want 1.5×", r)
		}
		if label := eval[string](t, tab, jsPlayer+`.querySelector(".loa-rate").textContent`); label != "1,5×" {
			t.Fatalf("speed button reads %q", label)
		}
		offer := eval[string](t, tab, `(() => { const b = document.querySelector(".loa-resume"); return b.hidden ? "" : b.textContent; })()`)
		if want := "Nghe tiếp từ " + fmtClock(math.Floor(paused)); offer != want {
			t.Fatalf("after a reload the player offers %q, want %q", offer, want)
		}
		screenshot(t, tab, "player-resume-offer")
		run(t, tab, chromedp.Click(chromedp.CSS(".loa-resume")))
		waitJS(t, tab, jsAudio+".currentTime > 1 && !"+jsAudio+".paused", 10*time.Second, "playback from the saved position")
		if got := currentTime(t, tab); math.Abs(got-paused) > 2.5 {
			t.Fatalf("resumed at %.1fs, saved position was %.1fs", got, paused)
		}
		if r := eval[float64](t, tab, jsAudio+".playbackRate"); r != 1.5 {
			t.Fatalf("resumed at %v×", r)
		}
		title := eval[string](t, tab, `navigator.mediaSession.metadata ? navigator.mediaSession.metadata.title : ""`)
		if title != f.sample.Title || eval[int](t, tab, `navigator.mediaSession.metadata.artwork.length`) != 1 {
			t.Fatalf("Media Session title %q (want %q) or artwork missing", title, f.sample.Title)
		}
		run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))

		// The beacons were counted by the server, without any cookie.
		deadline := time.Now().Add(5 * time.Second)
		for {
			var counts struct {
				Events map[string]int `json:"events"`
			}
			f.srv.Do("GET", "/api/v1/articles/sample/listens", nil, &counts)
			e := counts.Events
			if e["load"] >= 2 && e["play"] >= 2 && e["25"] >= 1 && e["50"] >= 1 && e["75"] >= 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("listen counts %v: want load and play ≥ 2, 25/50/75 ≥ 1", e)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if cookies := eval[string](t, tab, "document.cookie"); cookies != "" {
			t.Fatalf("the player left cookies: %q", cookies)
		}
	})

	t.Run("follow-along, click to play, deep link, keyboard", func(t *testing.T) {
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(demo+"#loa-t=30"))
		waitReady(t, tab)
		waitJS(t, tab, jsAudio+".readyState >= 1", 10*time.Second, "metadata")
		if at := currentTime(t, tab); math.Abs(at-30) > 0.5 {
			t.Fatalf("#loa-t=30 put the player at %.2fs", at)
		}
		if cur := eval[string](t, tab, jsPlayer+`.querySelector(".loa-cur").textContent`); cur != "0:30" {
			t.Fatalf("#loa-t=30 shows %q", cur)
		}
		timings := eval[[]map[string]any](t, tab, `fetch("/articles/sample.json").then(r => r.json()).then(i => fetch(i.timings_url)).then(r => r.json()).then(t => t.sentences)`)
		if len(timings) < 5 {
			t.Fatalf("timings have %d sentences", len(timings))
		}
		highlighted := func() (int, string) {
			v := eval[[]any](t, tab, `(() => { const h = CSS.highlights.get("loa-sentence"); return [`+jsPlayer+`.getAttribute("data-loa-sentence"), h ? [...h][0].toString() : ""]; })()`)
			n, _ := strconv.Atoi(fmt.Sprint(v[0]))
			return n, fmt.Sprint(v[1])
		}
		collapse := regexp.MustCompile(`\s+`)
		sentenceText := func(i int) string { return collapse.ReplaceAllString(fmt.Sprint(timings[i]["text"]), " ") }

		// Keyboard: focus the slider, step back, then Space plays.
		run(t, tab, chromedp.Focus(chromedp.CSS(".loa-bar")), chromedp.KeyEvent(kb.ArrowLeft))
		if at := currentTime(t, tab); math.Abs(at-25) > 0.5 {
			t.Fatalf("← from 30 s went to %.2fs", at)
		}
		if vt := eval[string](t, tab, jsPlayer+`.querySelector(".loa-bar").getAttribute("aria-valuetext")`); !strings.HasPrefix(vt, "0:25 / ") {
			t.Fatalf("slider value text %q", vt)
		}
		run(t, tab, chromedp.KeyEvent(" "))
		waitJS(t, tab, "!"+jsAudio+".paused", 5*time.Second, "Space to start playback")
		first, firstText := highlighted()
		if firstText == "" || firstText != sentenceText(first) {
			t.Fatalf("highlight %q is not sentence %d %q", firstText, first, sentenceText(first))
		}
		start := time.Now()
		for {
			n, text := highlighted()
			if n != first {
				if text != sentenceText(n) {
					t.Fatalf("highlight moved to %q, which is not sentence %d %q", text, n, sentenceText(n))
				}
				break
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("the highlight stayed on sentence %d for 20 s of playback", first)
			}
			time.Sleep(200 * time.Millisecond)
		}
		screenshot(t, tab, "demo-following")

		// A click on the fifth block plays from the sentence clicked.
		run(t, tab, chromedp.ScrollIntoView(chromedp.CSS(`[data-loa-block="5"]`)))
		clickAtFraction(t, tab, `[data-loa-block="5"]`, 0.1)
		waitJS(t, tab, jsPlayer+`.getAttribute("data-loa-sentence") !== "" && !`+jsAudio+".paused", 5*time.Second, "click-to-play")
		n, _ := highlighted()
		if fmt.Sprint(timings[n]["block"]) != "5" {
			t.Fatalf("clicking block 5 played sentence %d of block %v", n, timings[n]["block"])
		}
		startMS := timings[n]["start_ms"].(float64)
		if at := currentTime(t, tab); at < startMS/1000-0.1 || at > startMS/1000+2 {
			t.Fatalf("clicking block 5 played from %.2fs; its sentence %d starts at %.2fs", at, n, startMS/1000)
		}
		run(t, tab, emulateColorScheme("dark"))
		screenshot(t, tab, "demo-dark")
		run(t, tab, emulateColorScheme("light"), chromedp.Focus(chromedp.CSS(".loa-play")), chromedp.KeyEvent("k"))
		waitJS(t, tab, jsAudio+".paused", 5*time.Second, "K to pause")
	})

	t.Run("publisher page on another origin", func(t *testing.T) {
		sample := apitest.SampleHTML(t)
		audio := regexp.MustCompile(`(?s)<div class="article-audio">.*?</div>\s*</div>`)
		if !audio.MatchString(sample) {
			t.Fatal("sample page has no player block to replace")
		}
		host := audio.ReplaceAllString(sample, `<div class="article-audio"><div data-loa-article="sample" data-loa-follow=".article-title, .article-sapo, .article-body p"></div></div>`)
		host = strings.Replace(host, "</body>", `<script src="`+f.rec.URL+`/player.js" async></script></body>`, 1)
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(hostPage(t, host)))
		waitReady(t, tab)
		if h := eval[float64](t, tab, jsPlayer+".getBoundingClientRect().height"); h != 64 {
			t.Fatalf("player on the publisher's page is %v px high; its styles did not load", h)
		}
		if label := eval[string](t, tab, jsPlayer+`.querySelector(".loa-play").getAttribute("aria-label")`); label != "Nghe bài viết" {
			t.Fatalf("Vietnamese page, play button labelled %q", label)
		}
		waitJS(t, tab, `document.querySelectorAll(".loa-followable").length >= 8`, 10*time.Second, "the paragraphs to be paired with the timings")
		clickAtFraction(t, tab, ".article-body p:nth-of-type(3)", 0.05)
		waitJS(t, tab, "!"+jsAudio+".paused", 5*time.Second, "click-to-play on the publisher's paragraph")
		inside := eval[bool](t, tab, `(() => { const h = CSS.highlights.get("loa-sentence"); const r = h && [...h][0]; return !!r && document.querySelector(".article-body p:nth-of-type(3)").contains(r.commonAncestorContainer); })()`)
		if !inside {
			t.Fatal("the highlighted sentence is not in the paragraph clicked")
		}
		screenshot(t, tab, "publisher-page")
		run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))

		en := strings.Replace(host, `<html lang="vi">`, `<html lang="en">`, 1)
		run(t, tab, chromedp.Navigate(hostPage(t, en)))
		waitReady(t, tab)
		if label := eval[string](t, tab, jsPlayer+`.querySelector(".loa-play").getAttribute("aria-label")`); label != "Listen to this article" {
			t.Fatalf("English page, play button labelled %q", label)
		}
	})

	t.Run("failed and unknown articles show no player", func(t *testing.T) {
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(f.rec.URL+"/articles/failed"))
		if n := eval[int](t, tab, `document.querySelectorAll("[data-loa-article]").length`); n != 0 {
			t.Fatalf("demo page of a failed article has %d players", n)
		}
		page := `<!DOCTYPE html><html lang="vi"><head><title>Host</title></head><body><main><h1>Host</h1>
			<div id="a" data-loa-article="failed"></div><div id="b" data-loa-article="no-such-article"></div><p id="after">Sau</p></main>
			<script src="` + f.rec.URL + `/player.js" async></script></body></html>`
		run(t, tab, chromedp.Navigate(hostPage(t, page)))
		for _, id := range []string{"a", "b"} {
			waitJS(t, tab, `document.getElementById("`+id+`").getAttribute("data-loa-state") === "hidden"`, 10*time.Second, "player "+id+" to give up")
			if h := eval[float64](t, tab, `document.getElementById("`+id+`").getBoundingClientRect().height`); h != 0 {
				t.Fatalf("player %s is hidden but still takes %v px", id, h)
			}
		}
		run(t, tab, chromedp.Navigate(f.rec.URL+"/embed/failed"))
		if n := eval[int](t, tab, `document.querySelectorAll("[data-loa-article]").length`); n != 0 {
			t.Fatal("the embed page of a failed article has a player")
		}
		run(t, tab, chromedp.Navigate(f.rec.URL+"/embed/sample"))
		waitReady(t, tab)
	})
}

func fmtClock(s float64) string {
	t := int(s)
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

// TestPlayerReadyTime measures page load → "player ready" (the player's
// performance mark) on the demo page, five times, and reports the median.
func TestPlayerReadyTime(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "sample", "html": apitest.SampleHTML(t)}, nil)
	srv.WaitStatus("sample", article.StatusReady, 3*time.Minute)
	browser := newBrowser(t)
	var times []float64
	for range 5 {
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(srv.URL+"/articles/sample"))
		waitReady(t, tab)
		times = append(times, eval[float64](t, tab, `performance.getEntriesByName("loa-player-ready")[0].startTime`))
	}
	slices.Sort(times)
	median := times[len(times)/2]
	t.Logf("demo page load → player ready: median %.1f ms over 5 runs (all: %.1f)", median, times)
	if median > 1500 {
		t.Fatalf("the player took %.0f ms to be ready (median of 5)", median)
	}
}

// TestPlayerWhileSynthesizing opens an article while its (deliberately
// slow) voice is still speaking: the player says so, plays what is ready
// through the progressive stream, and turns into the normal player when
// the audio is published, without a reload.
func TestPlayerWhileSynthesizing(t *testing.T) {
	cfg := tts.DefaultConfig()
	cfg.Backends["slow"] = tts.BackendConfig{Type: "command", MaxAttempts: 1, Settings: map[string]string{
		"command": `["sh", "-c", "sleep 1.5; exec espeak-ng -v vi --stdin --stdout"]`, "format": "wav", "workers": "1",
	}}
	cfg.Voices = append(cfg.Voices, tts.VoiceConfig{ID: "slow", Backend: "slow", Name: "vi", Language: "vi-VN"})
	cat, err := tts.NewCatalog(t.Context(), cfg, tts.CatalogDeps{})
	if err != nil {
		t.Fatal(err)
	}
	srv := apitest.New(t, apitest.Options{Voices: cat})
	browser := newBrowser(t)
	text := "Câu thứ nhất của bài. Câu thứ hai dài hơn một chút. Câu thứ ba. Câu thứ tư kể tiếp. Câu thứ năm. Câu thứ sáu khép lại bài viết."
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"id": "slow", "title": "Bài đang tạo", "text": text, "voice": "slow"}, nil); code != http.StatusAccepted {
		t.Fatalf("submit: %d", code)
	}
	tab := newTab(t, browser)
	run(t, tab, chromedp.Navigate(srv.URL+"/articles/slow"))
	waitJS(t, tab, jsPlayer+`.getAttribute("data-loa-state") === "building"`, 10*time.Second, "the building state")
	if msg := eval[string](t, tab, jsPlayer+`.querySelector(".loa-msg").textContent`); !strings.HasPrefix(msg, "Đang tạo âm thanh…") {
		t.Fatalf("while synthesizing the player says %q", msg)
	}
	if label := eval[string](t, tab, jsPlayer+`.querySelector(".loa-play").getAttribute("aria-label")`); label != "Nghe phần đã có" {
		t.Fatalf("play button while synthesizing: %q", label)
	}
	screenshot(t, tab, "player-building")
	run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
	waitJS(t, tab, jsAudio+`.src.includes("progressive=1") && `+jsAudio+".currentTime > 0.5", 20*time.Second, "progressive playback")
	st := srv.WaitStatus("slow", article.StatusReady, 2*time.Minute)
	waitJS(t, tab, jsPlayer+`.getAttribute("data-loa-state") === "ready" && `+jsAudio+`.src.includes("/audio/slow/")`, 15*time.Second, "the switch to the published audio")
	if total := clock(t, eval[string](t, tab, jsPlayer+`.querySelector(".loa-dur").textContent`)); math.Abs(total-float64(st.DurationMS)/1000) > 1 {
		t.Fatalf("after publishing the player shows %vs, manifest %dms", total, st.DurationMS)
	}
}

// TestPlayerByPageURL: a publisher's page on another origin names no
// article, only its canonical URL, and the player plays that article; a
// page whose URL Loa does not know never shows a player.
func TestPlayerByPageURL(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	text := "Hà Nội mưa lớn suốt đêm qua. Nhiều tuyến phố ngập sâu. Người dân phải đẩy xe máy về nhà."
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"title": "Mưa lớn", "text": text, "link": "https://bao.example.vn/tin/mua-lon.html"}, nil); code != http.StatusAccepted {
		t.Fatalf("submit: %d", code)
	}
	var list struct{ Articles []article.State }
	srv.Do("GET", "/api/v1/articles", nil, &list)
	if len(list.Articles) != 1 {
		t.Fatalf("articles: %+v", list.Articles)
	}
	srv.WaitStatus(list.Articles[0].ID, article.StatusReady, 2*time.Minute)
	browser := newBrowser(t)
	page := func(head, player string) string {
		return `<!DOCTYPE html><html lang="vi"><head><title>Báo</title>` + head + `</head><body><main><h1>Mưa lớn</h1>` + player +
			`<p>Hà Nội mưa lớn suốt đêm qua.</p></main><script src="` + srv.URL + `/player.js" async></script></body></html>`
	}
	const player = `document.getElementById("p")`

	for name, html := range map[string]string{
		"canonical link only": page(`<link rel="canonical" href="https://Bao.Example.VN/tin/mua-lon.html">`, `<div id="p" data-loa-article></div>`),
		"data-loa-url":        page(`<link rel="canonical" href="https://bao.example.vn/khac">`, `<div id="p" data-loa-url="https://bao.example.vn/tin/mua-lon.html#binh-luan"></div>`),
	} {
		t.Run(name, func(t *testing.T) {
			tab := newTab(t, browser)
			run(t, tab, chromedp.Navigate(hostPage(t, html)))
			waitJS(t, tab, player+`.getAttribute("data-loa-state") === "ready"`, 15*time.Second, "the player to be ready")
			if h := eval[float64](t, tab, player+".getBoundingClientRect().height"); h != 64 {
				t.Fatalf("ready player is %v px high", h)
			}
			run(t, tab, chromedp.Click(chromedp.CSS("#p .loa-play")))
			waitJS(t, tab, player+`.querySelector("audio").currentTime > 0.5`, 15*time.Second, "the article's audio to play")
		})
	}

	t.Run("unknown page URL shows no player", func(t *testing.T) {
		tab := newTab(t, browser)
		run(t, tab, onNewDocument(`window.__loaSeen = 0;
			setInterval(() => { const p = document.getElementById("p"); if (p && p.getBoundingClientRect().height > 0) window.__loaSeen++; }, 5);`))
		run(t, tab, chromedp.Navigate(hostPage(t, page(`<link rel="canonical" href="https://bao.example.vn/tin/chua-co.html">`, `<div id="p" data-loa-article></div>`))))
		waitJS(t, tab, player+`.getAttribute("data-loa-state") === "hidden"`, 10*time.Second, "the player to give up")
		if seen := eval[int](t, tab, `window.__loaSeen`); seen != 0 {
			t.Fatalf("a player for an unknown page was visible in %d samples", seen)
		}
	})
}
