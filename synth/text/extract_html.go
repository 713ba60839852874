package text

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/unicode/norm"
)

// ExtractOptions configures ExtractHTML.
type ExtractOptions struct {
	// URL is the page's address. It only helps to tell the site's name
	// apart from the headline in <title>; it may be empty.
	URL string
	// MaxBytes bounds the page; 0 means DefaultMaxBytes. A bigger page
	// fails with an error wrapping ErrTooLarge.
	MaxBytes int64
}

// ExtractHTML finds the article in a news page: the title, the lead (sapo)
// and the body blocks in reading order. It uses what the page says before
// guessing: JSON-LD (headline, description, articleBody), Open Graph,
// itemprop="articleBody" and <article>; then containers scored by their
// prose, weighing text and link density over class names. Navigation,
// scripts, the page's own audio player, figures and captions, photo
// credits, bylines, tags, teaser lists, related-news and "Xem thêm" boxes,
// comments and footers are left out. The same page always gives the same
// document.
func ExtractHTML(r io.Reader, opts ExtractOptions) (Document, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Document{}, fmt.Errorf("extract html: read: %w", err)
	}
	if int64(len(data)) > limit {
		return Document{}, fmt.Errorf("extract html: page larger than %d bytes: %w", limit, ErrTooLarge)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Document{}, fmt.Errorf("extract html: %w", ErrEmpty)
	}
	src := decodePage(data)
	if looksBinary(src) {
		return Document{}, fmt.Errorf("extract html: %w", ErrNotText)
	}
	root, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// x/net/html refuses pages nested deeper than 512 elements.
		return Document{}, fmt.Errorf("extract html: parse: %w: %w", ErrTooLarge, err)
	}
	x := newExtractor(root, false)
	doc := x.document(opts)
	if small := letters(doc.ArticleText()); !x.found(doc) || small < 150 {
		// Class names dropped everything, or all but a line ("%d bloggers
		// like this:"): read the page again trusting only its tags, and
		// take that reading when it finds much more.
		rx := newExtractor(root, true)
		if rdoc := rx.document(opts); rx.found(rdoc) && (!x.found(doc) || letters(rdoc.ArticleText()) > 3*small+100) {
			x, doc = rx, rdoc
		}
	}
	if !x.found(doc) {
		return Document{}, fmt.Errorf("extract html: no article text found: %w", ErrEmpty)
	}
	return doc, nil
}

// decodePage turns the page into UTF-8 using its BOM or <meta charset>.
func decodePage(data []byte) string {
	if !utf8.Valid(data) {
		if enc, name, _ := charset.DetermineEncoding(data, "text/html"); enc != nil && name != "utf-8" {
			if d, err := enc.NewDecoder().Bytes(data); err == nil {
				data = d
			}
		}
	}
	s := string(data)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return repairMojibake(s)
}

type extractor struct {
	root    *html.Node
	pruned  map[*html.Node]bool
	meta    map[string]string
	ld      linkedData
	lang    string
	docText int // bytes of text in the whole page, outside scripts and styles

	titleFromBody bool // the title is an <h1> of the page, not only <title>
	relaxed       bool // class names, shapes and hidden styles prune nothing
}

// found says whether doc holds an article: more than a <title>.
func (x *extractor) found(doc Document) bool {
	return len(doc.Blocks) > 1 || len(doc.Blocks) == 1 && (doc.Blocks[0].Kind != KindTitle || x.titleFromBody)
}

// newExtractor reads the page's metadata and marks what is not article
// text; relaxed keeps everything but the tags that never hold any.
func newExtractor(root *html.Node, relaxed bool) *extractor {
	x := &extractor{root: root, pruned: map[*html.Node]bool{}, meta: map[string]string{}, relaxed: relaxed}
	x.readHead()
	x.ld = readLinkedData(root)
	x.docText = x.ownTextTotal(root)
	x.prune(root, 0)
	return x
}

// Elements that never hold article text.
var dropTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Svg: true, atom.Canvas: true, atom.Nav: true, atom.Footer: true, atom.Aside: true,
	atom.Button: true, atom.Audio: true, atom.Video: true, atom.Figure: true,
	atom.Figcaption: true, atom.Picture: true, atom.Img: true, atom.Object: true, atom.Embed: true,
	atom.Select: true, atom.Input: true, atom.Textarea: true, atom.Map: true, atom.Dialog: true,
	atom.Menu: true, atom.Head: true, atom.Math: true, atom.Source: true, atom.Track: true,
}

// Class and id words of boilerplate containers.
var boilerplateWords = setOf("nav", "navbar", "navigation", "menu", "footer", "sidebar", "share", "sharing",
	"social", "comment", "comments", "related", "relate", "tags", "tag", "keyword", "keywords",
	"breadcrumb", "breadcrumbs", "banner", "ads", "ad", "advert", "advertisement", "adv", "qc",
	"quangcao", "sponsor", "sponsored", "promo", "player", "audio", "video", "caption", "credit",
	"credits", "meta", "byline", "author", "date", "time", "datetime", "timestamp", "category", "cate",
	"newsletter", "subscribe", "popular", "mostread", "recommend", "recommended", "readmore", "print",
	"toolbar", "rating", "poll", "modal", "popup", "cookie", "hidden", "lienquan", "tinlienquan",
	"xemthem", "widget", "gallery", "slideshow", "photo", "image", "img", "thumb", "thumbnail",
	"figure", "embed", "tool", "tools", "follow", "like", "header-top", "topbar", "login", "search")

