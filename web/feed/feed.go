// Package feed renders Loa's podcast feeds: RSS 2.0 with the iTunes and
// Podcasting 2.0 namespaces, for every published article or one feed.
//
// The feeds are written for the strictest directories: stable item guids,
// enclosures with the real byte length and an immutable ASCII URL that
// changes with the audio, durations in seconds, RFC 2822 dates, a
// podcast:guid derived from the feed URL, transcripts, chapters, a
// synthetic-voice disclosure, and RFC 5005 paging for long archives.
package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
)

// ErrInvalidSettings reports channel settings a directory would refuse.
var ErrInvalidSettings = errors.New("invalid feed settings")

// Settings is the podcast channel metadata from the configuration. Zero
// values mean the defaults in the comments.
type Settings struct {
	Title       string // default "Loa"
	Description string // default: the title
	Link        string // the publisher's website; default: Loa's public URL
	Language    string // ISO 639 code, default "vi"
	// Artwork is the absolute http(s) URL of a square JPEG or PNG of
	// 1400–3000 px; default: Loa's own, served at /feeds/artwork-N.png.
	Artwork string
	// Category is an Apple Podcasts category, optionally with a
	// subcategory: "News" (default) or "News/Daily News".
	Category   string
	Explicit   bool
	Author     string // default: the publisher, else the title
	OwnerName  string // default: the publisher, else the title
	OwnerEmail string // needed by Apple to verify ownership; omitted when empty
	Copyright  string // omitted when empty
	Type       string // itunes:type, "episodic" (default) or "serial"
	PageSize   int    // newest items per page, default 100; older pages are linked (RFC 5005)
	Locked     bool   // podcast:locked: other hosts must refuse to import the feed
	Publisher  string
}

// DefaultPageSize is the number of items per feed page when Settings.PageSize is 0.
const DefaultPageSize = 100

var languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// withDefaults fills the zero values and checks what a directory checks.
func (s Settings) withDefaults() (Settings, error) {
	s.Title = cleanLine(s.Title)
	if s.Title == "" {
		s.Title = "Loa"
	}
	if cleanLine(s.Description) == "" {
		s.Description = s.Title
	}
	if s.Language == "" {
		s.Language = "vi"
	}
	if !languagePattern.MatchString(s.Language) {
		return s, fmt.Errorf("%w: language %q is not an ISO 639 code such as \"vi\"", ErrInvalidSettings, s.Language)
	}
	if s.Category == "" {
		s.Category = "News"
	}
	if _, _, err := splitCategory(s.Category); err != nil {
		return s, err
	}
	switch s.Type {
	case "":
		s.Type = "episodic"
	case "episodic", "serial":
	default:
		return s, fmt.Errorf("%w: type %q must be \"episodic\" or \"serial\"", ErrInvalidSettings, s.Type)
	}
	switch {
	case s.PageSize == 0:
		s.PageSize = DefaultPageSize
	case s.PageSize < 0:
		return s, fmt.Errorf("%w: page size %d must be positive", ErrInvalidSettings, s.PageSize)
	}
	if s.Artwork != "" {
		if err := checkHTTPURL("artwork", s.Artwork); err != nil {
			return s, err
		}
	}
	if s.Link != "" {
		if err := checkHTTPURL("link", s.Link); err != nil {
			return s, err
		}
	}
	if s.OwnerEmail != "" && (strings.ContainsAny(s.OwnerEmail, " <>\"") || !strings.Contains(s.OwnerEmail, "@")) {
		return s, fmt.Errorf("%w: owner e-mail %q is not an address", ErrInvalidSettings, s.OwnerEmail)
	}
	for _, who := range []*string{&s.Author, &s.OwnerName} {
		if cleanLine(*who) == "" {
			*who = s.Publisher
		}
		if cleanLine(*who) == "" {
			*who = s.Title
		}
	}
	return s, nil
}

func checkHTTPURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %s %q must be an absolute http(s) URL", ErrInvalidSettings, what, raw)
	}
	if !isASCII(raw) {
		return fmt.Errorf("%w: %s %q must be ASCII only (Apple Podcasts refuses other URLs)", ErrInvalidSettings, what, raw)
	}
	return nil
}

// Feeds serves /feeds/{name}.xml and Loa's default artwork.
type Feeds struct {
	settings              Settings
	category, subcategory string
	disclosure            string
	art                   artwork
	modified              modTracker
}

// New checks the settings and builds the feed handlers. Errors wrap
// ErrInvalidSettings.
func New(s Settings) (*Feeds, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	cat, sub, _ := splitCategory(s.Category)
	return &Feeds{
		settings:    s,
		category:    cat,
		subcategory: sub,
		disclosure:  disclosureFor(s.Language),
		modified:    modTracker{seen: map[string]seenBody{}},
	}, nil
}

