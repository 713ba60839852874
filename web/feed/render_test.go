package feed_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/web/feed"
)

const base = "https://audio.example.vn"

func summaries(n int) []article.Summary {
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	out := make([]article.Summary, n)
	for i := range out {
		id := fmt.Sprintf("bai-%05d", i)
		version := fmt.Sprintf("%020x", i+1)
		at := t0.Add(-time.Duration(i) * time.Hour) // newest first
		out[i] = article.Summary{
			ID:          id,
			Title:       fmt.Sprintf("Bản tin số %d: giá vàng tăng mạnh", i),
			Lead:        "Giá vàng miếng trong nước sáng nay tăng thêm 500.000 đồng mỗi lượng, theo ghi nhận của phóng viên.",
			Status:      article.StatusReady,
			Feed:        "kinh-te",
			Link:        "https://news.example.vn/kinh-te/" + id,
			GUID:        fmt.Sprintf("6f1c2a9e-0000-4000-8000-%012d", i),
			Version:     version,
			AudioKey:    "audio/" + id + "/" + version + ".mp3",
			VTTKey:      "audio/" + id + "/" + version + ".vtt",
			ChaptersKey: "audio/" + id + "/" + version + ".chapters.json",
			Bytes:       int64(200_000 + i),
			DurationMS:  int64(61_400 + i),
			PublishedAt: at,
			CreatedAt:   at,
			UpdatedAt:   at.Add(time.Minute),
		}
	}
	return out
}

func newFeeds(t testing.TB, s feed.Settings) *feed.Feeds {
	t.Helper()
	f, err := feed.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func render(t *testing.T, f *feed.Feeds, p feed.Page, items []article.Summary) (parsed, feed.Info) {
	t.Helper()
	var b bytes.Buffer
	info, err := f.Render(&b, p, items)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, b.Bytes()), info
}

func TestPodcastGUIDMatchesSpecExamples(t *testing.T) {
	// The examples published with the podcast:guid tag.
	for url, want := range map[string]string{
		"https://mp3s.nashownotes.com/pc20rss.xml": "917393e3-1b1e-5cef-ace4-edaa54e1f810",
		"mp3s.nashownotes.com/pc20rss.xml":         "917393e3-1b1e-5cef-ace4-edaa54e1f810",
		"https://podnews.net/rss":                  "9b024349-ccf0-5f69-a609-6b82873eab3c",
		"http://podnews.net/rss/":                  "9b024349-ccf0-5f69-a609-6b82873eab3c",
	} {
		if got := feed.PodcastGUID(url); got != want {
			t.Errorf("PodcastGUID(%q) = %s, want %s", url, got, want)
		}
	}
}

func TestNewChecksSettings(t *testing.T) {
	good := []feed.Settings{
		{},
		{Category: "News/Daily News", Type: "serial", Language: "vi-VN", Artwork: "https://cdn.example.vn/podcast.jpg", OwnerEmail: "a@example.vn"},
		{Category: "Kids & Family/Pets & Animals"},
	}
	for _, s := range good {
		if _, err := feed.New(s); err != nil {
			t.Errorf("New(%+v): %v", s, err)
		}
	}
	bad := map[string]feed.Settings{
		"unknown category":    {Category: "Tin tức"},
		"wrong case":          {Category: "news"},
		"unknown subcategory": {Category: "News/Cooking"},
		"subcategory of none": {Category: "Technology/Gadgets"},
		"type":                {Type: "daily"},
		"language":            {Language: "tiếng Việt"},
		"page size":           {PageSize: -1},
		"artwork scheme":      {Artwork: "ftp://example.vn/a.png"},
		"artwork relative":    {Artwork: "/a.png"},
		"artwork not ASCII":   {Artwork: "https://example.vn/ảnh.png"},
		"link":                {Link: "news.example.vn"},
		"owner e-mail":        {OwnerEmail: "ban biên tập"},
		"owner e-mail markup": {OwnerEmail: "<a@example.vn>"},
	}
	for name, s := range bad {
		if _, err := feed.New(s); !errors.Is(err, feed.ErrInvalidSettings) {
			t.Errorf("%s: New(%+v) = %v, want ErrInvalidSettings", name, s, err)
		}
	}
}