// Substrings that mark boilerplate even inside compound class names.
var boilerplateParts = []string{"related", "lienquan", "xemthem", "xem-them", "breadcrumb", "comment",
	"sidebar", "newsletter", "advert", "social", "share", "player", "caption", "banner", "footer",
	"cungchuyenmuc", "tin-khac", "tinkhac", "most-read", "box-tag", "list-tag", "disqus",
	// A paragraph classed "paywall" is story text the page hides from
	// non-subscribers; "paywall-modal", "paywall-bar", "paywall-prompt" are
	// the pitch.
	"paywall-", "paywall_", "regwall"}

// Class and id words of the lead paragraph (sapo).
var leadWords = setOf("sapo", "lead", "summary", "description", "desc", "chapeau", "excerpt", "intro",
	"tomtat", "standfirst", "sapo-detail", "short_intro", "abstract", "dek", "subtitle", "deck")

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// classParts splits n's class and id into the words that say what n is.
// Class names that only qualify a node ("has-post-thumbnail",
// "content-with-sidebar", WordPress's "category-news", "type-post") say
// nothing about its role and are left out, so they can neither drop nor
// promote it.
func classParts(n *html.Node) []string {
	var parts []string
	for _, tok := range strings.Fields(strings.ToLower(attr(n, "class") + " " + attr(n, "id"))) {
		if qualifierClass(tok) {
			continue
		}
		parts = append(parts, strings.FieldsFunc(tok, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		})...)
	}
	return parts
}

// Prefixes of qualifier classes; "hidden-xs" and "visible-md" are
// responsive utilities that hide a node on some screens only.
var qualifierPrefixes = []string{"has-", "is-", "no-", "with-", "without-", "category-", "tag-", "tags-", "format-",
	"type-", "status-", "post-type-", "postid-", "layout-", "theme-", "page-template", "hidden-", "visible-"}

func qualifierClass(tok string) bool {
	for _, p := range qualifierPrefixes {
		if strings.HasPrefix(tok, p) {
			return true
		}
	}
	return strings.Contains(tok, "-with-") || strings.Contains(tok, "_with_") || strings.Contains(tok, "--type-")
}

func isLeadNode(n *html.Node) bool {
	for _, w := range classParts(n) {
		if leadWords[w] {
			return true
		}
	}
	return false
}

// Table parts are rows of data; their class names ("player-row") name the
// data, not the page furniture.
func isTablePart(a atom.Atom) bool {
	switch a {
	case atom.Table, atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr, atom.Td, atom.Th, atom.Caption, atom.Colgroup:
		return true
	}
	return false
}

func looksBoilerplate(n *html.Node) bool {
	switch strings.ToLower(attr(n, "role")) {
	case "navigation", "banner", "contentinfo", "complementary", "search", "dialog":
		return true
	}
	if isTablePart(n.DataAtom) || strings.EqualFold(attr(n, "itemprop"), "articleBody") || isLeadNode(n) {
		return false
	}
	for _, w := range classParts(n) {
		if boilerplateWords[w] {
			return true
		}
	}
	var raw strings.Builder
	for _, tok := range strings.Fields(strings.ToLower(attr(n, "class") + " " + attr(n, "id"))) {
		if !qualifierClass(tok) {
			raw.WriteString(tok + " ")
		}
	}
	raw.WriteString(strings.ToLower(attr(n, "type") + " " + attr(n, "data-type")))
	if strings.Contains(raw.String(), "commentary") {
		return false // an opinion piece, not its readers' comments
	}
	for _, part := range boilerplateParts {
		if strings.Contains(raw.String(), part) {
			return true
		}
	}
	return false
}

func isHidden(n *html.Node) bool {
	if _, ok := attrOK(n, "hidden"); ok || attr(n, "aria-hidden") == "true" {
		return true
	}
	style := strings.ReplaceAll(strings.ToLower(attr(n, "style")), " ", "")
	return strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden")
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// prune marks the boilerplate subtrees. A container that holds most of the
// page's text or the headline is never boilerplate, whatever its class
// says ("content has-video").
func (x *extractor) prune(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.CommentNode {
			x.pruned[c] = true
			continue
		}
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case dropTags[c.DataAtom]:
			x.pruned[c] = true
			continue
		case x.relaxed || c.DataAtom == atom.Html || c.DataAtom == atom.Body || c.DataAtom == atom.Main || c.DataAtom == atom.Article:
		case x.teaserList(c) && !hasHeadline(c):
			// Teasers can hold more text than a short story: their shape,
			// not their size, decides.
			x.pruned[c] = true
			continue
		case isHidden(c) || looksBoilerplate(c) || c.DataAtom == atom.Form:
			// A form is a search box or a comment box, unless it wraps the
			// whole page (ASP.NET WebForms).
			if !x.holdsArticle(c) {
				x.pruned[c] = true
				continue
			}
		}
		x.prune(c, depth+1)
	}
}

