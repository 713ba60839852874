// Package api is Loa's HTTP layer: gin handlers that bind a request, call
// the article service and write the answer. Errors become status codes in
// one place (errors.go).
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// Editor is what the editors' endpoints change articles with.
type Editor interface {
	Create(ctx context.Context, sub article.Submission) (article.State, bool, error)
	Update(ctx context.Context, id string, sub article.Submission) (article.State, bool, error)
	Delete(ctx context.Context, id string) error
	Resynthesize(ctx context.Context, id, voice string) (article.State, error)
	Preview(ctx context.Context, sub article.Submission) (synth.PreviewResult, error)
}

// Catalog is what the API reads of stored articles.
type Catalog interface {
	Get(ctx context.Context, id string) (article.State, error)
	Manifest(ctx context.Context, id string) (article.Manifest, error)
	List(ctx context.Context, f article.ListFilter) (article.ListResult, error)
	Subscribe(id string) (<-chan article.Manifest, func())
	Voices(ctx context.Context) []tts.VoiceStatus
}

// Playback is what players fetch and report: audio, the parts of an
// article still being made, listen counts.
type Playback interface {
	Plan(ctx context.Context, id string) (article.Plan, error)
	SegmentReady(ctx context.Context, hash string) (bool, error)
	Silence(d time.Duration) ([]byte, error)
	// OpenVersion opens a file of a version ("mp3", "json", "vtt",
	// "chapters.json"); VersionURL is a direct URL of one from the store
	// ("" when it gives none); OpenSegment opens a planned segment.
	OpenVersion(ctx context.Context, id, version, file string) (io.ReadSeekCloser, storage.Info, error)
	VersionURL(ctx context.Context, id, version, file string, ttl time.Duration) (string, error)
	OpenSegment(ctx context.Context, hash string) (io.ReadCloser, error)
	ListenEvent(ctx context.Context, id, event string) error
	Listens(ctx context.Context, id string) (map[string]int, error)
}

// Lexicon is the editors' pronunciation rules.
type Lexicon interface {
	Lexicon(ctx context.Context, feed string) (synth.Lexicon, error)
	AddRule(ctx context.Context, r text.Rule) (text.Rule, synth.Lexicon, error)
	UpdateRule(ctx context.Context, id string, r text.Rule) (text.Rule, synth.Lexicon, error)
	DeleteRule(ctx context.Context, id string) (synth.Lexicon, error)
	RuleTouches(ctx context.Context, r text.Rule, limit int) ([]article.RuleTouch, error)
}

// Pages adds Loa's own HTML pages and assets (package web, wired by
// cmd/loa) to the router: player assets, demo and embed pages, dashboard
// and feeds. The API's facilities they reuse are passed in.
type Pages func(r gin.IRouter, h PageHelpers)

// PageHelpers are API facilities that page handlers reuse.
type PageHelpers struct {
	BaseURL func(c *gin.Context) string
	Error   func(c *gin.Context, err error)
	// Status is the status Error answers err with.
	Status func(err error) int
	CORS   gin.HandlerFunc
}

// Deps configures the HTTP layer.
type Deps struct {
	Editor   Editor
	Catalog  Catalog
	Playback Playback
	Lexicon  Lexicon
	Pages    Pages // nil: no HTML pages (API-only tests)
	Tokens   *Tokens
	// PublicURL is the externally visible base URL (https://audio.example.vn);
	// empty means "derive it from each request's Host".
	PublicURL   string
	CORSOrigins []string // origins allowed to read public resources; empty = any
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For/-Proto/-Host headers are believed; none by default.
	TrustedProxies []netip.Prefix
	MaxBody        int64 // default 2 MB
	Presign        time.Duration
	Ready          func(ctx context.Context) error
	Registry       *prometheus.Registry
	Webhooks       Webhooks // nil: no webhook endpoints
	Sources        Sources  // nil: no source endpoints
	// Jobs is the operators' view of the job queue, served under
	// /admin/jobs to admins only; nil: not served (no admin token).
	Jobs http.Handler
	// AdminSession is how long an admin's browser stays signed in to
	// the jobs view; default DefaultAdminSession.
	AdminSession time.Duration
	Logger       *slog.Logger
	// Stop is closed when the server shuts down: event streams and
	// progressive audio end, so that shutdown need not wait for them.
	Stop <-chan struct{}
}

type server struct {
	Deps
	metrics      *httpMetrics
	authFails    *keyedLimiters // by client
	playerEvents *keyedLimiters // by client and article
	ready        readyCache
	csrf         *http.CrossOriginProtection
}