// disclosureFor is the sentence that tells listeners, in the feed's
// language, that a machine reads the article.
func disclosureFor(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "vi") {
		return "Bài viết được đọc bằng giọng nói tổng hợp (máy đọc)."
	}
	return "This article is read by a synthetic voice."
}

// Published is what feeds read of the catalog.
type Published interface {
	PublishedPage(ctx context.Context, feed string, number, size int) (article.FeedPage, error)
}

// Helpers are what the feed handlers are given by whoever mounts them:
// the catalog, the externally visible base URL, the one place errors
// become HTTP answers, and the CORS middleware of public resources.
type Helpers struct {
	Articles Published
	BaseURL  func(c *gin.Context) string
	Error    func(c *gin.Context, err error)
	CORS     gin.HandlerFunc
}

// Register adds the feed routes: /feeds/{name}.xml (?page=N for older
// items) and the default artwork, all answering GET and HEAD.
func (f *Feeds) Register(r gin.IRouter, h Helpers) {
	serve := func(c *gin.Context) { f.serve(c, h) }
	r.GET("/feeds/:file", h.CORS, serve)
	r.HEAD("/feeds/:file", h.CORS, serve)
}

func (f *Feeds) serve(c *gin.Context, h Helpers) {
	file := c.Param("file")
	if file == artworkFile {
		f.serveArtwork(c, h)
		return
	}
	name, ok := strings.CutSuffix(file, ".xml")
	if !ok || (name != AllFeed && !article.ValidFeedName(name)) {
		h.Error(c, fmt.Errorf("%w: no feed at %s (feeds are /feeds/all.xml or /feeds/{feed}.xml)", article.ErrNotFound, c.Request.URL.Path))
		return
	}
	page := 1
	if q, given := c.GetQuery("page"); given {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			h.Error(c, fmt.Errorf("%w: page must be a positive number, not %q", article.ErrInvalidInput, q))
			return
		}
		page = n
	}
	fp, err := h.Articles.PublishedPage(c.Request.Context(), name, page, f.settings.PageSize)
	if err != nil {
		h.Error(c, fmt.Errorf("list published articles of feed %q: %w", name, err))
		return
	}
	if name != AllFeed && fp.Items == 0 {
		h.Error(c, fmt.Errorf("%w: feed %q has no published articles", article.ErrNotFound, name))
		return
	}
	var body bytes.Buffer
	body.Grow(2048 + 1536*len(fp.Articles))
	base := strings.TrimRight(h.BaseURL(c), "/")
	info, err := f.RenderPage(&body, Page{BaseURL: base, Name: name, Number: page}, fp)
	if err != nil {
		h.Error(c, err)
		return
	}
	sum := sha256.Sum256(body.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	modified := f.modified.at(base+"|"+name+"|"+strconv.Itoa(page), etag, info.Updated, time.Now())
	c.Header("Content-Type", ContentType)
	c.Header("Cache-Control", "public, max-age=60")
	c.Header("ETag", etag)
	c.Header("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match / If-Modified-Since with 304, HEAD
	// without a body and Range with 206, as Apple's checks expect.
	http.ServeContent(c.Writer, c.Request, "", modified, bytes.NewReader(body.Bytes()))
}

// ContentType is the media type feeds are served with.
const ContentType = "application/rss+xml; charset=utf-8"

// modTracker gives each rendering of a feed page a Last-Modified time. The
// newest article update alone is not enough: a deleted article or a page
// whose items shifted changes the feed without a newer update, and a stale
// 304 would hide that from podcast apps. So a body first seen now is
// modified now; an unchanged body keeps the time it was first seen.
type modTracker struct {
	mu   sync.Mutex
	seen map[string]seenBody
}

type seenBody struct {
	etag string
	at   time.Time
}

// maxTracked bounds the tracker; when the base URL comes from the request's
// Host header, clients choose the keys.
const maxTracked = 4096

func (t *modTracker) at(key, etag string, updated, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.seen[key]
	if !ok || s.etag != etag {
		if len(t.seen) >= maxTracked {
			clear(t.seen)
		}
		at := now.UTC().Truncate(time.Second)
		if ok && !at.After(s.at) {
			// HTTP dates count whole seconds: a body replaced within the
			// second it appeared must still look newer.
			at = s.at.Add(time.Second)
		}
		s = seenBody{etag: etag, at: at}
		t.seen[key] = s
	}
	if updated.After(s.at) {
		return updated
	}
	return s.at
}