func TestRenderChannelAndItems(t *testing.T) {
	s := feed.Settings{
		Title: "Loa", Description: "Tin tức đọc thành tiếng", Link: "https://news.example.vn/",
		Category: "News/Daily News", Author: "Toà soạn", OwnerName: "Ban biên tập", OwnerEmail: "podcast@example.vn",
		Copyright: "© 2025 Example", Locked: true,
	}
	items := summaries(3)
	items[1].ChaptersKey = "" // an article without headings has no chapters
	p, info := render(t, newFeeds(t, s), feed.Page{BaseURL: base}, items)
	appleChannel(t, p)
	f := p.feed
	it := f.ITunesExt
	if f.Title != "Loa" || f.Language != "vi" || f.Link != "https://news.example.vn/" || f.Copyright != "© 2025 Example" {
		t.Errorf("channel title %q language %q link %q copyright %q", f.Title, f.Language, f.Link, f.Copyright)
	}
	if it.Image != base+"/feeds/artwork-1.png" || f.Image == nil || f.Image.URL != it.Image {
		t.Errorf("artwork %q / %+v, want Loa's own", it.Image, f.Image)
	}
	if it.Categories[0].Text != "News" || it.Categories[0].Subcategory == nil || it.Categories[0].Subcategory.Text != "Daily News" {
		t.Errorf("category %+v", it.Categories[0])
	}
	if it.Explicit != "false" || it.Type != "episodic" || it.Author != "Toà soạn" ||
		it.Owner.Name != "Ban biên tập" || it.Owner.Email != "podcast@example.vn" {
		t.Errorf("itunes tags %+v owner %+v", it, it.Owner)
	}
	pc := p.podcast.Channel
	if pc.GUID != wantGUID(base+"/feeds/all.xml") {
		t.Errorf("podcast:guid %s, want %s", pc.GUID, wantGUID(base+"/feeds/all.xml"))
	}
	if pc.Locked.Value != "yes" || pc.Locked.Owner != "podcast@example.vn" {
		t.Errorf("podcast:locked %+v", pc.Locked)
	}
	if p.podcast.link("self") != base+"/feeds/all.xml" || p.podcast.link("next") != "" {
		t.Errorf("atom links %+v", pc.Links)
	}
	if d := rfc2822(t, "lastBuildDate", p.rss.LastBuildDate); !d.Equal(items[0].UpdatedAt) || !info.Updated.Equal(items[0].UpdatedAt) {
		t.Errorf("lastBuildDate %v, info %v, want the newest update %v", d, info.Updated, items[0].UpdatedAt)
	}
	if len(f.Items) != 3 || info.Items != 3 || info.Pages != 1 {
		t.Fatalf("%d items, info %+v", len(f.Items), info)
	}
	for i, a := range items {
		enc := appleItem(t, p, i)
		raw, pi := p.rss.Items[i], p.podcast.Channel.Items[i]
		if enc.URL != base+"/"+a.AudioKey || enc.Length != fmt.Sprint(a.Bytes) {
			t.Errorf("item %d enclosure %+v", i, enc)
		}
		if raw.GUID.Value != a.GUID || raw.Link != a.Link || raw.Title != a.Title {
			t.Errorf("item %d guid %q link %q title %q", i, raw.GUID.Value, raw.Link, raw.Title)
		}
		if d := rfc2822(t, "pubDate", raw.PubDate); !d.Equal(a.PublishedAt) {
			t.Errorf("item %d pubDate %v, want %v", i, d, a.PublishedAt)
		}
		if got := raw.ITunesExt.Duration; got != "61" {
			t.Errorf("item %d duration %q, want 61 (61.4 s rounded)", i, got)
		}
		if !strings.Contains(raw.Description, "<p>"+a.Lead+"</p>") || !strings.Contains(raw.Description, "giọng nói tổng hợp") {
			t.Errorf("item %d description %q: want the lead and the synthetic-voice note as HTML", i, raw.Description)
		}
		if len(pi.Transcript) != 1 || pi.Transcript[0].URL != base+"/"+a.VTTKey || pi.Transcript[0].Type != "text/vtt" || pi.Transcript[0].Language != "vi" {
			t.Errorf("item %d transcript %+v", i, pi.Transcript)
		}
		wantChapters := 1
		if a.ChaptersKey == "" {
			wantChapters = 0
		}
		if len(pi.Chapters) != wantChapters || (wantChapters == 1 && (pi.Chapters[0].URL != base+"/"+a.ChaptersKey || pi.Chapters[0].Type != "application/json+chapters")) {
			t.Errorf("item %d chapters %+v, want %d", i, pi.Chapters, wantChapters)
		}
	}
}

