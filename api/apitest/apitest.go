// Package apitest runs a complete Loa service for tests: a real store and
// database, espeak-ng voices (or the caller's), the pipeline, workers, the
// API and the pages, behind an httptest server.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/ingest"
	"github.com/loa-audio/loa/synth/sources"
	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	_ "github.com/loa-audio/loa/synth/tts/all"
	"github.com/loa-audio/loa/synth/webhook"
	"github.com/loa-audio/loa/web"
)

// Token is the editor token of test servers.
const Token = "editor-secret"

// Server is a running test service.
type Server struct {
	t       testing.TB
	URL     string
	Store   storage.Store
	DB      *sqldb.DB
	Service *synth.Service
	Hooks   *webhook.Dispatcher
	Sources *sources.Manager
}

// Options: zero values mean a local store in a temporary folder and the
// default espeak-ng voices.
type Options struct {
	Store  storage.Store
	DB     *sqldb.DB // nil = a fresh SQLite database in a temporary folder
	Voices synth.VoiceCatalog
	// AdminToken enables the admin routes and River's jobs UI.
	AdminToken string
	Pipeline   synth.PipelineConfig // Store and Voices are filled in
	Service    synth.ServiceConfig  // Store, Pipeline, Voices are filled in
	Feeds      web.FeedSettings
	Notifier   synth.Notifier
	// NoWorkers leaves submitted articles queued: for tests of the HTTP
	// surface alone, such as fuzzing, where synthesis is only load.
	NoWorkers bool
	// CORSOrigins configures the API's allowed origins (default: any).
	CORSOrigins    []string // TrustedProxies are the proxies whose X-Forwarded-* headers count.
	TrustedProxies []netip.Prefix
	// SourceLease is how often followed sources with no poll queued are
	// given one (default 10m).
	SourceLease time.Duration
	// SourceJobEnd is called as a source's poll job or one-source look
	// ends its work (see sources.Config.AtJobEnd).
	SourceJobEnd func(ctx context.Context, kind, sourceID string)
}

