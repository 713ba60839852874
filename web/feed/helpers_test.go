package feed_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

// podcastFeed holds what gofeed does not parse: the Atom paging links and
// the Podcasting 2.0 tags, read with encoding/xml by namespace URI.
type podcastFeed struct {
	Channel struct {
		GUID   string `xml:"https://podcastindex.org/namespace/1.0 guid"`
		Medium string `xml:"https://podcastindex.org/namespace/1.0 medium"`
		Locked struct {
			Owner string `xml:"owner,attr"`
			Value string `xml:",chardata"`
		} `xml:"https://podcastindex.org/namespace/1.0 locked"`
		Txt   []podcastTxt `xml:"https://podcastindex.org/namespace/1.0 txt"`
		Links []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Items []podcastItem `xml:"item"`
	} `xml:"channel"`
}

type podcastTxt struct {
	Purpose string `xml:"purpose,attr"`
	Value   string `xml:",chardata"`
}

type podcastItem struct {
	GUID struct {
		IsPermaLink string `xml:"isPermaLink,attr"`
		Value       string `xml:",chardata"`
	} `xml:"guid"`
	Transcript []struct {
		URL      string `xml:"url,attr"`
		Type     string `xml:"type,attr"`
		Language string `xml:"language,attr"`
		Rel      string `xml:"rel,attr"`
	} `xml:"https://podcastindex.org/namespace/1.0 transcript"`
	Chapters []struct {
		URL  string `xml:"url,attr"`
		Type string `xml:"type,attr"`
	} `xml:"https://podcastindex.org/namespace/1.0 chapters"`
	Txt []podcastTxt `xml:"https://podcastindex.org/namespace/1.0 txt"`
}

func (f *podcastFeed) link(rel string) string {
	for _, l := range f.Channel.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// parsed is one feed document read three ways.
type parsed struct {
	feed    *gofeed.Feed // the universal parser, as podcast apps use it
	rss     *rss.Feed    // raw RSS fields (guid attributes, enclosure length)
	podcast podcastFeed
}

// wellFormed fails unless body is well-formed XML 1.0: the standard
// decoder rejects bad nesting, bad entities and forbidden characters.
func wellFormed(t *testing.T, body []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("feed is not well-formed XML: %v\n%s", err, body)
		}
	}
}

func parse(t *testing.T, body []byte) parsed {
	t.Helper()
	wellFormed(t, body)
	var p parsed
	var err error
	if p.feed, err = gofeed.NewParser().ParseString(string(body)); err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if p.feed.FeedType != "rss" || p.feed.FeedVersion != "2.0" {
		t.Errorf("feed type %s %s, want rss 2.0", p.feed.FeedType, p.feed.FeedVersion)
	}
	if p.rss, err = (&rss.Parser{}).Parse(bytes.NewReader(body)); err != nil {
		t.Fatalf("gofeed rss: %v", err)
	}
	if err := xml.Unmarshal(body, &p.podcast); err != nil {
		t.Fatalf("encoding/xml: %v", err)
	}
	if len(p.feed.Items) != len(p.rss.Items) || len(p.rss.Items) != len(p.podcast.Channel.Items) {
		t.Fatalf("parsers disagree on the number of items: %d, %d, %d", len(p.feed.Items), len(p.rss.Items), len(p.podcast.Channel.Items))
	}
	return p
}

