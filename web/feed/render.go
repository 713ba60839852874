package feed

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/loa-audio/loa/synth/article"
)

// AllFeed names the feed of every published article.
const AllFeed = "all"

// Page selects one page of one feed.
type Page struct {
	BaseURL string // Loa's externally visible root, without a trailing slash
	Name    string // AllFeed ("" means AllFeed) or a feed name
	Number  int    // 1-based; 0 means 1
}

// URL is the page's address: /feeds/{name}.xml, with ?page=N after the first.
func (p Page) URL() string {
	name := p.Name
	if name == "" {
		name = AllFeed
	}
	u := p.BaseURL + "/feeds/" + name + ".xml"
	if p.Number > 1 {
		u += "?page=" + strconv.Itoa(p.Number)
	}
	return u
}

// Info describes a rendered feed page.
type Info struct {
	Items   int       // articles in the feed, over all pages
	Pages   int       // at least 1
	Updated time.Time // the newest article update in the feed; zero when empty
}

// RenderPage writes one page of a feed whose articles the catalog already
// paged (Articles.PublishedPage): fp.Articles are that page's, the counts
// and times are the whole feed's.
func (f *Feeds) RenderPage(w io.Writer, p Page, fp article.FeedPage) (Info, error) {
	if p.Name == "" {
		p.Name = AllFeed
	}
	if p.Number == 0 {
		p.Number = 1
	}
	size := f.settings.PageSize
	info := Info{Items: fp.Items, Updated: fp.Updated, Pages: max(1, (fp.Items+size-1)/size)}
	if p.Number < 1 || p.Number > info.Pages {
		return info, fmt.Errorf("%w: feed %q has %d page(s), not %d", article.ErrNotFound, p.Name, info.Pages, p.Number)
	}

	xw := xmlWriter{bufio.NewWriterSize(w, 64<<10)}
	f.writeChannelHead(xw, p, info, fp.Newest)
	var desc strings.Builder
	for i := range fp.Articles {
		// Listed is the catalog's filter too; the path check is Go's alone.
		if a := &fp.Articles[i]; listed(a) {
			f.writeItem(xw, p.BaseURL, a, &desc)
		}
	}
	xw.WriteString("</channel>\n</rss>\n")
	if err := xw.Flush(); err != nil {
		return info, fmt.Errorf("write feed %q: %w", p.Name, err)
	}
	return info, nil
}

// listed reports whether an article's audio may be offered to podcast apps.
func listed(a *article.Summary) bool {
	return a.Published() && a.Bytes > 0 && a.DurationMS > 0 && asciiPath(a.AudioKey)
}

// asciiPath reports whether key is safe as it stands in a URL path that
// Apple accepts: ASCII letters, digits, '.', '_', '-' and '/'.
func asciiPath(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return false
		}
	}
	return key != ""
}

func (f *Feeds) artworkURL(base string) string {
	if f.settings.Artwork != "" {
		return f.settings.Artwork
	}
	return base + "/feeds/" + artworkFile
}

func (f *Feeds) writeChannelHead(xw xmlWriter, p Page, info Info, newest time.Time) {
	s := &f.settings
	title := s.Title
	if p.Name != AllFeed {
		title += " – " + p.Name
	}
	link := s.Link
	if link == "" {
		link = p.BaseURL + "/"
	}
	xw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"` +
		` xmlns:content="http://purl.org/rss/1.0/modules/content/"` +
		` xmlns:atom="http://www.w3.org/2005/Atom"` +
		` xmlns:podcast="https://podcastindex.org/namespace/1.0">` + "\n<channel>\n")
	xw.elem("title", title)
	xw.elem("link", link)
	xw.elem("description", truncate(cleanLine(s.Description), 4000))
	xw.elem("language", s.Language)
	if s.Copyright != "" {
		xw.elem("copyright", s.Copyright)
	}
	xw.elem("generator", "Loa")
	if info.Items > 0 {
		xw.elem("lastBuildDate", rfc2822(info.Updated))
		xw.elem("pubDate", rfc2822(newest))
	}

	xw.atomLink("self", p.URL())
	if info.Pages > 1 {
		// RFC 5005 §3: a paged feed names its first and last pages and its
		// neighbours, so apps can walk the whole archive.
		xw.atomLink("first", Page{BaseURL: p.BaseURL, Name: p.Name, Number: 1}.URL())
		if p.Number > 1 {
			xw.atomLink("previous", Page{BaseURL: p.BaseURL, Name: p.Name, Number: p.Number - 1}.URL())
		}
		if p.Number < info.Pages {
			xw.atomLink("next", Page{BaseURL: p.BaseURL, Name: p.Name, Number: p.Number + 1}.URL())
		}
		xw.atomLink("last", Page{BaseURL: p.BaseURL, Name: p.Name, Number: info.Pages}.URL())
	}

	art := f.artworkURL(p.BaseURL)
	xw.WriteString("<image>\n")
	xw.elem("url", art)
	xw.elem("title", title)
	xw.elem("link", link)
	xw.WriteString("</image>\n<itunes:image")
	xw.attr("href", art)
	xw.WriteString("/>\n")
	xw.elem("itunes:author", s.Author)
	xw.WriteString("<itunes:owner>\n")
	xw.elem("itunes:name", s.OwnerName)
	if s.OwnerEmail != "" {
		xw.elem("itunes:email", s.OwnerEmail)
	}
	xw.WriteString("</itunes:owner>\n<itunes:category")
	xw.attr("text", f.category)
	if f.subcategory != "" {
		xw.WriteString(">\n<itunes:category")
		xw.attr("text", f.subcategory)
		xw.WriteString("/>\n</itunes:category>\n")
	} else {
		xw.WriteString("/>\n")
	}
	xw.elem("itunes:explicit", strconv.FormatBool(s.Explicit))
	xw.elem("itunes:type", s.Type)
	// The guid follows the feed's first-page URL, which names the podcast.
	xw.elem("podcast:guid", PodcastGUID(Page{BaseURL: p.BaseURL, Name: p.Name}.URL()))
	xw.WriteString("<podcast:locked")
	if s.OwnerEmail != "" {
		xw.attr("owner", s.OwnerEmail)
	}
	xw.WriteString(">" + yesNo(s.Locked) + "</podcast:locked>\n")
	xw.elem("podcast:medium", "podcast")
	xw.WriteString(aiContent)
}

