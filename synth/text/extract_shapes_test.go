package text

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestExtractPublisherShapes pins, page by page, the shapes that used to
// come out empty or wrong: what must be read, what must not, and the lead.
func TestExtractPublisherShapes(t *testing.T) {
	tests := []struct {
		page       string
		title      string
		lead       string // "" = no lead
		has, hasnt []string
	}{
		{page: "constructed-wordpress-post-classes", title: "Riverside bike lane to be extended",
			has:   []string{"The city council voted on Tuesday", "cleared of snow before the roads in winter."},
			hasnt: []string{"bloggers like this", "Share this", "Leave a Reply", "Recent Posts", "Proudly powered by WordPress"}},
		{page: "constructed-drupal-body-field", title: "Young turtles tracked across the ocean",
			has:   []string{"Researchers at the marine institute", "Funding for a second season"},
			hasnt: []string{"Tags", "All rights reserved"}},
		{page: "constructed-aspnet-form", title: "Boil-water notice lifted in northern districts",
			has:   []string{"The regional water board has lifted", "twenty percent reduction on their next bill."},
			hasnt: []string{"Planned outages", "Privacy", "Search"}},
		{page: "constructed-jsonld-only", title: "Old town bakery wins national bread award again",
			has:   []string{"A small bakery in the old town", "bake alongside him."},
			hasnt: []string{"Loading", "enable JavaScript"}},
		{page: "constructed-teaser-list", title: "Late goalkeeper header completes comeback",
			has:   []string{"Only about a hundred fans", "headed in by the goalkeeper"},
			hasnt: []string{"Harbour ferry fares", "fuel costs forced", "Breaking news"}},
		{page: "constructed-sections-and-lead", title: "Boat museum reopens with new wing",
			lead:  "The museum reopened on Saturday after a two-year renovation that doubled its exhibition space.",
			has:   []string{"Visitors queued around the block", "The oldest is a dugout canoe", "Entry remains free"},
			hasnt: []string{"Advertisement", "Photo: Museum", "Related posts", "Harbour ferry"}},
		{page: "constructed-table-player-rows", title: "Coach names spring tournament squad",
			has:   []string{"Jon Berg", "Goalkeeper", "Leo Santos", "training camp next week"},
			hasnt: []string{"0:00", "2:31"}},
		{page: "constructed-gallery-in-body", title: "What hotel cleaners don't have time for",
			has:   []string{"Hotel rooms are cleaned every day", "A spokesperson for the hotel association"},
			hasnt: []string{"Celebrity chef", "In pictures", "By Sam Reed"}},
		{page: "constructed-paywall-teaser", has: []string{"kept its main interest rate unchanged"},
			hasnt: []string{"Subscribe to keep reading", "Cancel anytime", "Harbour ferry"}},
		{page: "constructed-vi-news-boilerplate", title: "Hà Nội ngập sâu sau trận mưa lớn",
			lead:  "Mưa lớn kéo dài từ đêm qua khiến nhiều tuyến phố ở trung tâm Hà Nội ngập sâu, giao thông ùn tắc trong giờ cao điểm sáng.",
			has:   []string{"Theo Trung tâm Dự báo", "hạn chế ra đường"},
			hasnt: []string{"Ảnh: Ngọc Thành", "Xem thêm", "Tin liên quan", "Từ khóa", "Minh Anh", "Đọc nhiều", "Giấy phép", "Trang chủ"}},
	}
	for _, tc := range tests {
		t.Run(tc.page, func(t *testing.T) {
			f, err := os.Open("../../testdata/extract/" + tc.page + "/source.html")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			doc, err := ExtractHTML(f, ExtractOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.title != "" && doc.Title != tc.title {
				t.Errorf("title %q, want %q", doc.Title, tc.title)
			}
			if doc.Lead != tc.lead {
				t.Errorf("lead %q, want %q", doc.Lead, tc.lead)
			}
			all := doc.Text()
			for _, s := range tc.has {
				if !strings.Contains(all, s) {
					t.Errorf("missing %q in:%s", s, dumpBlocks(doc.Blocks))
				}
			}
			for _, s := range tc.hasnt {
				if strings.Contains(all, s) {
					t.Errorf("contains %q:%s", s, dumpBlocks(doc.Blocks))
				}
			}
			if tc.lead != "" && strings.Count(all, tc.lead) != 1 {
				t.Errorf("the lead is read %d times", strings.Count(all, tc.lead))
			}
		})
	}
}

// A class name alone never drops the node that holds the story, and a
// "summary" field holding the whole body is the body, not the lead.
func TestExtractClassNamesDoNotDropTheStory(t *testing.T) {
	story := strings.Repeat("<p>The harbour authority approved the plan after a long public hearing on Monday evening.</p>", 6)
	for _, wrapper := range []string{
		`<div class="sidebar-layout comments-enabled">`, `<div class="post-wrapper share-tools-below">`,
		`<div class="field field--name-body field--type-text-with-summary summary">`, `<section class="related-content main">`,
	} {
		page := `<html><body><div class="nav"><a href="/">Home</a></div>` + wrapper + story + `</div><div class="footer">© Site</div></body></html>`
		doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
		if err != nil {
			t.Errorf("%s: %v", wrapper, err)
			continue
		}
		if n := strings.Count(doc.Text(), "The harbour authority approved"); n != 6 {
			t.Errorf("%s: %d of 6 paragraphs read:%s", wrapper, n, dumpBlocks(doc.Blocks))
		}
	}
}

// Lines English-language papers set between paragraphs (ads, newsletter
// pitches, photo credits, bylines, time stamps) are not read.
func TestExtractDropsAdvertisementLines(t *testing.T) {
	p := "<p>The harbour authority approved the plan after a long public hearing on Monday evening.</p>"
	page := `<html><body><article><h1>Harbour plan approved</h1>` + p + `<p>Advertisement</p><div>Continue reading the main story</div>` + p +
		`<p>Story continues below advertisement</p><p>SIGN UP FOR OUR NEWSLETTER</p><p>Photo: JIM WATSON/AFP/Getty Images</p><p>By Nathan Willis</p><p>Updated 3:45 PM ET, Mon March 2, 2015</p>` + p +
		`<p>By Friday the harbour authority expects the first contracts to be signed.</p>` + `<p>An advertisement campaign will explain the plan to residents.</p></article></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.ArticleText()
	for _, s := range []string{"Advertisement\n", "Continue reading", "Story continues", "NEWSLETTER", "Getty", "Nathan Willis", "3:45 PM"} {
		if strings.Contains(got, s) {
			t.Errorf("read %q:\n%s", s, got)
		}
	}
	if strings.Count(got, "approved the plan") != 3 || !strings.Contains(got, "An advertisement campaign") || !strings.Contains(got, "By Friday the harbour") {
		t.Errorf("story lost:\n%s", got)
	}
}

// When the markup's best container tells another story than the page's
// JSON-LD articleBody, the JSON-LD body is read.
func TestExtractPrefersJSONLDOverAnotherStory(t *testing.T) {
	story := "The harbour authority approved the new ferry terminal on Monday after a public hearing that lasted four hours. Construction starts in May and should take two years. The terminal will have room for three ferries at once and a covered waiting hall for six hundred passengers."
	other := strings.Repeat("<p>I have been reading this site for years and I think the council never listens to anyone who lives near the water, which is a shame.</p>", 8)
	page := `<html><head><script type="application/ld+json">{"@type":["NewsArticle"],"headline":"Ferry terminal approved","articleBody":"` + story + `"}</script></head>
<body><h1>Ferry terminal approved</h1><div class="x1"><span>` + story[:60] + `</span></div><div class="x2">` + other + `</div></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.ArticleText(); got != story || doc.Title != "Ferry terminal approved" {
		t.Errorf("title %q, text:\n%s", doc.Title, got)
	}
}

func TestExtractJSONLDBodyWithMarkup(t *testing.T) {
	page := `<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"Bridge reopens","articleBody":"<p>The old bridge reopened to traffic on Friday after eight months of repairs to its <b>steel</b> arches.</p><p>Buses return to their usual route on Monday.</p>"}]}</script></head><body><div id="app"></div></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "The old bridge reopened to traffic on Friday after eight months of repairs to its steel arches.\nBuses return to their usual route on Monday."
	if got := doc.ArticleText(); got != want || doc.Title != "Bridge reopens" {
		t.Errorf("title %q, text %q", doc.Title, got)
	}
}

// A page whose only text looks like furniture (here a list of links with
// excerpts) is read rather than refused.
func TestExtractFallsBackWhenEverythingLooksLikeFurniture(t *testing.T) {
	var items strings.Builder
	for _, s := range []string{"First harbour ferry sails", "Second ferry joins the fleet", "Timetable grows in spring", "Fares stay the same"} {
		items.WriteString(`<li><a href="/x">` + s + `</a><p>The harbour company says more ferries will sail this year.</p></li>`)
	}
	page := `<html><head><title>Ferry news</title></head><body><ul class="list">` + items.String() + `</ul></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.ArticleText(); strings.Count(got, "The harbour company says") != 4 {
		t.Errorf("got:\n%s", got)
	}
}

// Sections of one story nested in their own wrappers (page builders cut a
// story around every figure) are all read, even a short one.
func TestExtractJoinsSectionsCutFromTheSameMould(t *testing.T) {
	long := strings.Repeat("<p>The harbour authority approved the plan after a long public hearing on Monday evening, officials said.</p>", 5)
	section := func(body string) string {
		return `<section class="outer"><div class="container"><div class="post-body wysiwyg">` + body + `</div></div></section>`
	}
	page := `<html><body><h1>Harbour plan approved</h1><div id="post">` + section(long) + `<figure><img src="a.jpg"><figcaption>The harbour</figcaption></figure>` +
		section("<p>Work starts in May.</p>") + `<aside class="promo">Subscribe</aside>` + section(long) + `</div><div class="footer">© Harbour News</div></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.ArticleText()
	if strings.Count(got, "The harbour authority approved") != 10 || !strings.Contains(got, "Work starts in May.") || strings.Contains(got, "Subscribe") {
		t.Errorf("got:\n%s", got)
	}
}

// Pages built to be slow stay fast: thousands of wrapped sections, of
// lead-like boxes, of teaser items.
func TestExtractPathologicalPagesAreBounded(t *testing.T) {
	para := "<p>The harbour authority approved the plan after a long public hearing.</p>"
	wrapped := strings.Repeat(`<div class="a"><div class="b"><div class="c">`+para+`</div></div></div>`, 30000)
	leads := `<h1>Title of the story</h1>` + strings.Repeat(`<div class="summary">A summary box that looks like a lead paragraph.</div>`+para, 8000)
	teasers := strings.Repeat(`<ul>`+strings.Repeat(`<li><a href="/x">A headline of a teaser</a><p>Excerpt.</p></li>`, 5)+`</ul>`, 3000)
	deep := strings.Repeat(`<div><span>a</span><span>b</span>`, 400) + strings.Repeat(`<div><a href="/x">A headline of a teaser</a><p>Excerpt.</p></div>`, 20000) + para + strings.Repeat(`</div>`, 400)
	for name, body := range map[string]string{"wrapped": wrapped, "leads": leads, "teasers": teasers + para, "deep": deep} {
		page := "<html><body>" + body + "</body></html>"
		start := time.Now()
		if _, err := ExtractHTML(strings.NewReader(page), ExtractOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// Linear work takes about a second even on a loaded machine; the
		// quadratic kind took tens of seconds.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s (%d KB): took %v", name, len(page)>>10, d)
		}
	}
}

// A live blog whose posts are <article>s each is read whole, not one post.
func TestExtractLiveBlogOfArticles(t *testing.T) {
	var posts strings.Builder
	for _, s := range []string{"Polls have closed across the state and counting has begun in all counties.",
		"Turnout looks high in the capital, officials at two polling stations told our reporter.",
		"The first results from the rural north show the incumbent ahead by a wide margin."} {
		posts.WriteString(`<article class="post"><time>9:42 PM</time><div class="post-body"><p>` + s + ` More details will follow as the night goes on.</p></div></article>`)
	}
	page := `<html><body><h1>Election night live</h1><div class="live">` + posts.String() + `</div></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.ArticleText()
	for _, s := range []string{"Polls have closed", "Turnout looks high", "The first results"} {
		if !strings.Contains(got, s) {
			t.Errorf("missing %q:\n%s", s, got)
		}
	}
}

// A story wrapped in a boilerplate-sounding class on a page whose menus
// outweigh it is not lost for the one line left after pruning.
func TestExtractRereadsWhenPruningLeavesALine(t *testing.T) {
	var menu strings.Builder
	for i := range 300 {
		menu.WriteString(`<li><a href="/s` + string(rune('a'+i%26)) + `">Section name number</a></li>`)
	}
	story := strings.Repeat("<p>The harbour authority approved the plan after a long public hearing on Monday evening.</p>", 5)
	page := `<html><body><ul class="mega">` + menu.String() + `</ul><div class="post-content share-enabled">` + story +
		`</div><p>Copyright 2024 Harbour News, all rights reserved by the publisher.</p></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.ArticleText(); strings.Count(got, "The harbour authority approved") != 5 {
		t.Errorf("got:\n%s", got)
	}
}

func TestDedupeLead(t *testing.T) {
	pb := func(ss ...string) []pendingBlock {
		var out []pendingBlock
		for _, s := range ss {
			out = append(out, pendingBlock{Block: Block{Kind: KindParagraph, Text: s}})
		}
		return out
	}
	tests := []struct {
		lead     string
		body     []pendingBlock
		wantLead string
		wantBody int
	}{
		{"The bridge reopened on Friday.", pb("The bridge reopened on Friday.", "Buses return."), "The bridge reopened on Friday.", 1},
		{"The bridge reopened on Friday. Buses return.", pb("The bridge reopened on Friday.", "Buses return.", "More."), "The bridge reopened on Friday. Buses return.", 1},
		{"The bridge reopened", pb("The bridge reopened on Friday after repairs.", "More."), "", 2},
		{"A summary of the story.", pb("The bridge reopened on Friday.", "More."), "A summary of the story.", 2},
	}
	for _, tc := range tests {
		lead, body := dedupeLead(tc.lead, tc.body)
		if lead != tc.wantLead || len(body) != tc.wantBody {
			t.Errorf("dedupeLead(%q) = %q, %d blocks; want %q, %d", tc.lead, lead, len(body), tc.wantLead, tc.wantBody)
		}
	}
}

// An endless-scroll page holds the next story too, longer than this one:
// the page's own headline says which story is the page's.
func TestExtractPicksTheStoryThePageNames(t *testing.T) {
	this := strings.Repeat("<p>The harbour authority approved the ferry terminal after a long public hearing.</p>", 4)
	next := strings.Repeat("<p>The city marathon drew a record field of runners, the organisers said on Sunday evening.</p>", 9)
	page := `<html><head><title>Ferry terminal approved | Harbour News</title><meta property="og:title" content="Ferry terminal approved"></head><body>
<article><h1>Ferry terminal approved</h1>` + this + `</article><article><h2>Record field for the city marathon</h2>` + next + `</article></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.ArticleText(); !strings.Contains(got, "ferry terminal") || strings.Contains(got, "marathon") {
		t.Errorf("title %q, text:\n%s", doc.Title, got)
	}
}