// teaserList recognises a list of links to other stories by its shape:
// at least three items, each a headline link with at most a short
// excerpt, whatever the list is called ("Breaking news", "More stories").
func (x *extractor) teaserList(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Div, atom.Section:
	default:
		return false
	}
	items := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			items++
		}
	}
	if items < 3 {
		return false // a wrapper, not a list: its one child is looked at on its own
	}
	teasers, all, linked := 0, 0, 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li && c.DataAtom != atom.Article && c.DataAtom != atom.Div {
			continue
		}
		text, links := x.textStats(c, true)
		all += text
		linked += links
		if text < 300 && x.headlineLink(c) {
			teasers++
		}
	}
	return teasers >= 3 && teasers*5 >= items*3 && linked*6 >= all
}

// headlineLink says whether a list item opens with a link of ten letters
// or more that stands on its own: in a heading, or before the excerpt
// with no text of the item running on from it.
func (x *extractor) headlineLink(item *html.Node) bool {
	for d := range item.Descendants() {
		if d.Type == html.ElementNode && d.DataAtom == atom.A {
			if t, _ := x.textStats(d, true); t >= 10 && (underHeading(d, item) || ownTextBlank(item) && startsWith(item, d)) {
				return true
			}
		}
	}
	return false
}

// underHeading says whether a sits in a heading inside item.
func underHeading(a, item *html.Node) bool {
	for p := a.Parent; p != nil && p != item; p = p.Parent {
		switch p.DataAtom {
		case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			return true
		}
	}
	return false
}

// ownTextBlank says whether n has no text of its own beside its children
// elements: a teaser's headline link stands apart from its excerpt, while
// a list item of prose runs on after its link ("Einstein, physicist").
func ownTextBlank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return false
		}
	}
	return true
}

// startsWith says whether the first text of item lies inside a.
func startsWith(item, a *html.Node) bool {
	for d := range item.Descendants() {
		if d.Type == html.TextNode && strings.TrimSpace(d.Data) != "" {
			return isAncestor(a, d)
		}
	}
	return false
}

// textBefore counts the text of root that comes before n.
func (x *extractor) textBefore(root, n *html.Node) int {
	l := 0
	for d := range root.Descendants() {
		if d == n {
			break
		}
		if d.Type == html.TextNode && !x.prunedAncestor(d) {
			l += len(strings.TrimSpace(d.Data))
		}
	}
	return l
}

// hasHeadline says whether n holds an <h1>.
func hasHeadline(n *html.Node) bool {
	for d := range n.Descendants() {
		if d.DataAtom == atom.H1 {
			return true
		}
	}
	return false
}

// holdsArticle says whether n wraps the story: it holds the headline or
// most of the page's text. Such a node is kept whatever its class says.
func (x *extractor) holdsArticle(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if strings.EqualFold(attr(p, "itemprop"), "articleBody") {
			return false // a part of the marked article body, not a wrapper around it
		}
	}
	if hasHeadline(n) {
		return true
	}
	// Links count too: by prose alone a long comment thread would hold
	// the article. A story that menus outweigh is found by the second
	// reading (ExtractHTML).
	return x.docText > 0 && x.ownTextTotal(n)*2 > x.docText
}

// ownTextTotal counts the letters of text under n outside scripts and styles.
func (x *extractor) ownTextTotal(n *html.Node) int {
	total := 0
	for d := range n.Descendants() {
		if d.Type == html.TextNode && d.Parent != nil && d.Parent.DataAtom != atom.Script && d.Parent.DataAtom != atom.Style {
			total += len(strings.TrimSpace(d.Data))
		}
	}
	return total
}

func (x *extractor) readHead() {
	for n := range x.root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Html:
			x.lang = attr(n, "lang")
		case atom.Meta:
			key := attr(n, "property")
			if key == "" {
				key = attr(n, "name")
			}
			if key == "" {
				key = attr(n, "itemprop")
			}
			if key != "" {
				if _, seen := x.meta[strings.ToLower(key)]; !seen {
					x.meta[strings.ToLower(key)] = attr(n, "content")
				}
			}
		case atom.Title:
			if _, seen := x.meta["<title>"]; !seen && n.FirstChild != nil {
				x.meta["<title>"] = n.FirstChild.Data
			}
		case atom.Link:
			if _, seen := x.meta["<canonical>"]; !seen && strings.EqualFold(attr(n, "rel"), "canonical") {
				x.meta["<canonical>"] = attr(n, "href")
			}
		}
	}
}

// Inline elements keep their text in the surrounding block.
var inlineTags = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true, atom.Font: true, atom.I: true,
	atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true,
	atom.Span: true, atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true,
	atom.Var: true, atom.Wbr: true, atom.Big: true, atom.Strike: true, atom.Tt: true, atom.Ins: true, atom.Del: true,
}

