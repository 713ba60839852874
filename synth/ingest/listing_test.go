package ingest

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseFeeds(t *testing.T) {
	base := mustURL(t, "https://bao.example.vn/rss/the-gioi.rss")
	cases := []struct {
		name  string
		body  string
		kind  Kind
		items []Item
	}{
		{
			name: "rss with content:encoded, relative link and guid",
			body: `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Thế giới</title>
<item><title>Cũ</title><link>/the-gioi/cu-1.html</link><guid isPermaLink="false">bai-1</guid><pubDate>Mon, 30 Nov 2026 08:00:00 +0700</pubDate></item>
<item><title> Mới </title><link>https://bao.example.vn/the-gioi/moi-2.html#top</link><pubDate>Tue, 01 Dec 2026 08:00:00 +0700</pubDate>
<content:encoded><![CDATA[<p>Toàn văn bài viết.</p>]]></content:encoded></item>
<item><title>Không có liên kết</title></item>
</channel></rss>`,
			kind: KindRSS,
			items: []Item{
				{URL: "https://bao.example.vn/the-gioi/moi-2.html", GUID: "https://bao.example.vn/the-gioi/moi-2.html", Title: "Mới", Published: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC), Content: "<p>Toàn văn bài viết.</p>"},
				{URL: "https://bao.example.vn/the-gioi/cu-1.html", GUID: "bai-1", Title: "Cũ", Published: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)},
			},
		},
		{
			name: "atom",
			body: `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2026-12-01T00:00:00Z</updated>
<entry><title>Một</title><id>urn:post:1</id><link rel="alternate" href="https://blog.example.com/posts/1"/><updated>2026-12-01T00:00:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry>
</feed>`,
			kind:  KindAtom,
			items: []Item{{URL: "https://blog.example.com/posts/1", GUID: "urn:post:1", Title: "Một", Published: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Content: "<p>x</p>"}},
		},
		{
			name:  "json feed",
			body:  `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"7","url":"https://j.example.com/7","title":"Bảy","content_html":"<p>b</p>","date_published":"2026-12-02T10:00:00+07:00"}]}`,
			kind:  KindJSONFeed,
			items: []Item{{URL: "https://j.example.com/7", GUID: "7", Title: "Bảy", Published: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), Content: "<p>b</p>"}},
		},
		{
			name: "news sitemap",
			body: `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://bao.example.vn/a.html</loc><lastmod>2026-11-01</lastmod></url>
<url><loc>https://bao.example.vn/b.html</loc><news:news><news:title>Bê</news:title><news:publication_date>2026-12-01T07:00:00+07:00</news:publication_date></news:news></url>
<url><loc>https://bao.example.vn/c.html</loc></url>
</urlset>`,
			kind: KindSitemap,
			items: []Item{
				{URL: "https://bao.example.vn/b.html", GUID: "https://bao.example.vn/b.html", Title: "Bê", Published: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
				{URL: "https://bao.example.vn/a.html", GUID: "https://bao.example.vn/a.html", Published: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
				{URL: "https://bao.example.vn/c.html", GUID: "https://bao.example.vn/c.html"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Parse([]byte(tc.body), base)
			if err != nil {
				t.Fatal(err)
			}
			if l.Kind != tc.kind {
				t.Errorf("kind %q, want %q", l.Kind, tc.kind)
			}
			if len(l.Items) != len(tc.items) {
				t.Fatalf("%d items, want %d: %+v", len(l.Items), len(tc.items), l.Items)
			}
			for i, want := range tc.items {
				got := l.Items[i]
				if got.URL != want.URL || got.GUID != want.GUID || got.Title != want.Title || !got.Published.Equal(want.Published) || got.Content != want.Content {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

func TestParseSitemapIndexNewestFirst(t *testing.T) {
	body := `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>/sitemap-2026-10.xml</loc><lastmod>2026-10-31</lastmod></sitemap>
<sitemap><loc>/sitemap-2026-12.xml</loc><lastmod>2026-12-01</lastmod></sitemap>
<sitemap><loc>javascript:alert(1)</loc></sitemap>
</sitemapindex>`
	l, err := Parse([]byte(body), mustURL(t, "https://bao.example.vn/sitemap.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://bao.example.vn/sitemap-2026-12.xml", "https://bao.example.vn/sitemap-2026-10.xml"}
	if l.Kind != KindSitemapIndex || len(l.Sitemaps) != 2 || l.Sitemaps[0] != want[0] || l.Sitemaps[1] != want[1] {
		t.Fatalf("got %+v, want %v", l, want)
	}
}

func TestParseRefusesWhatIsNotAFeed(t *testing.T) {
	for name, body := range map[string]string{
		"empty":   "  \n",
		"html":    "<!doctype html><html><head><title>Trang chủ</title></head><body><p>Xin chào</p></body></html>",
		"garbage": "\x00\x01\x02 not xml at all {",
		"svg":     `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`,
		"broken":  `<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</title>`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(body), nil); !errors.Is(err, ErrNotAFeed) {
				t.Fatalf("err = %v, want ErrNotAFeed", err)
			}
		})
	}
}

func TestRulesSelect(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	items := []Item{
		{URL: "https://bao.example.vn/the-gioi/a.html", Published: now.Add(-time.Hour)},
		{URL: "https://bao.example.vn/video/b.html", Published: now.Add(-2 * time.Hour)},
		{URL: "https://bao.example.vn/the-gioi/c.html", Published: now.Add(-72 * time.Hour)},
		{URL: "https://bao.example.vn/the-gioi/d.html"}, // undated: never too old
		{URL: "https://bao.example.vn/the-gioi/e.amp.html", Published: now.Add(-3 * time.Hour)},
	}
	m, err := Rules{Include: []string{"https://bao.example.vn/*"}, Exclude: []string{"*/video/*", "*.amp.html"}, MaxAge: 48 * time.Hour, Backfill: 1}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	urls := func(its []Item) (out []string) {
		for _, it := range its {
			out = append(out, it.URL)
		}
		return out
	}
	if got := urls(m.Select(items, false, now)); len(got) != 2 || got[0] != items[0].URL || got[1] != items[3].URL {
		t.Errorf("later poll selected %v", got)
	}
	if got := urls(m.Select(items, true, now)); len(got) != 1 || got[0] != items[0].URL {
		t.Errorf("first poll with backfill 1 selected %v", got)
	}
	none, _ := Rules{Backfill: 0}.Compile()
	if got := none.Select(items, true, now); len(got) != 0 {
		t.Errorf("backfill 0 selected %v on the first poll", urls(got))
	}
	if got := none.Select(items, false, now); len(got) != len(items) {
		t.Errorf("no rules selected %d of %d on a later poll", len(got), len(items))
	}
}

func TestRulesRefuseBadPatterns(t *testing.T) {
	long := make([]byte, 501)
	for i := range long {
		long[i] = 'a'
	}
	for name, r := range map[string]Rules{
		"empty include":     {Include: []string{" "}},
		"long exclude":      {Exclude: []string{string(long)}},
		"negative backfill": {Backfill: -1},
		"huge backfill":     {Backfill: MaxBackfill + 1},
		"negative age":      {MaxAge: -time.Second},
		"too many":          {Include: make([]string, maxPatterns+1)},
	} {
		if _, err := r.Compile(); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
	// Regexp syntax in a glob is literal, never an error or a wildcard.
	m, err := Rules{Include: []string{"https://x.vn/(a|b)+[.html"}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if !m.Wants(Item{URL: "https://x.vn/(a|b)+[.html"}, time.Now()) || m.Wants(Item{URL: "https://x.vn/aa.html"}, time.Now()) {
		t.Error("regexp metacharacters were not taken literally")
	}
}

func TestHoldsWholeArticle(t *testing.T) {
	para := "<p>" + strings.Repeat("Người dân Hà Nội đổ ra đường đón mưa đầu mùa. ", 20) + "</p>"
	cases := map[string]bool{
		"":                                  false,
		"<p>Một đoạn giới thiệu.</p>":       false,
		para + para:                         true,
		para + para + "<p>Đọc tiếp</p>":     false,
		para + para + "<p>… [&hellip;]</p>": false,
		para + para + `<p>Xem thêm</p>`:     false,
	}
	for content, want := range cases {
		if got := HoldsWholeArticle(content); got != want {
			t.Errorf("HoldsWholeArticle(%d bytes ending %q) = %v, want %v", len(content), content[max(0, len(content)-20):], got, want)
		}
	}
}
