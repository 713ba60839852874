package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/api/apitest"
)

// TestJobsViewInABrowser: from the dashboard an admin reaches River's jobs
// view by signing in with the admin token once; the page then loads its
// jobs list with the session cookie, which scripts cannot read. Signing out
// closes it again.
func TestJobsViewInABrowser(t *testing.T) {
	const admin = "admin-secret"
	// No workers: the submitted article's job stays available to be seen.
	srv := apitest.New(t, apitest.Options{AdminToken: admin, NoWorkers: true})
	if code := srv.Do("POST", "/api/v1/articles", map[string]string{"id": "jobs-1", "text": "Một câu ngắn để đọc."}, nil); code != 202 {
		t.Fatalf("POST: %d", code)
	}
	tab := newTab(t, newBrowser(t))

	// The dashboard links to the jobs view, which sends a browser without
	// a session to the sign-in form.
	login(t, tab, srv.URL)
	later(t, tab, `document.getElementById("jobs-link").click()`)
	waitJS(t, tab, `location.pathname === "/admin/signin" && document.getElementById("admin-token")`, 10*time.Second, "the admin sign-in form")

	run(t, tab, chromedp.SendKeys(chromedp.CSS("#admin-token"), "wrong"))
	later(t, tab, `document.getElementById("signin-form").requestSubmit()`)
	waitJS(t, tab, `location.pathname === "/admin/signin" && document.getElementById("signin-msg")`, 10*time.Second, "the refusal of a wrong token")

	run(t, tab, chromedp.SendKeys(chromedp.CSS("#admin-token"), admin))
	later(t, tab, `document.getElementById("signin-form").requestSubmit()`)
	waitJS(t, tab, `location.pathname.startsWith("/admin/jobs")`, 10*time.Second, "the jobs view")
	if got := eval[string](t, tab, `document.cookie`); got != "" {
		t.Fatalf("the session cookie must be HttpOnly; scripts see %q", got)
	}
	run(t, tab, chromedp.Navigate(srv.URL+"/admin/jobs/jobs?state=available"))
	waitJS(t, tab, `document.body.innerText.includes("synthesize") && document.body.innerText.includes('"article_id":"jobs-1"')`, 30*time.Second, "River UI's list with the synthesis job")

	// Signed out, the jobs view is closed again.
	run(t, tab, chromedp.Navigate(srv.URL+"/admin/signin"))
	waitJS(t, tab, `document.getElementById("signout-form")`, 10*time.Second, "the sign-out button")
	run(t, tab, chromedp.Evaluate[chromedp.Void](`window.__before = true`))
	later(t, tab, `document.getElementById("signout-form").requestSubmit()`)
	waitJS(t, tab, `!window.__before && document.readyState === "complete" && location.pathname === "/admin/signin"`, 10*time.Second, "the form after signing out")
	run(t, tab, chromedp.Navigate(srv.URL+"/admin/jobs/jobs?state=available"))
	waitJS(t, tab, `location.pathname === "/admin/signin"`, 10*time.Second, "the sign-in form instead of the jobs view")
}

// later runs a script that navigates away after the evaluation has
// returned, so that the navigation cannot abort the evaluation itself.
func later(t *testing.T, tab context.Context, script string) {
	t.Helper()
	eval[bool](t, tab, "setTimeout(() => { "+script+" }, 0), true")
}