// document assembles title, lead and body.
func (x *extractor) document(opts ExtractOptions) Document {
	roots := x.articleRoots()
	var body *html.Node
	if len(roots) > 0 {
		body = roots[0]
	}
	titleNode := x.findTitle(body)
	leadNode := x.findLead(roots, titleNode)
	doc := Document{Language: x.lang}
	switch {
	case titleNode != nil:
		doc.Title = blockText(x.plainText(titleNode))
		x.titleFromBody = true
	default:
		doc.Title = siteTitle(blockText(firstNonEmpty(x.ld.Headline, x.meta["og:title"], x.meta["<title>"])), x.meta["og:site_name"],
			firstNonEmpty(opts.URL, x.meta["<canonical>"], x.meta["og:url"]))
	}
	if leadNode != nil {
		doc.Lead = blockText(x.plainText(leadNode))
	}
	doc.PublishedAt = firstNonEmpty(x.meta["article:published_time"], x.meta["datepublished"], x.meta["pubdate"])
	doc.Byline = firstNonEmpty(x.meta["author"], x.meta["article:author"])
	var blocks []pendingBlock
	if body != nil {
		w := &blockWalker{x: x, skip: map[*html.Node]bool{}, waitFor: nil}
		if titleNode != nil {
			w.skip[titleNode] = true
			if isAncestor(body, titleNode) && x.textBefore(body, titleNode)*5 < x.paragraphText(body) {
				w.waitFor = titleNode // what precedes the headline is kicker and breadcrumbs
			}
		}
		if leadNode != nil {
			w.skip[leadNode] = true
		}
		for _, r := range roots {
			if r == titleNode || r == leadNode {
				continue
			}
			if isParagraphTag(r.DataAtom) { // a lone paragraph beside the story's wrapper
				w.element(r, KindParagraph)
			} else {
				w.walk(r, KindParagraph)
			}
			w.flush()
		}
		blocks = w.blocks
	}
	// JSON-LD's articleBody is the story when the page's markup gives much
	// less (a body filled in by scripts, markup Loa could not read) or
	// something else (a container that outscored the story).
	if ld := letters(x.ld.Body); ld > 0 {
		dom := 0
		var texts []string
		for _, b := range blocks {
			dom += letters(b.Text)
			texts = append(texts, b.Text)
		}
		if dom == 0 || ld > 2*dom+200 || ld >= 200 && wordOverlap(x.ld.Body, strings.Join(texts, " ")) < 0.4 {
			blocks = blocks[:0]
			for _, b := range paragraphsOf(x.ld.Body) {
				blocks = append(blocks, pendingBlock{Block: b})
			}
		}
	}
	doc.Lead, blocks = dedupeLead(doc.Lead, blocks)
	// A few bold words closing the story are the byline ("Minh Anh").
	if n := len(blocks); n > 1 && blocks[n-1].bold && blocks[n-1].Kind == KindParagraph && len(strings.Fields(blocks[n-1].Text)) <= 5 && !strings.ContainsAny(blocks[n-1].Text, ".!?:") {
		blocks = blocks[:n-1]
	}
	// Without a marked lead, a first paragraph set entirely in bold, or
	// equal to the page's description, is the lead.
	if doc.Lead == "" && len(blocks) > 0 && blocks[0].Kind == KindParagraph && len(blocks) > 1 {
		desc := blockText(firstNonEmpty(x.ld.Description, x.meta["og:description"], x.meta["description"]))
		if blocks[0].bold || desc != "" && strings.EqualFold(desc, blocks[0].Text) {
			doc.Lead = blocks[0].Text
			blocks = blocks[1:]
		}
	}
	var out []Block
	if doc.Title != "" {
		out = append(out, Block{Kind: KindTitle, Text: doc.Title})
	}
	if doc.Lead != "" {
		out = append(out, Block{Kind: KindLead, Text: doc.Lead})
	}
	for _, b := range blocks {
		if b.Text == doc.Title || b.Text == doc.Lead {
			continue
		}
		out = append(out, Block{Kind: b.Kind, Text: b.Text})
	}
	doc.Blocks = out
	return doc
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// siteTitle drops the site's name from a <title>: "Headline | Site", or
// "Headline - Site" when Site is the og:site_name or the page's host.
func siteTitle(t, siteName, pageURL string) string {
	if i := strings.Index(t, " | "); i > 0 {
		return strings.TrimSpace(t[:i])
	}
	host := ""
	if u, err := url.Parse(pageURL); err == nil {
		host = foldASCII(u.Hostname())
	}
	for _, sep := range []string{" - ", " – ", " — "} {
		i := strings.LastIndex(t, sep)
		if i <= 0 {
			continue
		}
		site := strings.TrimSpace(t[i+len(sep):])
		f := foldASCII(site)
		if strings.EqualFold(site, siteName) || f != "" && host != "" && strings.Contains(host, f) {
			return strings.TrimSpace(t[:i])
		}
	}
	return t
}

// foldASCII lowercases s and keeps only ASCII letters and digits, with
// Vietnamese letters stripped of their marks ("Báo Mẫu" → "baomau").
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r == 'đ':
			b.WriteByte('d')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isAncestor(a, n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}

// articleRoots returns the subtrees that hold the article, in reading
// order. A node the page marks as the article body (itemprop="articleBody")
// wins when it holds real text; otherwise containers are scored by the
// paragraph text they hold (the readability idea: a text block adds its
// length to its parent and half of it to its grandparent), the best one is
// widened to an enclosing <article>, and sibling sections of the same
// article (split around figures or ads) join it.
func (x *extractor) articleRoots() []*html.Node {
	scores := map[*html.Node]float64{}
	var order []*html.Node // scored nodes in document order: ties never depend on map order
	add := func(n *html.Node, v float64) {
		if _, ok := scores[n]; !ok {
			order = append(order, n)
		}
		scores[n] += v
	}
	var bodyNode *html.Node
	var marked, articles []*html.Node
	for n := range x.root.Descendants() {
		if n.Type != html.ElementNode || x.prunedAncestor(n) {
			continue
		}
		switch {
		case n.DataAtom == atom.Body:
			bodyNode = n
		case strings.EqualFold(attr(n, "itemprop"), "articleBody"):
			marked = append(marked, n)
		case n.DataAtom == atom.Article:
			articles = append(articles, n)
		}
		if inlineTags[n.DataAtom] {
			continue
		}
		own, links := x.ownText(n)
		if own < 25 || links*2 > own {
			continue
		}
		score := float64(own) + float64(strings.Count(x.ownString(n), ","))*10
		if !isParagraphTag(n.DataAtom) {
			add(n, score)
		}
		if p := n.Parent; p != nil {
			add(p, score)
			if g := p.Parent; g != nil {
				add(g, score/2)
			}
		}
	}
	var best *html.Node
	bestScore := 0.0
	for _, n := range order {
		if s := scores[n]; !isParagraphTag(n.DataAtom) && (s > bestScore || s == bestScore && best != nil && depth(n) > depth(best)) {
			best, bestScore = n, s
		}
	}
	if m := x.markedBody(marked, best); m != nil {
		return []*html.Node{m}
	}
	if a := x.titledArticle(articles); a != nil && (best == nil || !isAncestor(a, best) && a != best) {
		// The page names its story, and the scoring preferred another
		// one (the next story of an endless scroll, a longer teaser).
		return []*html.Node{a}
	}
	if best == nil {
		if bodyNode == nil {
			return nil
		}
		return []*html.Node{bodyNode}
	}
	// Prefer the deepest container that still holds most of the best score.
	for _, n := range order {
		if s := scores[n]; !isParagraphTag(n.DataAtom) && s >= bestScore*0.8 && isAncestor(best, n) && depth(n) > depth(best) {
			best = n
		}
	}
	roots := x.withSiblings(best, scores)
	// Paragraphs of the story can also sit one level up, beside the
	// container that holds most of it (an intro paragraph before the
	// body's own wrapper).
	if p := best.Parent; p != nil && p.DataAtom != atom.Body && p.DataAtom != atom.Html {
		for _, r := range x.withSiblings(p, scores) {
			if r != p {
				roots = append(roots, r)
			}
		}
	}
	// Sections of one article split by figures, ads or pull quotes often
	// sit in cousin containers a few levels up; each scores like a
	// paragraph parent of its own.
	for _, n := range order {
		s := scores[n]
		if isParagraphTag(n.DataAtom) || s < bestScore*0.3 || n == best || isAncestor(n, best) || isAncestor(best, n) {
			continue
		}
		if !nearCousin(best, n, 6) || x.linkDensity(n) >= 0.25 {
			continue
		}
		roots = append(roots, n)
	}
	// A section cut from the same mould as the best one (same tag and
	// class, a few levels away) belongs to the story however short it is.
	if class := attr(best, "class"); class != "" {
		top := best
		for i := 0; i < 6 && top.Parent != nil && top.Parent.DataAtom != atom.Body && top.Parent.DataAtom != atom.Html; i++ {
			top = top.Parent
		}
		for n := range top.Descendants() {
			if n != best && n.DataAtom == best.DataAtom && attr(n, "class") == class && !x.prunedAncestor(n) &&
				!isAncestor(n, best) && !isAncestor(best, n) && x.paragraphText(n) > 0 && x.linkDensity(n) < 0.25 {
				roots = append(roots, n)
			}
		}
	}
	roots = x.outermost(roots)
	// An enclosing <article> brings the headline, lead and sections the
	// scoring missed, unless it wraps much more than the story found (a
	// page whose comments and teasers sit in one <article> too).
	for p := best; p != nil; p = p.Parent {
		if p.DataAtom == atom.Article {
			found := 0
			for _, r := range roots {
				found += x.paragraphText(r)
			}
			if x.paragraphText(p) <= 2*found+500 {
				// Posts of a live blog are <article>s each: the others stay.
				return x.outermost(append(roots, p))
			}
			break
		}
	}
	return roots
}

// nearCousin says whether a and b share an ancestor at most up levels
// above a.
func nearCousin(a, b *html.Node, up int) bool {
	p := a.Parent
	for i := 0; i < up && p != nil; i++ {
		if isAncestor(p, b) {
			return true
		}
		p = p.Parent
	}
	return false
}

// outermost puts nodes in document order without duplicates and without
// nodes another one holds. In document order a node's descendants follow
// it at once, so comparing with the last one kept is enough: linear, however
// many sections a page has.
func (x *extractor) outermost(nodes []*html.Node) []*html.Node {
	if len(nodes) < 2 {
		return nodes
	}
	pos := map[*html.Node]int{}
	i := 0
	for d := range x.root.Descendants() {
		pos[d] = i
		i++
	}
	slices.SortFunc(nodes, func(a, b *html.Node) int { return pos[a] - pos[b] })
	out := nodes[:1]
	for _, n := range nodes[1:] {
		if last := out[len(out)-1]; n != last && !isAncestor(last, n) {
			out = append(out, n)
		}
	}
	return out
}

// titledArticle returns the <article> whose own headline is the page's
// headline (JSON-LD, Open Graph or <title>), when there are several
// <article>s and exactly one of them is so named and holds a story.
func (x *extractor) titledArticle(articles []*html.Node) *html.Node {
	if len(articles) < 2 {
		return nil
	}
	want := wordKey(firstNonEmpty(x.ld.Headline, x.meta["og:title"]))
	if want == "" {
		want = wordKey(siteTitle(x.meta["<title>"], x.meta["og:site_name"], ""))
	}
	if want == "" {
		return nil
	}
	var pick *html.Node
	for _, a := range articles {
		named := false
		for d := range a.Descendants() {
			if d.DataAtom == atom.H1 || d.DataAtom == atom.H2 {
				named = wordKey(x.plainText(d)) == want
				break
			}
		}
		if !named || x.paragraphText(a) < 300 {
			continue
		}
		if pick != nil {
			return nil
		}
		pick = a
	}
	return pick
}

// markedBody picks the largest itemprop="articleBody" node, unless it is a
// stub (a few words marked up as the body while the story sits elsewhere).
func (x *extractor) markedBody(marked []*html.Node, best *html.Node) *html.Node {
	var pick *html.Node
	size := 0
	for _, m := range marked {
		if t := x.paragraphText(m); t > size {
			pick, size = m, t
		}
	}
	if pick == nil || size < 200 && (best == nil || size*3 < x.paragraphText(best)) {
		return nil
	}
	return pick
}

// withSiblings returns best with the siblings that continue the same
// article: containers that scored a good part of best's score, and plain
// paragraphs of prose.
func (x *extractor) withSiblings(best *html.Node, scores map[*html.Node]float64) []*html.Node {
	parent := best.Parent
	if parent == nil || parent.DataAtom == atom.Html {
		return []*html.Node{best}
	}
	threshold := max(10, scores[best]*0.2)
	var out []*html.Node
	for c := parent.FirstChild; c != nil; c = c.NextSibling {
		if c == best {
			out = append(out, c)
			continue
		}
		if c.Type != html.ElementNode || x.pruned[c] || c.DataAtom == atom.H1 || inlineTags[c.DataAtom] {
			continue
		}
		own, links := x.ownText(c)
		switch {
		case scores[c] >= threshold && x.linkDensity(c) < 0.25:
		case c.DataAtom == atom.P && own >= 80 && links*4 < own:
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

// linkDensity is the share of n's text that sits in links.
func (x *extractor) linkDensity(n *html.Node) float64 {
	all, links := x.textStats(n, true)
	if all == 0 {
		return 0
	}
	return float64(links) / float64(all)
}

// paragraphText counts the text under n outside links and pruned parts.
func (x *extractor) paragraphText(n *html.Node) int {
	all, links := x.textStats(n, true)
	return all - links
}

func isParagraphTag(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Dt, atom.Dd:
		return true
	}
	return false
}

func depth(n *html.Node) int {
	d := 0
	for p := n.Parent; p != nil; p = p.Parent {
		d++
	}
	return d
}

func (x *extractor) prunedAncestor(n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if x.pruned[p] {
			return true
		}
	}
	return false
}

// ownText measures the text of n that is not inside a nested block: its
// length in bytes and how much of it sits in links.
func (x *extractor) ownText(n *html.Node) (total, links int) {
	return x.textStats(n, false)
}

// textStats measures the unpruned text under n, in bytes, and how much of
// it sits in links; nested blocks count only when nested is set.
func (x *extractor) textStats(n *html.Node, nested bool) (total, links int) {
	var walk func(*html.Node, bool)
	walk = func(c *html.Node, inLink bool) {
		for d := c.FirstChild; d != nil; d = d.NextSibling {
			switch {
			case x.pruned[d], d.Type == html.ElementNode && dropTags[d.DataAtom]:
			case d.Type == html.TextNode:
				l := len(strings.TrimSpace(d.Data))
				total += l
				if inLink {
					links += l
				}
			case d.Type == html.ElementNode && (nested || inlineTags[d.DataAtom]):
				walk(d, inLink || d.DataAtom == atom.A)
			}
		}
	}
	walk(n, false)
	return total, links
}

func (x *extractor) ownString(n *html.Node) string {
	var b strings.Builder
	for d := n.FirstChild; d != nil; d = d.NextSibling {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// findTitle returns the headline: the first <h1> of the article, else the
// <h1> closest before it.
func (x *extractor) findTitle(body *html.Node) *html.Node {
	if body != nil {
		for n := range body.Descendants() {
			if n.DataAtom == atom.H1 && !x.prunedAncestor(n) && blockText(x.plainText(n)) != "" {
				return n
			}
		}
	}
	var last *html.Node
	for n := range x.root.Descendants() {
		if n == body {
			break
		}
		if n.DataAtom == atom.H1 && !x.prunedAncestor(n) && blockText(x.plainText(n)) != "" {
			last = n
		}
	}
	if last == nil && body == nil {
		return nil
	}
	return last
}

// findLead returns the element marked as the lead (sapo): after the title,
// before the story's end, and not deep inside its first part (a
// "summary" box further down, or teasers after the story, are no lead).
func (x *extractor) findLead(roots []*html.Node, title *html.Node) *html.Node {
	var first, last *html.Node
	if len(roots) > 0 {
		first, last = roots[0], roots[len(roots)-1]
	}
	afterTitle := title == nil
	seenLast, deep := false, false
	for n := range x.root.Descendants() {
		switch {
		case n == last:
			seenLast = true
		case seenLast && !isAncestor(last, n):
			return nil
		}
		if n == title {
			afterTitle = true
			continue
		}
		if !afterTitle || n.Type != html.ElementNode || !isLeadNode(n) || x.prunedAncestor(n) {
			continue
		}
		if n.DataAtom == atom.Meta || inlineTags[n.DataAtom] && n.DataAtom != atom.Span {
			continue
		}
		// A lead is a paragraph or two; a "summary" holding a whole story is
		// the story.
		if t := blockText(x.plainText(n)); utf8.RuneCountInString(t) < 20 || utf8.RuneCountInString(t) > 1200 {
			continue
		}
		if first != nil && isAncestor(n, first) {
			continue
		}
		if first != nil && isAncestor(first, n) {
			// Text before n only grows: once too deep, every later
			// candidate in the first part is too.
			if deep || x.textBefore(first, n)*5 >= x.paragraphText(first) {
				deep = true
				continue
			}
		}
		if inLaterRoot(roots, n) {
			continue
		}
		return n
	}
	return nil
}

func inLaterRoot(roots []*html.Node, n *html.Node) bool {
	for _, r := range roots[min(1, len(roots)):] {
		if r == n || isAncestor(r, n) {
			return true
		}
	}
	return false
}

// plainText is the visible text of n, blocks separated by spaces.
func (x *extractor) plainText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		for d := c.FirstChild; d != nil; d = d.NextSibling {
			switch {
			case x.pruned[d]:
			case d.Type == html.TextNode:
				b.WriteString(d.Data)
			case d.Type == html.ElementNode:
				if !inlineTags[d.DataAtom] {
					b.WriteByte(' ')
				}
				walk(d)
			}
		}
	}
	walk(n)
	return b.String()
}

// blockText cleans a block's text: entities (double-escaped too), Unicode
// cleanup, collapsed spaces.
func blockText(s string) string {
	return collapseSpaces(cleanString(decodeEntities(s), false))
}

type pendingBlock struct {
	Block
	bold bool
}

// blockWalker turns the article subtree into blocks: block elements and
// <br> are hard boundaries, inline elements add no spaces.
type blockWalker struct {
	x       *extractor
	skip    map[*html.Node]bool
	waitFor *html.Node // ignore everything before this node
	blocks  []pendingBlock

	buf       strings.Builder
	kind      BlockKind
	linkBytes int
	boldBytes int
	inLink    int
	inBold    int
	related   bool // inside a "Xem thêm" / related list
	inCell    int  // inside a table cell, where a linked name is data, not a link list
}

func (w *blockWalker) walk(n *html.Node, kind BlockKind) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if w.waitFor != nil {
			if c == w.waitFor {
				w.waitFor = nil
				w.buf.Reset()
				continue
			}
			if !isAncestor(c, w.waitFor) {
				continue
			}
		}
		if w.x.pruned[c] || w.skip[c] {
			continue
		}
		switch c.Type {
		case html.TextNode:
			if w.buf.Len() == 0 {
				if strings.TrimSpace(c.Data) == "" {
					continue
				}
				w.kind = kind
			}
			w.buf.WriteString(c.Data)
			l := len(strings.TrimSpace(c.Data))
			if w.inLink > 0 {
				w.linkBytes += l
			}
			if w.inBold > 0 {
				w.boldBytes += l
			}
		case html.ElementNode:
			w.element(c, kind)
		}
	}
}

