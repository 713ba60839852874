// Package web holds what Loa shows people: the embeddable player (JS and
// CSS, embedded in the binary), the demo article page, the embed page, the
// editor dashboard and the podcast feeds.
package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/web/feed"
)

//go:embed assets templates
var files embed.FS

// FeedSettings is the podcast channel metadata from the configuration.
type FeedSettings = feed.Settings

// Config configures the pages. Zero values mean the defaults in the comments.
type Config struct {
	Feeds     FeedSettings
	PublicURL string
	// SiteName names the publisher on the demo page and on lock screens
	// (Media Session "artist"); default Feeds.Publisher, else "Loa".
	SiteName string
	// ArtworkURL is the image lock screens show while the player plays;
	// default Feeds.Artwork, else Loa's own mark.
	ArtworkURL string
}

// Articles is what the pages read of the catalog.
type Articles interface {
	Manifest(ctx context.Context, id string) (article.Manifest, error)
	ManifestByURL(ctx context.Context, pageURL string) (article.Manifest, error)
	ArticlePage(ctx context.Context, id string) (text.Page, error)
	feed.Published
}

// Helpers are what the page handlers are given by whoever mounts them
// (cmd/loa, on the API's router): the catalog, the externally visible base
// URL, the one place errors become HTTP answers, and the CORS middleware
// of public resources.
type Helpers struct {
	Articles Articles
	BaseURL  func(c *gin.Context) string
	Error    func(c *gin.Context, err error)
	// Status is the HTTP status Error answers err with: pages answer a
	// browser's 404 with a page of their own instead.
	Status func(err error) int
	CORS   gin.HandlerFunc
}

// Site renders Loa's pages.
type Site struct {
	cfg       Config
	feeds     *feed.Feeds
	tmpl      *template.Template
	assets    map[string]asset
	playerURL string
}

type asset struct {
	body  []byte
	gzip  []byte // nil when compression does not pay
	ctype string
	hash  string
}

// The player script is assembled from three sources so that its markup and
// styles live in one place each: player.html is also the server-rendered
// skeleton of Loa's own pages, and player.css is also linked by them.
const (
	cssPlaceholder     = `"__LOA_CSS__"`
	cssPathPlaceholder = `"__LOA_CSS_PATH__"`
	htmlPlaceholder    = `"__LOA_HTML__"`
)

// New parses the templates and fingerprints the assets.
func New(cfg Config) (*Site, error) {
	feeds, err := feed.New(cfg.Feeds)
	if err != nil {
		return nil, err
	}
	if cfg.SiteName == "" {
		cfg.SiteName = cfg.Feeds.Publisher
	}
	if cfg.SiteName == "" {
		cfg.SiteName = "Loa"
	}
	if cfg.ArtworkURL == "" {
		cfg.ArtworkURL = cfg.Feeds.Artwork
	}
	s := &Site{cfg: cfg, feeds: feeds, assets: map[string]asset{}}
	raw := map[string][]byte{}
	err = fs.WalkDir(files, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		raw[strings.TrimPrefix(path, "assets/")] = body
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load web assets: %w", err)
	}
	for _, need := range []string{"player.js", "player.css", "player.html"} {
		if raw[need] == nil {
			return nil, fmt.Errorf("load web assets: %s is missing", need)
		}
	}
	raw["player.css"] = minifyCSS(raw["player.css"])
	for name, body := range raw {
		if name == "player.js" || name == "player.html" {
			continue
		}
		s.addAsset(name, body)
	}
	js, err := assemblePlayer(raw["player.js"], raw["player.css"], raw["player.html"], s.assetURL("player.css"))
	if err != nil {
		return nil, err
	}
	s.addAsset("player.js", js)
	s.playerURL = s.assetURL("player.js")
	skeleton := template.HTML(raw["player.html"]) // Loa's own embedded markup, not user input
	s.tmpl, err = template.New("").Funcs(template.FuncMap{
		"asset":          s.assetURL,
		"playerSkeleton": func() template.HTML { return skeleton },
		"duration":       formatDuration,
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return s, nil
}

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
}

func (s *Site) addAsset(name string, body []byte) {
	sum := sha256.Sum256(body)
	a := asset{body: body, ctype: assetTypes[name[strings.LastIndex(name, "."):]], hash: hex.EncodeToString(sum[:])[:12]}
	if z := gzipBytes(body); len(z) < len(body)*9/10 {
		a.gzip = z
	}
	s.assets[name] = a
}

func (s *Site) assetURL(name string) string { return "/static/" + s.assets[name].hash + "/" + name }

func assemblePlayer(js, css, markup []byte, cssPath string) ([]byte, error) {
	quote := func(b []byte) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(true) // "</script>" can never appear in the output
		_ = enc.Encode(string(b))
		return bytes.TrimSpace(buf.Bytes())
	}
	for _, p := range []string{cssPlaceholder, cssPathPlaceholder, htmlPlaceholder} {
		if bytes.Count(js, []byte(p)) != 1 {
			return nil, fmt.Errorf("assemble player.js: placeholder %s must appear exactly once", p)
		}
	}
	js = bytes.Replace(js, []byte(cssPlaceholder), quote(css), 1)
	js = bytes.Replace(js, []byte(cssPathPlaceholder), quote([]byte(cssPath)), 1)
	js = bytes.Replace(js, []byte(htmlPlaceholder), quote(bytes.TrimSpace(markup)), 1)
	return js, nil
}

