package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/testenv"
)

const dashboardText = "Sáng 12/6/2024, Thủ tướng đã tiếp 25 doanh nghiệp tại Hà Nội. " +
	"Cuộc gặp kéo dài 2 giờ với nhiều đề xuất về AI và kinh tế số.\n\n" +
	"Các doanh nghiệp cam kết đầu tư thêm 1,5 tỷ USD trong năm tới."

func login(t *testing.T, tab context.Context, base string) {
	t.Helper()
	run(t, tab, chromedp.Navigate(base+"/admin"))
	waitJS(t, tab, `!document.getElementById("login").hidden`, 10*time.Second, "the login form")
	run(t, tab,
		chromedp.SendKeys(chromedp.CSS("#token"), apitest.Token),
		chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)),
	)
	waitJS(t, tab, `!document.getElementById("app").hidden && document.getElementById("live").getAttribute("data-live") === "1"`, 10*time.Second, "the dashboard with its live stream")
}

func TestDashboard(t *testing.T) {
	srv := apitest.New(t, apitest.Options{})
	browser := newBrowser(t)
	tab := newTab(t, browser)

	// A wrong token is refused and nothing is stored.
	run(t, tab, chromedp.Navigate(srv.URL+"/admin"))
	waitJS(t, tab, `!document.getElementById("login").hidden`, 10*time.Second, "the login form")
	run(t, tab, chromedp.SendKeys(chromedp.CSS("#token"), "wrong"), chromedp.Click(chromedp.CSS(`#login-form button[type=submit]`)))
	waitJS(t, tab, `document.getElementById("login-msg").textContent !== ""`, 10*time.Second, "the refusal")
	if eval[bool](t, tab, `sessionStorage.getItem("loa:token") !== null || !document.getElementById("app").hidden`) {
		t.Fatal("a wrong token opened the dashboard or was kept")
	}

	login(t, tab, srv.URL)
	if eval[string](t, tab, `document.cookie`) != "" || eval[string](t, tab, `sessionStorage.getItem("loa:token")`) != apitest.Token {
		t.Fatal("the token must live in sessionStorage only")
	}
	waitJS(t, tab, `document.querySelectorAll("#f-voice option").length > 1`, 10*time.Second, "the voice list")

	// Submit pasted text; the row must reach "ready" without a reload.
	run(t, tab, chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
	run(t, tab,
		chromedp.Click(chromedp.CSS(`input[name=kind][value=text]`)),
		chromedp.SetValue(chromedp.CSS("#f-body"), dashboardText),
		chromedp.SendKeys(chromedp.CSS("#f-title"), "Thủ tướng tiếp doanh nghiệp"),
		chromedp.SendKeys(chromedp.CSS("#f-id"), "dash-1"),
		chromedp.Click(chromedp.CSS(`#submit-form button[type=submit]`)),
	)
	waitJS(t, tab, `document.querySelector('#articles tr[data-id="dash-1"]')`, 10*time.Second, "the new row")
	waitJS(t, tab, `document.querySelector('#articles tr[data-id="dash-1"]').getAttribute("data-status") === "ready"`, 90*time.Second, "the row to reach ready")
	if !eval[bool](t, tab, `window.__noReload === true`) {
		t.Fatal("the page reloaded")
	}
	if got := eval[string](t, tab, `document.querySelector('#articles tr[data-id="dash-1"] .a-status').textContent`); got != "Sẵn sàng" {
		t.Fatalf("ready row shows %q", got)
	}

	// An article created elsewhere appears live; its hostile title stays text.
	hostile := `<img src=x id=pwned onerror="window.__pwned=1">`
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "dash-2", "title": hostile, "text": "Một câu ngắn để đọc."}, nil)
	waitJS(t, tab, `document.querySelector('#articles tr[data-id="dash-2"]')`, 15*time.Second, "a row for the article created through the API")
	if got := eval[string](t, tab, `document.querySelector('#articles tr[data-id="dash-2"] .a-title').textContent`); got != hostile {
		t.Fatalf("title shown as %q", got)
	}
	if eval[bool](t, tab, `!!document.getElementById("pwned") || window.__pwned === 1`) {
		t.Fatal("a title was rendered as markup")
	}

	// Lexicon: which sentences a rule touches, then save it.
	run(t, tab,
		chromedp.SendKeys(chromedp.CSS("#rule-match"), "Thủ tướng"),
		chromedp.SendKeys(chromedp.CSS("#rule-say"), "thủ tướng chính phủ"),
		chromedp.Click(chromedp.CSS("#rule-touches")),
	)
	waitJS(t, tab, `!document.getElementById("touches").hidden`, 10*time.Second, "the touched sentences")
	if !eval[bool](t, tab, `[...document.querySelectorAll("#touches-list li")].some(li => li.querySelector('a[href="/admin/articles/dash-1"]') && li.textContent.includes("Thủ tướng đã tiếp"))`) {
		t.Fatalf("touches list: %s", eval[string](t, tab, `document.getElementById("touches-list").textContent`))
	}
	run(t, tab, chromedp.Click(chromedp.CSS("#rule-save")))
	waitJS(t, tab, `[...document.querySelectorAll("#rules tbody tr")].some(tr => tr.querySelector(".r-match").textContent === "Thủ tướng")`, 10*time.Second, "the saved rule")
	screenshot(t, tab, "dashboard")

	// The article page: spoken preview with normalized spans, the player,
	// live status, listening counts.
	run(t, tab, chromedp.Navigate(srv.URL+"/admin/articles/dash-1"))
	waitJS(t, tab, `document.querySelectorAll("#preview .pv-s").length >= 3`, 10*time.Second, "the sentence preview")
	marks := eval[[]string](t, tab, `[...document.querySelectorAll("#preview mark")].map(m => m.textContent + "=" + m.dataset.rule)`)
	if len(marks) < 3 {
		t.Fatalf("normalized spans marked: %v", marks)
	}
	if spoken := eval[string](t, tab, `document.querySelector("#preview .pv-spoken").textContent`); strings.Contains(spoken, "12/6/2024") {
		t.Fatalf("spoken form still has the written date: %q", spoken)
	}
	waitReady(t, tab)
	waitJS(t, tab, `document.querySelector('#listens td[data-ev="load"]').textContent !== "–"`, 10*time.Second, "listening counts")
	run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
	waitJS(t, tab, jsAudio+".currentTime > 0.5", 10*time.Second, "the player on the editor's page")
	run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
	screenshot(t, tab, "dashboard-article")

	// Re-synthesize from the page and watch the status come back live.
	run(t, tab, chromedp.Click(chromedp.CSS(`#resynth-form button[type=submit]`)))
	waitJS(t, tab, `document.getElementById("resynth-msg").textContent.startsWith("Đã xếp hàng")`, 10*time.Second, "the re-synthesis to be queued")
	srv.WaitStatus("dash-1", article.StatusReady, time.Minute)
	waitJS(t, tab, `document.getElementById("a-status").dataset.status === "ready" && document.getElementById("a-version").textContent.includes("lần sửa 2")`, 15*time.Second, "the new revision to show")
}