func (w *blockWalker) element(c *html.Node, kind BlockKind) {
	switch a := c.DataAtom; {
	case a == atom.Br || a == atom.Hr:
		w.flush()
	case a == atom.A:
		w.inLink++
		w.walk(c, kind)
		w.inLink--
	case a == atom.B || a == atom.Strong:
		w.inBold++
		w.walk(c, kind)
		w.inBold--
	case inlineTags[a]:
		w.walk(c, kind)
	case a == atom.H1 || a == atom.H2 || a == atom.H3 || a == atom.H4 || a == atom.H5 || a == atom.H6:
		w.flush()
		w.walk(c, KindHeading)
		w.flush()
	case a == atom.Li || a == atom.Dt || a == atom.Dd:
		w.flush()
		w.walk(c, KindListItem)
		w.flush()
	case a == atom.Blockquote:
		w.flush()
		w.walk(c, KindQuote)
		w.flush()
	case a == atom.Td || a == atom.Th:
		w.flush()
		w.inCell++
		w.walk(c, kind)
		w.flush()
		w.inCell--
	default:
		w.flush()
		w.walk(c, kind)
		w.flush()
	}
}

// Blocks that are page furniture, by their text.
var (
	relatedIntro = regexp.MustCompile(`(?i)^(>>\s*)?(xem thêm|đọc thêm|tin liên quan|bài liên quan|tin cùng chuyên mục|có thể bạn quan tâm|tin khác|bài viết liên quan|mời xem thêm|xem tiếp)\b`)
	creditLine   = regexp.MustCompile(`(?i)^\(?\s*(ảnh|video|clip|đồ họa|đồ hoạ|infographic|nguồn ảnh|ảnh minh họa|ảnh minh hoạ|ảnh chụp màn hình)\s*(:|\)|\.?$)`)
	tagsLine     = regexp.MustCompile(`(?i)^(từ khóa|từ khoá|tags?|chủ đề)\s*:`)
	furniture    = regexp.MustCompile(`(?i)^(nghe bài viết|nghe đọc bài|đang tải|chia sẻ|bình luận|theo dõi .{0,40} trên google news|in bài|gửi bài|lưu bài|quay lại|trở về|đầu trang)\b`)
	// Whole lines that newspapers in English put between paragraphs.
	furnitureLine = regexp.MustCompile(`(?i)^(advertisement|advertisements|ad|sponsored( content)?|skip advertisement|story continues below( this)? advertisement|advertisement\W+(story )?continue(s)? (reading )?below|continue reading( the main story)?( below)?|scroll to continue( with content)?|read more|see more|show more|related( articles| stories| coverage| content)?:?|share( this)?( article| story)?:?|recommended( stories| articles)?:?)$`)
	// Short English bylines and time stamps: "By Jane Doe and John Roe",
	// "Updated 3:45 PM ET, Mon March 2, 2015".
	bylineOrStamp = regexp.MustCompile(`^((By|BY|Written by|Words by|Reporting by)\s+\p{Lu}[^.!?]{0,80}|(?i:published|updated|posted|last updated|first published)(\s+on)?:?\s+[^.!?]{0,20}\d[^!?]{0,50})$`)
	// Short English lines that credit a photo or pitch a newsletter.
	creditOrPitch = regexp.MustCompile(`(?i)^(\(?(photo|photograph|image|picture|illustration|video|graphic)s?( by| credit| courtesy of| copyright| source)?\s*[:©]?\s*[^.!?]{0,60}(/|\bvia\b|getty|reuters|ap photo|afp|shutterstock|images?)[^.!?]{0,40}\)?\.?|image (copyright|caption)\b.*|(sign up|subscribe) (for|to) (our|the) .{0,80}newsletter.*|get (our|the) .{0,60}newsletter.*)$`)
	dateOnly      = regexp.MustCompile(`^(?i:(thứ\s+\S+|chủ nhật)\s*,?\s*)?\d{1,2}/\d{1,2}/\d{4}(\s*[-,|]?\s*\d{1,2}[:h]\d{2}\s*(\(?GMT[+-]\d+\)?)?)?$`)
	// A photo credit closing a paragraph: "… nạn nhân (Ảnh: Reuters)." or
	// "… hội nghị. Ảnh: Lâm Khánh/TTXVN."
	trailingCredit = regexp.MustCompile(`\s*(\((?i:ảnh|video|nguồn ảnh)\s*:[^()]{1,80}\)|(^|[.!?…]\s+)(?i:ảnh|video)\s*:[^.]{1,80})\.?$`)
)