func TestRenderNamedFeedHasItsOwnIdentity(t *testing.T) {
	f := newFeeds(t, feed.Settings{Title: "Loa", Artwork: "https://cdn.example.vn/art.jpg"})
	p, _ := render(t, f, feed.Page{BaseURL: base, Name: "kinh-te"}, summaries(2))
	self := base + "/feeds/kinh-te.xml"
	if p.podcast.link("self") != self || p.podcast.Channel.GUID != wantGUID(self) {
		t.Errorf("self %q guid %q, want %q and its UUIDv5", p.podcast.link("self"), p.podcast.Channel.GUID, self)
	}
	if !strings.Contains(p.feed.Title, "kinh-te") || p.feed.ITunesExt.Image != "https://cdn.example.vn/art.jpg" {
		t.Errorf("title %q artwork %q", p.feed.Title, p.feed.ITunesExt.Image)
	}
	if p.podcast.Channel.Locked.Value != "no" {
		t.Errorf("podcast:locked %q, want no", p.podcast.Channel.Locked.Value)
	}
}

func TestRenderPagesPerRFC5005(t *testing.T) {
	f := newFeeds(t, feed.Settings{PageSize: 2})
	items := summaries(5)
	var seen []string
	for n := 1; n <= 3; n++ {
		p, info := render(t, f, feed.Page{BaseURL: base, Number: n}, items)
		if info.Pages != 3 || info.Items != 5 {
			t.Fatalf("page %d info %+v", n, info)
		}
		want := map[string]string{
			"self":  feed.Page{BaseURL: base, Number: n}.URL(),
			"first": base + "/feeds/all.xml",
			"last":  base + "/feeds/all.xml?page=3",
		}
		if n > 1 {
			want["previous"] = feed.Page{BaseURL: base, Number: n - 1}.URL()
		}
		if n < 3 {
			want["next"] = fmt.Sprintf("%s/feeds/all.xml?page=%d", base, n+1)
		}
		for _, rel := range []string{"self", "first", "last", "previous", "next"} {
			if got := p.podcast.link(rel); got != want[rel] {
				t.Errorf("page %d rel=%s: %q, want %q", n, rel, got, want[rel])
			}
		}
		// Every page is the same podcast.
		if p.podcast.Channel.GUID != wantGUID(base+"/feeds/all.xml") {
			t.Errorf("page %d podcast:guid %s", n, p.podcast.Channel.GUID)
		}
		for _, it := range p.rss.Items {
			seen = append(seen, it.GUID.Value)
		}
	}
	if len(seen) != 5 {
		t.Fatalf("pages hold %d items, want 5", len(seen))
	}
	for i, g := range seen {
		if g != items[i].GUID {
			t.Errorf("item %d across pages is %s, want %s (newest first, no repeats)", i, g, items[i].GUID)
		}
	}
	var b bytes.Buffer
	for _, n := range []int{4, -1} {
		if _, err := f.Render(&b, feed.Page{BaseURL: base, Number: n}, items); !errors.Is(err, article.ErrNotFound) {
			t.Errorf("page %d: %v, want ErrNotFound", n, err)
		}
	}
	// An empty feed is one valid page.
	p, info := render(t, f, feed.Page{BaseURL: base}, nil)
	if info.Pages != 1 || len(p.feed.Items) != 0 {
		t.Errorf("empty feed: info %+v, %d items", info, len(p.feed.Items))
	}
}

func TestRenderLeavesOutUnpublishedAudio(t *testing.T) {
	items := summaries(5)
	items[0].Preflight = "audio object is 10 bytes, manifest says 11"
	items[1].AudioKey = ""
	items[2].Bytes = 0
	items[3].DurationMS = 0
	p, info := render(t, newFeeds(t, feed.Settings{}), feed.Page{BaseURL: base}, items)
	if len(p.rss.Items) != 1 || p.rss.Items[0].GUID.Value != items[4].GUID || info.Items != 1 {
		t.Errorf("feed lists %d items (info %+v); only %s passed every check", len(p.rss.Items), info, items[4].ID)
	}
}