// rfc2822Pattern is the shape RFC 2822 §3.3 gives a date with a numeric zone.
var rfc2822Pattern = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$`)

// rfc2822 checks a date against RFC 2822 and returns it parsed by net/mail
// (the RFC 5322 parser).
func rfc2822(t *testing.T, what, s string) time.Time {
	t.Helper()
	if !rfc2822Pattern.MatchString(s) {
		t.Errorf("%s %q is not an RFC 2822 date with a numeric zone", what, s)
	}
	d, err := mail.ParseDate(s)
	if err != nil {
		t.Errorf("%s %q: %v", what, s, err)
	}
	return d
}

// wantGUID computes a podcast:guid independently of the package: UUIDv5 in
// the podcast namespace of the URL without scheme and trailing slashes.
func wantGUID(feedURL string) string {
	name := strings.TrimRight(feedURL[strings.Index(feedURL, "://")+3:], "/")
	return uuid.NewSHA1(uuid.MustParse("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), []byte(name)).String()
}

// appleChannel asserts every channel tag Apple requires or recommends.
func appleChannel(t *testing.T, p parsed) {
	t.Helper()
	f := p.feed
	it := f.ITunesExt
	if it == nil {
		t.Fatal("no iTunes tags in the channel")
	}
	for name, v := range map[string]string{
		"title": f.Title, "description": f.Description, "link": f.Link, "language": f.Language,
		"itunes:image": it.Image, "itunes:author": it.Author, "itunes:type": it.Type,
	} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("channel %s is missing", name)
		}
	}
	if it.Explicit != "true" && it.Explicit != "false" {
		t.Errorf("itunes:explicit %q, want true or false", it.Explicit)
	}
	if len(it.Categories) == 0 || it.Categories[0].Text == "" {
		t.Error("itunes:category is missing")
	}
	if it.Owner == nil || it.Owner.Name == "" {
		t.Error("itunes:owner/itunes:name is missing")
	}
	if len(p.rss.Description) > 4000 {
		t.Errorf("channel description is %d bytes; Apple allows 4000", len(p.rss.Description))
	}
}

// appleItem asserts every item tag Apple requires or recommends and
// returns the enclosure.
func appleItem(t *testing.T, p parsed, i int) *rss.Enclosure {
	t.Helper()
	item, raw := p.feed.Items[i], p.rss.Items[i]
	if strings.TrimSpace(item.Title) == "" {
		t.Errorf("item %d has no title", i)
	}
	if item.Description == "" || len(item.Description) > 4000 {
		t.Errorf("item %d description is %d bytes; want 1 to 4000", i, len(item.Description))
	}
	if item.Link == "" {
		t.Errorf("item %d has no link", i)
	}
	if raw.GUID == nil || raw.GUID.Value == "" || raw.GUID.IsPermalink != "false" {
		t.Errorf("item %d guid %+v, want a value with isPermaLink=\"false\"", i, raw.GUID)
	}
	rfc2822(t, "item pubDate", raw.PubDate)
	if item.ITunesExt == nil || !regexp.MustCompile(`^[1-9]\d*$`).MatchString(item.ITunesExt.Duration) {
		t.Errorf("item %d itunes:duration %+v, want whole seconds", i, item.ITunesExt)
	}
	if item.ITunesExt != nil && item.ITunesExt.Explicit != "true" && item.ITunesExt.Explicit != "false" {
		t.Errorf("item %d itunes:explicit %q", i, item.ITunesExt.Explicit)
	}
	if len(raw.Enclosures) != 1 || raw.Enclosure == nil {
		t.Fatalf("item %d has %d enclosures, want 1", i, len(raw.Enclosures))
	}
	enc := raw.Enclosure
	if enc.Type != "audio/mpeg" {
		t.Errorf("item %d enclosure type %q", i, enc.Type)
	}
	if !regexp.MustCompile(`^https?://[A-Za-z0-9.:\-]+/[A-Za-z0-9._/\-]+\.mp3$`).MatchString(enc.URL) {
		t.Errorf("item %d enclosure URL %q is not a plain ASCII .mp3 URL", i, enc.URL)
	}
	if !regexp.MustCompile(`^[1-9]\d*$`).MatchString(enc.Length) {
		t.Errorf("item %d enclosure length %q", i, enc.Length)
	}
	ai := false
	for _, x := range p.podcast.Channel.Items[i].Txt {
		ai = ai || (x.Purpose == "ai-content" && x.Value == "true")
	}
	if !ai {
		t.Errorf("item %d does not declare synthetic audio (podcast:txt purpose=ai-content)", i)
	}
	return enc
}