// trailingCreditIndex runs trailingCredit only on blocks whose end names
// a photo or video, the few that can hold a credit.
func trailingCreditIndex(t string) []int {
	tail := t
	if len(tail) > 200 {
		tail = tail[len(tail)-200:]
	}
	if !strings.Contains(tail, ":") {
		return nil
	}
	lower := strings.ToLower(tail)
	if !strings.Contains(lower, "ảnh") && !strings.Contains(lower, "video") {
		return nil
	}
	return trailingCredit.FindStringSubmatchIndex(t)
}

func (w *blockWalker) flush() {
	raw := w.buf.String()
	w.buf.Reset()
	linkBytes, boldBytes := w.linkBytes, w.boldBytes
	w.linkBytes, w.boldBytes = 0, 0
	t := blockText(raw)
	if t == "" {
		return
	}
	size := len(strings.Join(strings.Fields(raw), ""))
	linkDense := size > 0 && linkBytes*10 >= size*7
	// The furniture patterns look at a block's first words only, and the
	// whole-line ones fit in a short line: long paragraphs skip the
	// regexps' work on their full length.
	head := t
	if len(head) > 120 {
		head = head[:120]
	}
	short := len(t) <= 80
	switch {
	case relatedIntro.MatchString(head):
		w.related = true
		return
	case w.related && (linkDense || w.kind == KindListItem && linkBytes > 0):
		return
	case short && (playerTime.MatchString(t) || dateOnly.MatchString(t) || furnitureLine.MatchString(t)), len(t) <= 200 && (creditOrPitch.MatchString(t) || bylineOrStamp.MatchString(t)), creditLine.MatchString(head), tagsLine.MatchString(head), furniture.MatchString(head):
		return
	case linkDense && w.inCell == 0 && !strings.HasPrefix(t, "Theo ") && !strings.HasPrefix(t, "Nguồn"):
		return
	}
	w.related = false
	if sub := trailingCreditIndex(t); sub != nil && sub[0] > 0 {
		// Keep the stop that ended the sentence before the credit.
		cut := strings.TrimSpace(t[:sub[0]])
		if sub[4] >= 0 {
			cut = strings.TrimSpace(t[:sub[0]] + t[sub[4]:sub[5]])
		}
		if !strings.HasSuffix(cut, ".") && strings.HasSuffix(t, ".") && sub[4] < 0 {
			cut += "."
		}
		if cut != "" {
			t = cut
		}
	}
	w.blocks = append(w.blocks, pendingBlock{Block: Block{Kind: w.kind, Text: t}, bold: size > 0 && boldBytes*10 >= size*9})
}

// ArticleText is the lead and the body without the headline, one block a
// line: what `loa extract --json` gives as lead and body, and what
// extraction quality is scored on.
func (d Document) ArticleText() string {
	var parts []string
	for _, b := range d.Blocks {
		if b.Kind != KindTitle {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}