func TestRenderHostileText(t *testing.T) {
	hostile := "Vàng & \"USD\" <b>tăng</b> 'mạnh' 😀 שָׁלוֹם עולם ]]> \x00\x01\x07\x1b\u0085\u009f\ufffe\uffff\xff\xfe end\r\n\tnext"
	want := "Vàng & \"USD\" <b>tăng</b> 'mạnh' 😀 שָׁלוֹם עולם ]]> end next"
	s := feed.Settings{
		Title: "Loa & <Tin> \"nóng\"\x0b", Description: "Mô tả ]]> <script>alert(1)</script>\x01",
		Author: "Tác giả & Cộng sự", OwnerName: "Ban <biên> tập", Copyright: "© 2025 A&B",
		Category: "Kids & Family/Pets & Animals",
	}
	items := summaries(2)
	items[0].Title = hostile
	items[0].Lead = hostile
	items[1].Title = "\x01\x02  \t" // nothing left: the lead stands in
	p, _ := render(t, newFeeds(t, s), feed.Page{BaseURL: base}, items)
	appleChannel(t, p)
	if p.feed.Title != `Loa & <Tin> "nóng"` || p.feed.Description != "Mô tả ]]> <script>alert(1)</script>" {
		t.Errorf("channel title %q description %q", p.feed.Title, p.feed.Description)
	}
	if p.feed.ITunesExt.Author != "Tác giả & Cộng sự" || p.feed.ITunesExt.Owner.Name != "Ban <biên> tập" || p.feed.Copyright != "© 2025 A&B" {
		t.Errorf("author %q owner %q copyright %q", p.feed.ITunesExt.Author, p.feed.ITunesExt.Owner.Name, p.feed.Copyright)
	}
	if c := p.feed.ITunesExt.Categories[0]; c.Text != "Kids & Family" || c.Subcategory.Text != "Pets & Animals" {
		t.Errorf("category %+v / %+v", c, c.Subcategory)
	}
	if got := p.rss.Items[0].Title; got != want {
		t.Errorf("item title\n got %q\nwant %q", got, want)
	}
	// The description is HTML: the lead's markup characters are escaped
	// inside the CDATA section, so an app shows them as text.
	desc := p.rss.Items[0].Description
	if !strings.HasPrefix(desc, "<p>Vàng &amp; &#34;USD&#34; &lt;b&gt;tăng&lt;/b&gt; &#39;mạnh&#39; 😀 שָׁלוֹם עולם ]]&gt; end next</p>") {
		t.Errorf("item description %q", desc)
	}
	if got := p.rss.Items[1].Title; len(got) > 120 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(items[1].Lead, strings.TrimSuffix(got, "…")) {
		t.Errorf("untitled item's title %q, want the start of its lead", got)
	}
	for i, it := range p.feed.Items {
		appleItem(t, p, i)
		if strings.ContainsAny(it.Title+it.Description, "\x00\x01\x07\x1b\u0085\u009f\ufffe\uffff") {
			t.Errorf("item %d kept control characters: %q", i, it.Title)
		}
	}
}

func TestRenderTruncatesLongDescriptions(t *testing.T) {
	items := summaries(1)
	items[0].Lead = strings.Repeat("Người dân đổ xô đi mua vàng. ", 400) // ~12 kB
	p, _ := render(t, newFeeds(t, feed.Settings{Description: strings.Repeat("mô tả ", 2000)}), feed.Page{BaseURL: base}, items)
	if n := len(p.rss.Items[0].Description); n > 4000 {
		t.Errorf("item description is %d bytes; Apple allows 4000", n)
	}
	if !strings.Contains(p.rss.Items[0].Description, "…</p>") {
		t.Errorf("truncated description does not say so: %q", p.rss.Items[0].Description[3000:])
	}
}

// FuzzRenderWellFormed feeds arbitrary titles, leads, links and settings
// through the renderer: the result must always be well-formed XML that a
// podcast parser reads back with the title intact (minus what is dropped).
func FuzzRenderWellFormed(f *testing.F) {
	f.Add("A & B <c> \"q\" 'x'", "lead ]]> <p>", "https://x.vn/a?b=1&c=2", "Loa & <co>")
	f.Add("\x00\x01\xff\xfe😀 שלום", "\u202eRTL\u200f", "javascript:alert(1)", "\ufffe")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, title, lead, link, channel string) {
		fs, err := feed.New(feed.Settings{Title: channel, Description: channel, Author: channel})
		if err != nil {
			t.Fatal(err)
		}
		items := summaries(1)
		items[0].Title, items[0].Lead, items[0].Link, items[0].GUID = title, lead, link, title
		var b bytes.Buffer
		if _, err := fs.Render(&b, feed.Page{BaseURL: base}, items); err != nil {
			t.Fatal(err)
		}
		p := parse(t, b.Bytes())
		if len(p.rss.Items) != 1 || p.rss.Items[0].Title == "" || p.rss.Items[0].GUID.Value == "" {
			t.Fatalf("item lost its title or guid: %+v", p.rss.Items)
		}
		if strings.ContainsAny(p.rss.Items[0].Title, "\x00\x01\x1b\u0085\ufffe") {
			t.Errorf("title kept control characters: %q", p.rss.Items[0].Title)
		}
	})
}