// New starts a service and stops it when the test ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	testenv.LookPath(t, "espeak-ng")
	ctx, cancel := context.WithCancel(context.Background())
	store := o.Store
	if store == nil {
		var err error
		if store, err = storage.OpenLocal(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	db := o.DB
	if db == nil {
		db = sqldbtest.New(t, sqldb.SQLite)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	voices := o.Voices
	if voices == nil {
		catalog, err := tts.NewCatalog(ctx, tts.DefaultConfig(), tts.CatalogDeps{Usage: db.Usage(), Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		voices = catalog
	}
	pcfg := o.Pipeline
	pcfg.Store, pcfg.Voices, pcfg.Logger = store, voices, log
	pipeline, err := synth.NewPipeline(pcfg)
	if err != nil {
		t.Fatal(err)
	}
	scfg := o.Service
	scfg.Store, scfg.DB, scfg.Pipeline, scfg.Voices, scfg.Logger = store, db, pipeline, voices, log
	scfg.Lexicon, scfg.Listens = db.Lexicon(), db.Listens()
	if scfg.Fetcher == nil {
		scfg.Fetcher = synth.NewFetcher(synth.FetchConfig{})
	}
	if scfg.NodeID == "" {
		scfg.NodeID = "test"
	}
	if scfg.PollInterval == 0 {
		scfg.PollInterval = 200 * time.Millisecond
	}
	// Webhooks in tests go to loopback receivers, which the guard allows
	// only when told to.
	hookGuard := synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	hooks := webhook.New(webhook.Config{DB: db, Logger: log, FirstDelay: 50 * time.Millisecond, Client: hookGuard.Client(), CheckURL: hookGuard.CheckURL})
	scfg.Notifier = hooks
	if o.Notifier != nil {
		scfg.Notifier = o.Notifier
	}
	follow := sources.New(sources.Config{
		DB: db, Poller: ingest.NewPoller(scfg.Fetcher, ingest.PollerConfig{}), Lease: o.SourceLease, Logger: log, AtJobEnd: o.SourceJobEnd,
		CheckVoice: func(id string) error { _, err := voices.Resolve(id); return err },
	})
	scfg.Plugins = append(scfg.Plugins, follow)
	svc, err := synth.NewService(scfg)
	if err != nil {
		t.Fatal(err)
	}
	follow.Attach(svc.Editor, svc.Jobs())
	pages, err := web.New(web.Config{Feeds: o.Feeds})
	if err != nil {
		t.Fatal(err)
	}
	var jobs http.Handler
	if o.AdminToken != "" {
		if jobs, err = api.JobsUI(ctx, svc.Jobs(), log); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	for _, c := range svc.Collectors() {
		reg.MustRegister(c)
	}
	handler := api.New(api.Deps{
		Editor:   svc.Editor,
		Catalog:  svc.Catalog,
		Playback: svc.Playback,
		Lexicon:  svc.Lexicon,
		Pages: func(r gin.IRouter, h api.PageHelpers) {
			pages.Register(r, web.Helpers{Articles: svc.Catalog, BaseURL: h.BaseURL, Error: h.Error, Status: h.Status, CORS: h.CORS})
		},
		Tokens:         api.NewTokens(db.Tokens(), Token, o.AdminToken),
		Registry:       reg,
		Webhooks:       hooks,
		Jobs:           jobs,
		Sources:        follow,
		Logger:         log,
		CORSOrigins:    o.CORSOrigins,
		TrustedProxies: o.TrustedProxies,
	})
	srv := httptest.NewServer(handler)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !o.NoWorkers {
			_ = svc.Worker.Run(ctx)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	return &Server{t: t, URL: srv.URL, Store: store, DB: db, Service: svc, Hooks: hooks, Sources: follow}
}

// Do sends a request with the editor token and decodes a JSON answer into
// out (when not nil); it returns the status code.
func (h *Server) Do(method, path string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// WaitStatus polls an article until it reaches want (or fails the test).
func (h *Server) WaitStatus(id string, want article.Status, timeout time.Duration) article.State {
	h.t.Helper()
	return h.wait(id, timeout, want == article.StatusFailed, func(st article.State) bool { return st.Status == want })
}

// WaitRevision polls an article until the given revision is ready.
func (h *Server) WaitRevision(id string, revision int, timeout time.Duration) article.State {
	h.t.Helper()
	return h.wait(id, timeout, false, func(st article.State) bool {
		return st.Revision == revision && st.Status == article.StatusReady
	})
}

func (h *Server) wait(id string, timeout time.Duration, failureExpected bool, done func(article.State) bool) article.State {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var st article.State
		if code := h.Do("GET", "/api/v1/articles/"+id, nil, &st); code != 200 {
			h.t.Fatalf("GET article %s: status %d", id, code)
		}
		if done(st) {
			return st
		}
		if st.Status == article.StatusFailed && !failureExpected {
			h.t.Fatalf("article %s (revision %d) failed: %s", id, st.Revision, st.Error)
		}
		if time.Now().After(deadline) {
			// A stuck article is a bug to find: show where every goroutine is.
			var dump strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&dump, 1)
			h.t.Fatalf("article %s still %s (%.0f%%, revision %d) after %v; goroutines:\n%s", id, st.Status, st.Progress*100, st.Revision, timeout, dump.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SampleHTML is the sample news page from the repository's testdata.
func SampleHTML(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "samples", "ngaynay-trieu-tien-nga.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// LongArticleHTML is a news page of about n bytes: the article anonymous
// load is measured and tested with.
func LongArticleHTML(n int) string {
	var b strings.Builder
	b.WriteString("<html><head><title>Bài rất dài</title></head><body><article><h1>Bài rất dài</h1>")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "<p>Đoạn %d: giá xăng tăng mạnh trong tuần qua, người dân lo lắng về chi phí đi lại hằng ngày.</p>", i)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// Snapshot returns every object in the store with its content, to prove
// that a rejected request changed nothing.
func Snapshot(t testing.TB, s storage.Store) map[string]string {
	t.Helper()
	infos, err := storage.ListAll(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, info := range infos {
		b, _, err := storage.GetBytes(context.Background(), s, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[info.Key] = string(b)
	}
	return out
}

// SameSnapshot reports the first key that differs between two snapshots.
func SameSnapshot(a, b map[string]string) (string, bool) {
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return k, false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return k, false
		}
	}
	return "", true
}
