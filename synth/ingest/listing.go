// Package ingest follows a publisher's own feeds and sitemaps: it reads what
// they list, decides which items are new or wanted, and polls each source
// politely (conditional GET, one request at a time per host, backing off when
// the site fails or asks to wait). It knows nothing of HTTP serving or of how
// articles are stored: callers turn the items it finds into articles.
package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/loa-audio/loa/synth/pageurl"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Kind names what a source's URL serves.
type Kind string

const (
	KindRSS          Kind = "rss"
	KindAtom         Kind = "atom"
	KindJSONFeed     Kind = "json"
	KindSitemap      Kind = "sitemap"
	KindSitemapIndex Kind = "sitemapindex"
)

// Item is one article a source lists.
type Item struct {
	URL       string    // absolute, as listed (before redirects)
	GUID      string    // the feed's id for the item; the URL when it has none
	Title     string    // may be empty (sitemaps without news tags)
	Published time.Time // zero when the source gives no date
	// Content is the item's full HTML when the feed carries it
	// (content:encoded, Atom content, JSON Feed content_html); callers decide
	// whether it holds the whole article or only a teaser.
	Content string
}

// Listing is what one fetch of a source yielded.
type Listing struct {
	Kind     Kind
	Items    []Item   // newest first; undated items keep the source's order after dated ones
	Sitemaps []string // child sitemaps of a sitemap index, newest first
}

// ErrNotAFeed means the body is neither a feed nor a sitemap.
var ErrNotAFeed = errors.New("not an RSS, Atom or JSON feed, nor a sitemap")

// Parse reads a feed (RSS 2.0, Atom, JSON Feed) or a sitemap (urlset or
// sitemap index). base resolves relative links.
func Parse(body []byte, base *url.URL) (Listing, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return Listing{}, fmt.Errorf("%w: the body is empty", ErrNotAFeed)
	}
	if kind, ok := sitemapKind(trimmed); ok {
		return parseSitemap(trimmed, kind, base)
	}
	switch gofeed.DetectFeedType(bytes.NewReader(trimmed)) {
	case gofeed.FeedTypeRSS, gofeed.FeedTypeAtom, gofeed.FeedTypeJSON:
	default:
		return Listing{}, ErrNotAFeed
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(trimmed))
	if err != nil {
		return Listing{}, fmt.Errorf("%w: %v", ErrNotAFeed, err)
	}
	out := Listing{Kind: Kind(feed.FeedType)}
	for _, it := range feed.Items {
		link := resolve(base, firstNonEmpty(it.Link, firstOf(it.Links)))
		if link == "" {
			continue
		}
		item := Item{
			URL:     link,
			GUID:    firstNonEmpty(strings.TrimSpace(it.GUID), link),
			Title:   strings.TrimSpace(it.Title),
			Content: it.Content,
		}
		if it.PublishedParsed != nil {
			item.Published = it.PublishedParsed.UTC()
		} else if it.UpdatedParsed != nil {
			item.Published = it.UpdatedParsed.UTC()
		}
		out.Items = append(out.Items, item)
	}
	newestFirst(out.Items)
	return out, nil
}

// sitemapKind looks at the root element only, so a feed is never mistaken
// for a sitemap whatever it contains.
func sitemapKind(body []byte) (Kind, bool) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "urlset":
				return KindSitemap, true
			case "sitemapindex":
				return KindSitemapIndex, true
			}
			return "", false
		}
	}
}

// The sitemap protocol (sitemaps.org) with Google's news extension.
type sitemapDoc struct {
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			Title           string `xml:"title"`
			PublicationDate string `xml:"publication_date"`
		} `xml:"news"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

func parseSitemap(body []byte, kind Kind, base *url.URL) (Listing, error) {
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		return Listing{}, fmt.Errorf("%w: sitemap: %v", ErrNotAFeed, err)
	}
	out := Listing{Kind: kind}
	if kind == KindSitemapIndex {
		type child struct {
			loc string
			mod time.Time
		}
		var children []child
		for _, s := range doc.Sitemaps {
			if loc := resolve(base, s.Loc); loc != "" {
				children = append(children, child{loc, parseW3CDate(s.LastMod)})
			}
		}
		slices.SortStableFunc(children, func(a, b child) int { return b.mod.Compare(a.mod) })
		for _, c := range children {
			out.Sitemaps = append(out.Sitemaps, c.loc)
		}
		return out, nil
	}
	for _, u := range doc.URLs {
		loc := resolve(base, u.Loc)
		if loc == "" {
			continue
		}
		published := parseW3CDate(u.News.PublicationDate)
		if published.IsZero() {
			published = parseW3CDate(u.LastMod)
		}
		out.Items = append(out.Items, Item{URL: loc, GUID: loc, Title: strings.TrimSpace(u.News.Title), Published: published})
	}
	newestFirst(out.Items)
	return out, nil
}

// parseW3CDate reads the date forms sitemaps use (W3C Datetime, a profile of
// ISO 8601); zero when unreadable.
func parseW3CDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// newestFirst orders dated items newest first and keeps undated ones, in
// the source's order, after them: feeds list newest first by convention,
// so the source's order is the best guess for undated items.
func newestFirst(items []Item) {
	slices.SortStableFunc(items, func(a, b Item) int {
		switch {
		case a.Published.IsZero() && b.Published.IsZero():
			return 0
		case a.Published.IsZero():
			return 1
		case b.Published.IsZero():
			return -1
		}
		return b.Published.Compare(a.Published)
	})
}

// resolve makes link absolute against base and keeps only http(s) URLs.
func resolve(base *url.URL, link string) string { return pageurl.Resolve(base, link) }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
