package api_test

import (
	"context"
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

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// jobsServer serves the admin routes with a stand-in for River's UI, on a
// fresh SQLite database unless d.Tokens is set.
func jobsServer(t *testing.T, d api.Deps, tls bool) *httptest.Server {
	t.Helper()
	if d.Tokens == nil {
		d.Tokens = api.NewTokens(sqldbtest.New(t, sqldb.SQLite).Tokens(), "ed", "adm")
	}
	d.Jobs = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "jobs view "+r.URL.Path)
	})
	newServer := httptest.NewServer
	if tls {
		newServer = httptest.NewTLSServer
	}
	srv := newServer(api.New(d))
	t.Cleanup(srv.Close)
	return srv
}

// send makes one request without following redirects.
func send(t *testing.T, client *http.Client, method, u string, body url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "loa_admin" {
			return c
		}
	}
	return nil
}

func withCookie(c *http.Cookie) map[string]string {
	return map[string]string{"Cookie": c.Name + "=" + c.Value}
}

func TestAdminSignInOpensTheJobsView(t *testing.T) {
	srv := jobsServer(t, api.Deps{}, false)
	client := srv.Client()

	// A browser without a session is sent to the form; a script gets JSON.
	resp, _ := send(t, client, "GET", srv.URL+"/admin/jobs", nil, map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/signin" {
		t.Fatalf("browser without a session: %d → %q, want 303 to the sign-in form", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := send(t, client, "GET", srv.URL+"/admin/jobs", nil, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Fatalf("script without a token: %d %s", resp.StatusCode, body)
	}

	// Wrong tokens: no cookie; a browser is sent back to the form.
	for _, tok := range []string{"", "wrong", "ed"} {
		resp, body := send(t, client, "POST", srv.URL+"/admin/signin", url.Values{"token": {tok}}, nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) || sessionCookie(resp) != nil {
			t.Fatalf("sign-in with %q: %d %s, cookie %v", tok, resp.StatusCode, body, sessionCookie(resp))
		}
	}
	resp, _ = send(t, client, "POST", srv.URL+"/admin/signin", url.Values{"token": {"wrong"}}, map[string]string{"Accept": "text/html"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/signin?failed=1" || sessionCookie(resp) != nil {
		t.Fatalf("browser sign-in with a wrong token: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The right token: a session cookie that is not the token.
	resp, _ = send(t, client, "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, map[string]string{"Accept": "text/html"})
	cookie := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/jobs" || cookie == nil {
		t.Fatalf("sign-in: %d → %q, cookie %v", resp.StatusCode, resp.Header.Get("Location"), cookie)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure || cookie.Path != "/admin" ||
		cookie.MaxAge != int(api.DefaultAdminSession.Seconds()) {
		t.Fatalf("cookie flags: %+v", cookie)
	}
	if strings.Contains(cookie.Value, "adm") || len(cookie.Value) < 40 {
		t.Fatalf("cookie value %q must not hold the token and must be verifiable", cookie.Value)
	}
	resp, body = send(t, client, "GET", srv.URL+"/admin/jobs/api/jobs", nil, withCookie(cookie))
	if resp.StatusCode != 200 || body != "jobs view /admin/jobs/api/jobs" {
		t.Fatalf("jobs view with the cookie: %d %s", resp.StatusCode, body)
	}
	// The cookie opens the read-only jobs view only, never the API.
	if resp, body := send(t, client, "GET", srv.URL+"/api/v1/tokens", nil, withCookie(cookie)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin API with the cookie only: %d %s", resp.StatusCode, body)
	}

	// A forged or tampered value is refused and cleared.
	for _, v := range []string{cookie.Value[:len(cookie.Value)-1] + "0", "99999999999999." + strings.Repeat("ab", 32), "adm", ""} {
		if v == cookie.Value {
			continue
		}
		resp, _ := send(t, client, "GET", srv.URL+"/admin/jobs", nil, map[string]string{"Cookie": "loa_admin=" + v})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged cookie %q: %d", v, resp.StatusCode)
		}
	}

	// Scripts keep the Bearer header.
	if resp, body := send(t, client, "GET", srv.URL+"/admin/jobs", nil, map[string]string{"Authorization": "Bearer adm"}); resp.StatusCode != 200 {
		t.Fatalf("Bearer: %d %s", resp.StatusCode, body)
	}
	if resp, _ := send(t, client, "GET", srv.URL+"/admin/jobs", nil, map[string]string{"Authorization": "Bearer ed"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("editor Bearer: %d, want 403", resp.StatusCode)
	}

	// Sign-out clears the cookie and ends the session: a copy of the
	// cookie opens nothing any more.
	resp, _ = send(t, client, "POST", srv.URL+"/admin/signout", url.Values{}, withCookie(cookie))
	if c := sessionCookie(resp); resp.StatusCode != http.StatusSeeOther || c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("sign-out: %d, cookie %+v", resp.StatusCode, c)
	}
	if resp, body := send(t, client, "GET", srv.URL+"/admin/jobs/api/jobs", nil, withCookie(cookie)); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a copy of the cookie after sign-out: %d %s", resp.StatusCode, body)
	}
}

// sessions counts the stored admin sessions.
func sessions(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.Conn().QueryRow(context.Background(), `SELECT COUNT(*) FROM admin_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// signIn signs in on srv and returns the session cookie.
func signIn(t *testing.T, srv *httptest.Server) *http.Cookie {
	t.Helper()
	resp, body := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, nil)
	cookie := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || cookie == nil || cookie.Value == "" {
		t.Fatalf("sign-in: %d %s, cookie %+v", resp.StatusCode, body, cookie)
	}
	return cookie
}

// jobsStatus is the status of the jobs view opened with cookie on srv.
func jobsStatus(t *testing.T, srv *httptest.Server, cookie *http.Cookie) int {
	t.Helper()
	resp, _ := send(t, srv.Client(), "GET", srv.URL+"/admin/jobs", nil, withCookie(cookie))
	return resp.StatusCode
}

// TestAdminSignOutEndsTheSessionEverywhere: a copy of the cookie taken
// before sign-out opens nothing after it, on the node that signed out at
// once (though it had the session cached) and on another node sharing the
// database once its cache window has passed. A new admin token opens no
// session of the old one.
func TestAdminSignOutEndsTheSessionEverywhere(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		const window = 300 * time.Millisecond
		a := jobsServer(t, api.Deps{Tokens: api.NewTokens(db.Tokens(), "ed", "adm")}, false)
		bTokens := api.NewTokens(db.Tokens(), "ed", "adm")
		api.SetCacheWindow(bTokens, window)
		b := jobsServer(t, api.Deps{Tokens: bTokens}, false)
		other := jobsServer(t, api.Deps{Tokens: api.NewTokens(db.Tokens(), "ed", "adm-new")}, false)

		cookie := signIn(t, a)
		if sessions(t, db) != 1 {
			t.Fatalf("%d stored sessions after one sign-in", sessions(t, db))
		}
		if strings.Contains(cookie.Value, "adm") {
			t.Fatalf("cookie %q holds the token", cookie.Value)
		}
		var stored string
		if err := db.Conn().QueryRow(context.Background(), `SELECT digest FROM admin_sessions`).Scan(&stored); err != nil || strings.Contains(stored, cookie.Value) {
			t.Fatalf("the database must keep a digest, not the secret: %q, %v", stored, err)
		}
		// Both nodes open the view (and cache the session).
		for name, srv := range map[string]*httptest.Server{"a": a, "b": b} {
			if code := jobsStatus(t, srv, cookie); code != 200 {
				t.Fatalf("node %s with a fresh session: %d", name, code)
			}
		}
		if code := jobsStatus(t, other, cookie); code != http.StatusUnauthorized {
			t.Fatalf("a node with another admin token: %d, want 401", code)
		}
		copied := *cookie
		resp, _ := send(t, a.Client(), "POST", a.URL+"/admin/signout", url.Values{}, withCookie(cookie))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", resp.StatusCode)
		}
		if code := jobsStatus(t, a, &copied); code != http.StatusUnauthorized {
			t.Fatalf("the copied cookie on the node that signed out: %d, want 401", code)
		}
		if sessions(t, db) != 0 {
			t.Fatalf("%d stored sessions after sign-out", sessions(t, db))
		}
		time.Sleep(window + 50*time.Millisecond)
		if code := jobsStatus(t, b, &copied); code != http.StatusUnauthorized {
			t.Fatalf("the copied cookie on another node after its cache window: %d, want 401", code)
		}
		// Signing out again, or with a cookie never issued, is harmless.
		for _, v := range []string{copied.Value, strings.Repeat("ab", 32), "junk"} {
			resp, _ := send(t, b.Client(), "POST", b.URL+"/admin/signout", url.Values{}, map[string]string{"Cookie": "loa_admin=" + v})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out with %q: %d", v, resp.StatusCode)
			}
		}
	})
}

// TestAdminSessionsInParallel: sign-ins on two nodes and sign-outs of the
// same session from both at once, while it is being used, leave every
// node and the database agreeing: the signed-out session opens nothing,
// the others still open the view, one row each.
func TestAdminSessionsInParallel(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		nodes := []*httptest.Server{
			jobsServer(t, api.Deps{Tokens: api.NewTokens(db.Tokens(), "ed", "adm")}, false),
			jobsServer(t, api.Deps{Tokens: api.NewTokens(db.Tokens(), "ed", "adm")}, false),
		}
		const n = 8
		cookies := make([]*http.Cookie, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				resp, _ := send(t, nodes[i%2].Client(), "POST", nodes[i%2].URL+"/admin/signin", url.Values{"token": {"adm"}}, nil)
				cookies[i] = sessionCookie(resp)
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, c := range cookies {
			if c == nil || c.Value == "" {
				t.Fatal("a parallel sign-in gave no session")
			}
			seen[c.Value] = true
		}
		if len(seen) != n || sessions(t, db) != n {
			t.Fatalf("%d distinct cookies and %d stored sessions from %d sign-ins", len(seen), sessions(t, db), n)
		}
		ended := cookies[0]
		for i := range 2 * n {
			node := nodes[i%2]
			wg.Go(func() {
				resp, _ := send(t, node.Client(), "POST", node.URL+"/admin/signout", url.Values{}, withCookie(ended))
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("parallel sign-out: %d", resp.StatusCode)
				}
			})
			wg.Go(func() {
				if code := jobsStatus(t, node, ended); code != 200 && code != http.StatusUnauthorized {
					t.Errorf("jobs view during sign-out: %d", code)
				}
			})
			wg.Go(func() {
				if code := jobsStatus(t, node, cookies[1+i%(n-1)]); code != 200 {
					t.Errorf("another session during sign-out: %d", code)
				}
			})
		}
		wg.Wait()
		for _, node := range nodes {
			if code := jobsStatus(t, node, ended); code != http.StatusUnauthorized {
				t.Fatalf("the signed-out session after the race: %d, want 401", code)
			}
			for _, c := range cookies[1:] {
				if code := jobsStatus(t, node, c); code != 200 {
					t.Fatalf("a session not signed out: %d", code)
				}
			}
		}
		if got := sessions(t, db); got != n-1 {
			t.Fatalf("%d stored sessions, want %d", got, n-1)
		}
	})
}

// TestAdminSessionExpires: past its lifetime a cookie opens nothing, even
// on a node that has it cached, and the next sign-in deletes its row.
func TestAdminSessionExpires(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		srv := jobsServer(t, api.Deps{AdminSession: time.Second, Tokens: api.NewTokens(db.Tokens(), "ed", "adm")}, false)
		resp, _ := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, nil)
		cookie := sessionCookie(resp)
		if cookie == nil || cookie.MaxAge != 1 {
			t.Fatalf("sign-in: %d, cookie %+v", resp.StatusCode, cookie)
		}
		if resp, _ := send(t, srv.Client(), "GET", srv.URL+"/admin/jobs", nil, withCookie(cookie)); resp.StatusCode != 200 {
			t.Fatalf("fresh cookie: %d", resp.StatusCode)
		}
		time.Sleep(1100 * time.Millisecond)
		resp, body := send(t, srv.Client(), "GET", srv.URL+"/admin/jobs", nil, withCookie(cookie))
		var e struct{ Error string }
		if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Fatalf("expired cookie: %d %s", resp.StatusCode, body)
		}
		if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
			t.Fatalf("an expired cookie is cleared: %+v", c)
		}
		if got := sessions(t, db); got != 1 {
			t.Fatalf("%d stored sessions before the next sign-in, want the expired one", got)
		}
		fresh := signIn(t, srv)
		if got := sessions(t, db); got != 1 {
			t.Fatalf("%d stored sessions after the next sign-in, want the new one only", got)
		}
		if jobsStatus(t, srv, fresh) != 200 || jobsStatus(t, srv, cookie) != http.StatusUnauthorized {
			t.Fatal("the new session must open the view, the expired one not")
		}
	})
}

// TestAdminCookieIsSecureOverTLS: Secure when the browser used TLS, to
// Loa or to a trusted proxy that says so; not on a proxy's word alone.
func TestAdminCookieIsSecureOverTLS(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		name   string
		d      api.Deps
		tls    bool
		header map[string]string
		secure bool
	}{
		{"plain", api.Deps{}, false, nil, false},
		{"TLS", api.Deps{}, true, nil, true},
		{"trusted proxy says https", api.Deps{TrustedProxies: loopback}, false, map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"untrusted proxy says https", api.Deps{}, false, map[string]string{"X-Forwarded-Proto": "https"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := jobsServer(t, c.d, c.tls)
			resp, _ := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, c.header)
			cookie := sessionCookie(resp)
			if cookie == nil || cookie.Secure != c.secure {
				t.Fatalf("%d, cookie %+v, want Secure=%v", resp.StatusCode, cookie, c.secure)
			}
		})
	}
}

// TestAdminSignInRefusesOtherSites: a form on another site can neither sign
// an admin in nor out (CSRF).
func TestAdminSignInRefusesOtherSites(t *testing.T) {
	srv := jobsServer(t, api.Deps{}, false)
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		for _, path := range []string{"/admin/signin", "/admin/signout"} {
			resp, body := send(t, srv.Client(), "POST", srv.URL+path, url.Values{"token": {"adm"}}, h)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"error"`) || sessionCookie(resp) != nil {
				t.Fatalf("%s from another site (%v): %d %s", path, h, resp.StatusCode, body)
			}
		}
	}
	resp, _ := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL})
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Fatalf("same-origin sign-in: %d", resp.StatusCode)
	}
}

// TestAdminSignInIsRateLimited: guessing the admin token through the form
// is slowed down like guessing it in a header, even for the right token.
func TestAdminSignInIsRateLimited(t *testing.T) {
	srv := jobsServer(t, api.Deps{}, false)
	limited := 0
	for i := range 30 {
		resp, body := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"guess-" + strings.Repeat("x", i)}}, nil)
		switch resp.StatusCode {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limited++
			if resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"error"`) {
				t.Fatalf("429 without Retry-After or JSON error: %s", body)
			}
		default:
			t.Fatalf("guess %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if limited < 15 {
		t.Fatalf("only %d of 30 wrong tokens were rate-limited", limited)
	}
	if resp, _ := send(t, srv.Client(), "POST", srv.URL+"/admin/signin", url.Values{"token": {"adm"}}, nil); resp.StatusCode != http.StatusTooManyRequests || sessionCookie(resp) != nil {
		t.Fatalf("right token while limited: %d", resp.StatusCode)
	}
}