var (
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssSpace   = regexp.MustCompile(`\s+`)
	cssPunct   = regexp.MustCompile(`\s*([{};,>])\s*`)
)

// minifyCSS drops comments and needless white space; the player's budget
// is counted in gzipped bytes and every host page pays it.
func minifyCSS(b []byte) []byte {
	b = cssComment.ReplaceAll(b, nil)
	b = cssSpace.ReplaceAll(b, []byte(" "))
	b = cssPunct.ReplaceAll(b, []byte("$1"))
	return bytes.TrimSpace(b)
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func formatDuration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	if d >= time.Hour {
		return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// PlayerURL is the versioned URL of player.js.
func (s *Site) PlayerURL() string { return s.playerURL }

// PlayerSize reports the bytes of the assembled player (script with its
// styles and markup inside) as served, uncompressed and gzipped.
func (s *Site) PlayerSize() (raw, gzipped int) {
	a := s.assets["player.js"]
	return len(a.body), len(gzipBytes(a.body))
}

// Register adds the pages to the router.
func (s *Site) Register(r gin.IRouter, h Helpers) {
	r.GET("/player.js", h.CORS, s.playerScript)
	r.GET("/player/info.json", h.CORS, func(c *gin.Context) { s.playerInfoByURL(c, h) })
	r.GET("/static/:hash/:name", h.CORS, s.static)
	r.GET("/articles/:id", h.CORS, func(c *gin.Context) { s.article(c, h) })
	r.GET("/embed/:id", func(c *gin.Context) { s.embed(c, h) })
	r.GET("/admin", func(c *gin.Context) { s.admin(c, "admin.html", "") })
	r.GET("/admin/articles/:id", func(c *gin.Context) { s.admin(c, "admin_article.html", c.Param("id")) })
	r.GET("/admin/signin", s.adminSignIn)
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/admin") })
	s.feeds.Register(r, feed.Helpers{Articles: h.Articles, BaseURL: h.BaseURL, Error: h.Error, CORS: h.CORS})
}

// playerScript serves the stable URL host pages include; it is cached
// briefly, while the versioned /static/ URL is cached forever.
func (s *Site) playerScript(c *gin.Context) {
	a := s.assets["player.js"]
	c.Header("Cache-Control", "public, max-age=300")
	if match := c.GetHeader("If-None-Match"); match == `"`+a.hash+`"` {
		c.Header("ETag", `"`+a.hash+`"`)
		c.Status(http.StatusNotModified)
		return
	}
	serveAsset(c, a)
}

func (s *Site) static(c *gin.Context) {
	a, ok := s.assets[c.Param("name")]
	if !ok || a.hash != c.Param("hash") {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such asset"})
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	serveAsset(c, a)
}

func serveAsset(c *gin.Context, a asset) {
	c.Header("ETag", `"`+a.hash+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Writer.Header().Add("Vary", "Accept-Encoding")
	if a.gzip != nil && acceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.Header("Content-Encoding", "gzip")
		c.Data(http.StatusOK, a.ctype, a.gzip)
		return
	}
	c.Data(http.StatusOK, a.ctype, a.body)
}

func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}

// PlayerInfo is what the player fetches about an article
// (/articles/{id}.json). It names immutable URLs, so a listener never mixes
// the audio of one version with the timings of another.
type PlayerInfo struct {
	ID             string         `json:"id"`
	Status         article.Status `json:"status"`
	Title          string         `json:"title"`
	Version        string         `json:"version,omitempty"`
	DurationMS     int64          `json:"duration_ms"`
	AudioURL       string         `json:"audio_url,omitempty"`
	TimingsURL     string         `json:"timings_url,omitempty"`
	TranscriptURL  string         `json:"transcript_url,omitempty"`
	ProgressiveURL string         `json:"progressive_url,omitempty"`
	Progress       float64        `json:"progress"`
	Site           string         `json:"site"`              // Media Session "artist"
	Artwork        string         `json:"artwork,omitempty"` // Media Session artwork
	ArtworkType    string         `json:"artwork_type,omitempty"`
}

func (s *Site) playerInfo(c *gin.Context, h Helpers, m article.Manifest) PlayerInfo {
	base := h.BaseURL(c)
	info := PlayerInfo{ID: m.ID, Status: m.Status, Title: m.Title, Progress: m.Progress(), Site: s.cfg.SiteName}
	info.Artwork, info.ArtworkType = s.cfg.ArtworkURL, ""
	if info.Artwork == "" {
		info.Artwork, info.ArtworkType = base+s.assetURL("artwork.svg"), "image/svg+xml"
	}
	// A version that failed the podcast checks is kept out of the player as
	// well, so the page and the feeds never disagree about what exists.
	if v := m.Current; v != nil && v.Preflight == "" {
		info.Version, info.DurationMS = v.ID, v.DurationMS
		info.AudioURL = base + "/" + v.AudioKey
		info.TimingsURL = base + "/" + v.TimingsKey
		info.TranscriptURL = base + "/" + v.VTTKey
	}
	if (m.Status == article.StatusQueued || m.Status == article.StatusSynthesizing) && m.ID != "" {
		info.ProgressiveURL = base + "/audio/" + m.ID + ".mp3?progressive=1"
	}
	return info
}

// servePlayerInfo answers the player with what it needs about m.
func (s *Site) servePlayerInfo(c *gin.Context, h Helpers, m article.Manifest, err error) {
	if err != nil {
		h.Error(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	status := http.StatusOK
	if m.ID == "" {
		status = http.StatusAccepted // a page fetched on demand, no article yet
	}
	c.JSON(status, s.playerInfo(c, h, m))
}

// playerInfoByURL is the player's information about the article published
// at a page (/player/info.json?url=…), for players that name no article:
// the page's canonical URL finds it. 404 when none is there; on an origin
// listed for on-demand, 202 {"status":"queued"} (no id yet) while the page
// is fetched, and 429 with Retry-After when the origin's budget is spent.
func (s *Site) playerInfoByURL(c *gin.Context, h Helpers) {
	m, err := h.Articles.ManifestByURL(c.Request.Context(), c.Query("url"))
	s.servePlayerInfo(c, h, m, err)
}

// playable says whether the demo page should carry a player at all: a
// version to play now, or one being made. Failed articles without audio get
// none (the script would hide it anyway; this spares the flash).
func playable(m article.Manifest) bool {
	if m.Current != nil && m.Current.Preflight == "" {
		return true
	}
	return m.Status == article.StatusQueued || m.Status == article.StatusSynthesizing
}

func (s *Site) article(c *gin.Context, h Helpers) {
	id := c.Param("id")
	if strings.HasSuffix(id, ".json") {
		m, err := h.Articles.Manifest(c.Request.Context(), strings.TrimSuffix(id, ".json"))
		s.servePlayerInfo(c, h, m, err)
		return
	}
	m, err := h.Articles.Manifest(c.Request.Context(), id)
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	page, err := h.Articles.ArticlePage(c.Request.Context(), id)
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	s.render(c, http.StatusOK, "article.html", pageCSP, map[string]any{
		"Manifest":  m,
		"Doc":       page.Doc,
		"Truncated": page.Truncated,
		"Playable":  playable(m),
		"Site":      s.cfg.SiteName,
		"PlayerURL": s.playerURL,
	})
}

func (s *Site) embed(c *gin.Context, h Helpers) {
	m, err := h.Articles.Manifest(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	lang := "vi"
	if l := c.Query("lang"); l == "en" {
		lang = l
	}
	c.Header("Cache-Control", "no-cache")
	s.render(c, http.StatusOK, "embed.html", embedCSP, map[string]any{
		"Manifest": m, "Playable": playable(m), "Lang": lang, "PlayerURL": s.playerURL,
	})
}

// admin renders the dashboard's shell. It holds no article data: the page's
// script asks the API with the editor's token, which lives in
// sessionStorage and never in a cookie, so these pages need no auth here.
func (s *Site) admin(c *gin.Context, page, id string) {
	if id != "" {
		if err := article.ValidateID(id); err != nil {
			s.render(c, http.StatusNotFound, "error.html", pageCSP, map[string]any{"Status": http.StatusNotFound, "Message": err.Error()})
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, page, adminCSP, map[string]any{"ID": id, "PlayerURL": s.playerURL})
}

// adminSignIn is the form that posts the admin token to the API, which
// answers with a session cookie for the jobs view (/admin/jobs).
func (s *Site) adminSignIn(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "admin_signin.html", adminCSP, map[string]any{"Failed": c.Query("failed") != ""})
}

// Content-Security-Policies of Loa's own pages: no inline script or style
// anywhere. Audio may come from the store's presigned URLs, hence media-src.
const (
	pageCSP  = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src 'self' https: http:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
	embedCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; media-src 'self' https: http:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
	adminCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' https: http:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

func (s *Site) render(c *gin.Context, status int, name, csp string, data any) {
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "render " + name + ": " + err.Error()})
		return
	}
	c.Header("Content-Security-Policy", csp)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}

// errorPage answers a page request that names no article with an HTML
// page; other failures keep the API's JSON error and status.
func (s *Site) errorPage(c *gin.Context, h Helpers, err error) {
	notFound := h.Status(err) == http.StatusNotFound || errors.Is(err, article.ErrInvalidInput)
	if !notFound || !strings.Contains(c.GetHeader("Accept"), "text/html") {
		h.Error(c, err)
		return
	}
	s.render(c, http.StatusNotFound, "error.html", pageCSP, map[string]any{"Status": http.StatusNotFound, "Message": "Không tìm thấy bài viết này."})
}