// axeScript finds axe-core as scripts/web-deps.sh installs it.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("LOA_AXE_JS")
	if path == "" {
		tools := os.Getenv("LOA_TOOLS_DIR")
		if tools == "" {
			home, _ := os.UserHomeDir()
			tools = filepath.Join(home, ".cache", "loa", "bin")
		}
		path = filepath.Join(tools, "..", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		testenv.Missing(t, "axe-core at %s (run scripts/web-deps.sh): %v", path, err)
	}
	return string(b)
}

// axeViolations runs axe-core on the page and returns the serious and
// critical violations, one line each.
func axeViolations(t *testing.T, tab context.Context, axe string) []string {
	t.Helper()
	run(t, tab, chromedp.Evaluate[chromedp.Void](axe))
	all := eval[[]map[string]any](t, tab, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")})))`)
	var bad []string
	for _, v := range all {
		line := v["impact"].(string) + " " + v["id"].(string) + ": " + v["help"].(string) + " — " + v["nodes"].(string)
		if v["impact"] == "serious" || v["impact"] == "critical" {
			bad = append(bad, line)
		} else {
			t.Logf("axe (%s, not failing): %s", v["impact"], line)
		}
	}
	return bad
}

func TestAccessibility(t *testing.T) {
	axe := axeScript(t)
	srv := apitest.New(t, apitest.Options{})
	srv.Do("POST", "/api/v1/articles", map[string]string{"id": "sample", "html": apitest.SampleHTML(t)}, nil)
	srv.WaitStatus("sample", article.StatusReady, 3*time.Minute)
	srv.Do("POST", "/api/v1/lexicon", map[string]any{"match": "Kremlin", "say": "điện crem-lin"}, nil)
	browser := newBrowser(t)

	check := func(t *testing.T, tab context.Context) {
		t.Helper()
		if bad := axeViolations(t, tab, axe); len(bad) > 0 {
			t.Fatalf("axe found %d serious or critical violations:\n%s", len(bad), strings.Join(bad, "\n"))
		}
	}
	for _, scheme := range []string{"light", "dark"} {
		t.Run("demo page "+scheme, func(t *testing.T) {
			tab := newTab(t, browser)
			run(t, tab, emulateColorScheme(scheme), chromedp.Navigate(srv.URL+"/articles/sample"))
			waitReady(t, tab)
			run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
			waitJS(t, tab, jsPlayer+`.getAttribute("data-loa-sentence") !== null`, 10*time.Second, "follow-along")
			run(t, tab, chromedp.Click(chromedp.CSS(".loa-play")))
			check(t, tab)
		})
	}
	t.Run("embed page", func(t *testing.T) {
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(srv.URL+"/embed/sample"))
		waitReady(t, tab)
		check(t, tab)
	})
	t.Run("dashboard", func(t *testing.T) {
		tab := newTab(t, browser)
		run(t, tab, chromedp.Navigate(srv.URL+"/admin"))
		waitJS(t, tab, `!document.getElementById("login").hidden`, 10*time.Second, "the login form")
		check(t, tab)
		login(t, tab, srv.URL)
		waitJS(t, tab, `document.querySelector('#articles tr[data-id="sample"]') && document.querySelector("#rules tbody tr")`, 10*time.Second, "articles and rules")
		check(t, tab)
		run(t, tab, emulateColorScheme("dark"))
		check(t, tab)
	})
	t.Run("dashboard article page", func(t *testing.T) {
		tab := newTab(t, browser)
		login(t, tab, srv.URL)
		run(t, tab, chromedp.Navigate(srv.URL+"/admin/articles/sample"))
		waitJS(t, tab, `document.querySelectorAll("#preview .pv-s").length > 0`, 10*time.Second, "the preview")
		waitReady(t, tab)
		check(t, tab)
	})
}