// aiContent declares that a synthetic voice reads the audio.
const aiContent = `<podcast:txt purpose="ai-content">true</podcast:txt>` + "\n"

func (xw xmlWriter) atomLink(rel, href string) {
	xw.WriteString("<atom:link")
	xw.attr("href", href)
	xw.attr("rel", rel)
	xw.WriteString(` type="application/rss+xml"/>` + "\n")
}

func (f *Feeds) writeItem(xw xmlWriter, base string, a *article.Summary, desc *strings.Builder) {
	xw.WriteString("<item>\n")
	title := cleanLine(a.Title)
	lead := cleanLine(a.Lead)
	if title == "" {
		title = truncate(lead, 120)
	}
	if title == "" {
		title = a.ID
	}
	xw.elem("title", title)

	desc.Reset()
	if lead != "" {
		paragraph(desc, truncate(lead, 3000))
	}
	paragraph(desc, f.disclosure)
	xw.WriteString("<description>")
	xw.cdata(desc.String())
	xw.WriteString("</description>\n")

	link := a.Link
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		link = base + "/articles/" + a.ID
	}
	xw.elem("link", link)
	guid := cleanLine(a.GUID)
	if guid == "" {
		guid = cleanLine(a.ID)
	}
	xw.WriteString(`<guid isPermaLink="false">`)
	xw.escape(guid, false)
	xw.WriteString("</guid>\n")
	xw.elem("pubDate", rfc2822(published(a)))

	// The audio key names an immutable version: a new rendering gets a new
	// URL, so apps download it, while the guid keeps it the same episode.
	xw.WriteString("<enclosure")
	xw.attr("url", base+"/"+a.AudioKey)
	xw.attr("length", strconv.FormatInt(a.Bytes, 10))
	xw.WriteString(` type="audio/mpeg"/>` + "\n")
	xw.elem("itunes:duration", strconv.FormatInt(max(1, (a.DurationMS+500)/1000), 10))
	xw.elem("itunes:explicit", strconv.FormatBool(f.settings.Explicit))
	xw.elem("itunes:episodeType", "full")
	if a.VTTKey != "" {
		xw.WriteString("<podcast:transcript")
		xw.attr("url", base+"/"+a.VTTKey)
		xw.attr("type", "text/vtt")
		xw.attr("language", f.settings.Language)
		xw.WriteString(` rel="captions"/>` + "\n")
	}
	if a.ChaptersKey != "" {
		xw.WriteString("<podcast:chapters")
		xw.attr("url", base+"/"+a.ChaptersKey)
		xw.WriteString(` type="application/json+chapters"/>` + "\n")
	}
	xw.WriteString(aiContent)
	xw.WriteString("</item>\n")
}

// published is when the article appeared; older index entries may lack it.
func published(a *article.Summary) time.Time {
	for _, t := range []time.Time{a.PublishedAt, a.CreatedAt, a.UpdatedAt} {
		if !t.IsZero() {
			return t
		}
	}
	return time.Unix(0, 0)
}

// rfc2822 formats t as RFC 2822 requires: a numeric zone, not "GMT" (an
// obsolete form parsers accept but generators must not produce).
func rfc2822(t time.Time) string {
	return t.UTC().Format(time.RFC1123Z)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