// New builds the HTTP handler.
func New(d Deps) *gin.Engine {
	if d.MaxBody <= 0 {
		d.MaxBody = 2 << 20
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.AdminSession <= 0 {
		d.AdminSession = DefaultAdminSession
	}
	s := &server{Deps: d, metrics: newHTTPMetrics(d.Registry),
		authFails: newKeyedLimiters(authFailEvery, authFailBurst), playerEvents: newKeyedLimiters(listenEvery, listenBurst),
		csrf: http.NewCrossOriginProtection()}
	if u, err := url.Parse(d.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy the Host header may not be the public one.
		_ = s.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// ClientIP (rate limits) reads X-Forwarded-For only from trusted proxies.
	_ = r.SetTrustedProxies(trustedProxyList(d.TrustedProxies))
	r.ContextWithFallback = true
	r.Use(nosniff, s.requestID, s.recover, s.logRequests)
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, errorBody{Error: "no such endpoint: " + c.Request.Method + " " + c.Request.URL.Path})
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, errorBody{Error: "method " + c.Request.Method + " not allowed on " + c.Request.URL.Path})
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry})))

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.json", s.openAPI)
	ed := v1.Group("", s.requireEditor)
	ed.POST("/articles", s.createArticle)
	ed.GET("/articles", s.listArticles)
	ed.GET("/articles/:id", s.getArticle)
	ed.PUT("/articles/:id", s.updateArticle)
	ed.DELETE("/articles/:id", s.deleteArticle)
	ed.POST("/articles/:id/resynthesize", s.resynthesize)
	ed.GET("/articles/:id/preview", s.previewArticle)
	ed.GET("/articles/:id/listens", s.listens)
	v1.GET("/articles/:id/events", s.requireEditorOrQueryToken, s.articleEvents)
	v1.GET("/events", s.requireEditorOrQueryToken, s.allEvents)
	ed.POST("/preview", s.preview)
	ed.GET("/voices", s.voices)
	ed.GET("/lexicon", s.getLexicon)
	ed.POST("/lexicon", s.addRule)
	ed.POST("/lexicon/touches", s.ruleTouches)
	ed.PUT("/lexicon/:rule", s.updateRule)
	ed.DELETE("/lexicon/:rule", s.deleteRule)
	if d.Webhooks != nil {
		ed.GET("/webhooks", s.listWebhooks)
		ed.POST("/webhooks", s.addWebhook)
		ed.DELETE("/webhooks/:hook", s.deleteWebhook)
		ed.GET("/webhooks/deliveries", s.webhookDeliveries)
	}
	if d.Sources != nil {
		ed.GET("/sources", s.listSources)
		ed.POST("/sources", s.createSource)
		ed.GET("/sources/:source", s.getSource)
		ed.PUT("/sources/:source", s.updateSource)
		ed.DELETE("/sources/:source", s.deleteSource)
	}
	ad := v1.Group("", s.requireAdmin)
	ad.GET("/tokens", s.listTokens)
	ad.POST("/tokens", s.createToken)
	ad.DELETE("/tokens/:token", s.revokeToken)
	if d.Jobs != nil {
		// Read-only: a job cancelled or deleted behind Loa's back would
		// leave its article queued for ever; editors act through the API.
		jobs := gin.WrapH(d.Jobs)
		for _, path := range []string{"/admin/jobs", "/admin/jobs/*path"} {
			r.GET(path, s.requireAdminSession, jobs)
			r.HEAD(path, s.requireAdminSession, jobs)
		}
	}
	r.POST("/admin/signin", s.sameOrigin, s.adminSignIn)
	r.POST("/admin/signout", s.sameOrigin, s.adminSignOut)

	pub := r.Group("", s.cors)
	pub.GET("/audio/:id", s.audio)
	pub.HEAD("/audio/:id", s.audio)
	pub.GET("/audio/:id/:file", s.versioned)
	pub.HEAD("/audio/:id/:file", s.versioned)
	pub.OPTIONS("/audio/:id", s.preflightCORS)
	pub.OPTIONS("/audio/:id/:file", s.preflightCORS)
	pub.POST("/events", s.playerEvent)
	pub.OPTIONS("/events", s.preflightCORS)

	if d.Pages != nil {
		d.Pages(r, PageHelpers{BaseURL: s.baseURL, Error: respondErr, Status: statusOf, CORS: s.cors})
	}
	return r
}

const requestIDKey = "request_id"

// nosniff keeps browsers from guessing a type other than the one sent, on
// every response (an uploaded text must never run as a script).
func nosniff(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func (s *server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.Logger.ErrorContext(c.Request.Context(), "handler panic", "panic", v, "path", c.Request.URL.Path, "request_id", c.GetString(requestIDKey))
			if !c.Writer.Written() {
				c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error: "internal error (request " + c.GetString(requestIDKey) + ")"})
			}
		}
	}()
	c.Next()
}

func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.observe(c.Request.Method, route, status, time.Since(start))
	if route == "/audio/:id" || route == "/audio/:id/:file" || route == "/metrics" || route == "/healthz" {
		return // hot paths: counted, not logged
	}
	s.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "http",
		slog.String("method", c.Request.Method), slog.String("route", route), slog.Int("status", status),
		slog.Duration("took", time.Since(start)), slog.String("request_id", c.GetString(requestIDKey)))
}

func (s *server) readyz(c *gin.Context) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
		defer cancel()
		if err := s.ready.check(ctx, s.Ready); err != nil {
			c.JSON(http.StatusServiceUnavailable, errorBody{Error: "not ready: " + err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// baseURL is the externally visible root, without a trailing slash.
func (s *server) baseURL(c *gin.Context) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme, host := "http", c.Request.Host
	if c.Request.TLS != nil {
		scheme = "https"
	}
	if s.fromTrustedProxy(c) {
		if p := forwarded(c, "X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := forwarded(c, "X-Forwarded-Host"); validHost(h) {
			host = h
		}
	}
	return scheme + "://" + host
}
