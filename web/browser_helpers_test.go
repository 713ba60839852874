package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/loa-audio/loa/synth/testenv"
)

// newBrowser starts a headless Chromium for the test and returns the
// context of its first tab. The flags keep Chromium off the network, which
// is closed here and would otherwise stall it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		testenv.Missing(t, "chromium not on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:len(chromedp.DefaultExecAllocatorOptions):len(chromedp.DefaultExecAllocatorOptions)],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("mute-audio", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// newTab opens a fresh tab in the same browser (same profile, so
// localStorage carries over, as it does for a returning listener).
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a script in the page (awaiting a promise) and decodes it.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", script, err)
	}
	return v
}

// waitJS polls a boolean expression until it holds.
func waitJS(t *testing.T, ctx context.Context, cond string, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if eval[bool](t, ctx, "!!("+cond+")") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (%s)", timeout, what, cond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// onNewDocument runs a script in every page the tab loads, before the
// page's own scripts; it is how a test observes the first paint.
func onNewDocument(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	})
}

// noCache makes the tab fetch everything from the network, as a first
// visit does; the browser's profile is shared between tabs.
func noCache() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
		return err
	})
}

func emulateColorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// screenshot saves a PNG of the viewport under $LOA_SCREENSHOTS, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LOA_SCREENSHOTS")
	if dir == "" {
		return
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// exchange is one request seen by the recording proxy.
type exchange struct {
	At     time.Time
	Method string
	Path   string
	Range  string
	Status int
}

// recorder is a reverse proxy in front of the Loa test server that logs
// every exchange and, when asked, feeds audio slowly, as a real network
// does: without that, Chromium holds a whole short file after a moment and
// a seek never reaches the server.
type recorder struct {
	URL string

	mu        sync.Mutex
	log       []exchange
	audioRate int           // bytes per second for /audio/ bodies; 0 = unlimited
	delayJS   time.Duration // extra latency for player.js
}

func newRecorder(t *testing.T, upstream string) *recorder {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // Loa derives its absolute URLs from Host
		},
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			req := resp.Request
			rec.mu.Lock()
			rec.log = append(rec.log, exchange{At: time.Now(), Method: req.Method, Path: req.URL.RequestURI(), Range: req.Header.Get("Range"), Status: resp.StatusCode})
			rate := rec.audioRate
			rec.mu.Unlock()
			if rate > 0 && strings.HasPrefix(req.URL.Path, "/audio/") {
				resp.Body = &slowBody{r: resp.Body, rate: rate}
			}
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		delay := rec.delayJS
		rec.mu.Unlock()
		if delay > 0 && strings.HasSuffix(r.URL.Path, "/player.js") {
			time.Sleep(delay)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (r *recorder) set(audioRate int, delayJS time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.audioRate, r.delayJS = audioRate, delayJS
}

func (r *recorder) since(t0 time.Time) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []exchange
	for _, e := range r.log {
		if !e.At.Before(t0) {
			out = append(out, e)
		}
	}
	return out
}

type slowBody struct {
	r    io.ReadCloser
	rate int
}

func (s *slowBody) Read(p []byte) (int, error) {
	chunk := s.rate / 10
	if len(p) > chunk {
		p = p[:chunk]
	}
	n, err := s.r.Read(p)
	time.Sleep(time.Duration(n) * time.Second / time.Duration(s.rate))
	return n, err
}

func (s *slowBody) Close() error { return s.r.Close() }

// hostPage serves a publisher's article page, on its own origin, that
// embeds the player the way the README tells publishers to.
func hostPage(t *testing.T, html string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
