// Package web holds what Loa shows people: the embeddable player (JS and
// CSS, embedded in the binary), the demo article page, the embed page, the
// editor dashboard and the podcast feeds.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/web/feed"
)

//go:embed assets templates
var files embed.FS

// FeedSettings is the podcast channel metadata from the configuration.
type FeedSettings = feed.Settings

// Config configures the pages.
type Config struct {
	Feeds     FeedSettings
	PublicURL string
}

// Site renders Loa's pages; it implements api.Pages.
type Site struct {
	cfg       Config
	feeds     *feed.Feeds
	tmpl      *template.Template
	assets    map[string]asset
	playerURL string
}

type asset struct {
	body  []byte
	ctype string
	hash  string
}

// New parses the templates and fingerprints the assets.
func New(cfg Config) (*Site, error) {
	feeds, err := feed.New(cfg.Feeds)
	if err != nil {
		return nil, err
	}
	s := &Site{cfg: cfg, feeds: feeds, assets: map[string]asset{}}
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
	err = fs.WalkDir(files, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, "assets/")
		ext := name[strings.LastIndex(name, "."):]
		sum := sha256.Sum256(body)
		s.assets[name] = asset{body: body, ctype: types[ext], hash: hex.EncodeToString(sum[:])[:12]}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load web assets: %w", err)
	}
	s.playerURL = "/static/" + s.assets["player.js"].hash + "/player.js"
	s.tmpl, err = template.New("").Funcs(template.FuncMap{
		"asset": func(name string) string { return "/static/" + s.assets[name].hash + "/" + name },
		"duration": func(ms int64) string {
			d := time.Duration(ms) * time.Millisecond
			return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
		},
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return s, nil
}

// PlayerURL is the versioned URL of player.js.
func (s *Site) PlayerURL() string { return s.playerURL }

// Register adds the pages to the router.
func (s *Site) Register(r gin.IRouter, h api.PageHelpers) {
	r.GET("/player.js", h.CORS, s.playerScript)
	r.GET("/static/:hash/:name", h.CORS, s.static)
	r.GET("/articles/:id", h.CORS, func(c *gin.Context) { s.article(c, h) })
	r.GET("/embed/:id", func(c *gin.Context) { s.embed(c, h) })
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/admin") })
	s.feeds.Register(r, h)
}

// playerScript serves the stable URL host pages include; it is cached
// briefly, while the versioned /static/ URL is cached forever.
func (s *Site) playerScript(c *gin.Context) {
	a := s.assets["player.js"]
	c.Header("Cache-Control", "public, max-age=300")
	c.Header("ETag", `"`+a.hash+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	if match := c.GetHeader("If-None-Match"); match == `"`+a.hash+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.ctype, a.body)
}

func (s *Site) static(c *gin.Context) {
	a, ok := s.assets[c.Param("name")]
	if !ok || a.hash != c.Param("hash") {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such asset"})
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, a.ctype, a.body)
}

// PlayerInfo is what the player fetches about an article
// (/articles/{id}.json). It names immutable URLs, so a listener never mixes
// the audio of one version with the timings of another.
type PlayerInfo struct {
	ID             string       `json:"id"`
	Status         synth.Status `json:"status"`
	Title          string       `json:"title"`
	Version        string       `json:"version,omitempty"`
	DurationMS     int64        `json:"duration_ms"`
	AudioURL       string       `json:"audio_url,omitempty"`
	TimingsURL     string       `json:"timings_url,omitempty"`
	TranscriptURL  string       `json:"transcript_url,omitempty"`
	ProgressiveURL string       `json:"progressive_url,omitempty"`
	Progress       float64      `json:"progress"`
}

func (s *Site) playerInfo(c *gin.Context, h api.PageHelpers, id string) (PlayerInfo, error) {
	m, err := h.Articles.Manifest(c.Request.Context(), id)
	if err != nil {
		return PlayerInfo{}, err
	}
	base := h.BaseURL(c)
	info := PlayerInfo{ID: m.ID, Status: m.Status, Title: m.Title, Progress: m.Progress()}
	if v := m.Current; v != nil && v.Preflight == "" {
		info.Version, info.DurationMS = v.ID, v.DurationMS
		info.AudioURL = base + "/" + v.AudioKey
		info.TimingsURL = base + "/" + v.TimingsKey
		info.TranscriptURL = base + "/" + v.VTTKey
	}
	if m.Status == synth.StatusQueued || m.Status == synth.StatusSynthesizing {
		info.ProgressiveURL = base + "/audio/" + m.ID + ".mp3?progressive=1"
	}
	return info, nil
}

func (s *Site) article(c *gin.Context, h api.PageHelpers) {
	id := c.Param("id")
	if strings.HasSuffix(id, ".json") {
		info, err := s.playerInfo(c, h, strings.TrimSuffix(id, ".json"))
		if err != nil {
			h.Error(c, err)
			return
		}
		c.Header("Cache-Control", "no-cache")
		c.JSON(http.StatusOK, info)
		return
	}
	m, err := h.Articles.Manifest(c.Request.Context(), id)
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	doc, err := h.Articles.Document(c.Request.Context(), id)
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	s.render(c, "article.html", map[string]any{
		"Manifest":  m,
		"Doc":       doc,
		"PlayerURL": s.playerURL,
		"Base":      h.BaseURL(c),
	})
}

func (s *Site) embed(c *gin.Context, h api.PageHelpers) {
	m, err := h.Articles.Manifest(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.errorPage(c, h, err)
		return
	}
	// The embed page is meant to be framed by publishers' pages.
	c.Header("Content-Security-Policy", "default-src 'self'; media-src 'self' blob: data: *; img-src 'self' data:; frame-ancestors *")
	s.render(c, "embed.html", map[string]any{"Manifest": m, "PlayerURL": s.playerURL, "Base": h.BaseURL(c)})
}

func (s *Site) render(c *gin.Context, name string, data any) {
	if c.Writer.Header().Get("Content-Security-Policy") == "" {
		c.Header("Content-Security-Policy", "default-src 'self'; media-src 'self' blob: data: *; img-src 'self' data: https:; style-src 'self'; script-src 'self'; frame-ancestors 'self'")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "strict-origin-when-cross-origin")
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "render " + name + ": " + err.Error()})
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
}

func (s *Site) errorPage(c *gin.Context, h api.PageHelpers, err error) {
	h.Error(c, err)
}
