package text

import (
	"encoding/json"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// linkedData is what a page's schema.org JSON-LD says about its article.
type linkedData struct {
	Headline    string
	Description string
	Body        string // articleBody: the whole story on some pages, only a teaser on others
}

// Schema.org types whose articleBody is the page's story.
var articleTypes = setOf("article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
	"opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle", "scholarlyarticle",
	"socialmediaposting", "liveblogposting", "posting", "report")

// readLinkedData collects the article objects of every JSON-LD script,
// nested in @graph or arrays too, and keeps the one with the longest body.
func readLinkedData(root *html.Node) linkedData {
	var best linkedData
	for n := range root.Descendants() {
		if n.DataAtom != atom.Script || !strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") || n.FirstChild == nil {
			continue
		}
		var v any
		if json.Unmarshal([]byte(n.FirstChild.Data), &v) != nil {
			continue
		}
		visitLinkedData(v, 0, func(m map[string]any) {
			if !isArticleType(m["@type"]) {
				return
			}
			ld := linkedData{Headline: jsonString(m["headline"]), Description: jsonString(m["description"]), Body: jsonString(m["articleBody"])}
			if best.Headline == "" && best.Body == "" || len(ld.Body) > len(best.Body) {
				best = ld
			}
		})
	}
	return best
}

func visitLinkedData(v any, depth int, f func(map[string]any)) {
	if depth > 8 {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			visitLinkedData(e, depth+1, f)
		}
	case map[string]any:
		f(t)
		if g, ok := t["@graph"]; ok {
			visitLinkedData(g, depth+1, f)
		}
		if g, ok := t["mainEntity"]; ok {
			visitLinkedData(g, depth+1, f)
		}
	}
}

func isArticleType(v any) bool {
	switch t := v.(type) {
	case string:
		return articleTypes[strings.ToLower(t)]
	case []any:
		for _, e := range t {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

func jsonString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// paragraphsOf splits a JSON-LD articleBody into blocks: publishers
// separate paragraphs with line breaks, or not at all.
func paragraphsOf(body string) []Block {
	if strings.Contains(body, "</") || strings.Contains(body, "<br") {
		body = markupLines(body)
	}
	var out []Block
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r", ""), "\n") {
		if t := blockText(p); t != "" {
			out = append(out, Block{Kind: KindParagraph, Text: t})
		}
	}
	return out
}

// letters counts the letters and digits of s: the size of text for
// comparisons that should ignore markup and spacing.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 0x7f {
			n++
		}
	}
	return n
}

// wordKey is s reduced to its lower-case words, for comparing blocks that
// differ only in punctuation and spacing.
func wordKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && r != '\u00a0' && r != '“' && r != '”' && r != '’' && r != '‘' && r != '—' && r != '–' && r != '…')
	}), " ")
}

// dedupeLead keeps the lead from being read twice when the body repeats
// it: body blocks the lead covers whole are dropped; a lead that is only
// the start of the first body block goes instead.
func dedupeLead(lead string, blocks []pendingBlock) (string, []pendingBlock) {
	lk := wordKey(lead)
	if lk == "" || len(blocks) == 0 {
		return lead, blocks
	}
	acc := ""
	for k := 0; k < len(blocks) && k < 8; k++ {
		bk := wordKey(blocks[k].Text)
		if bk == "" {
			continue
		}
		if acc != "" {
			acc += " "
		}
		acc += bk
		switch {
		case acc == lk:
			return lead, blocks[k+1:]
		case strings.HasPrefix(acc, lk+" "):
			return "", blocks
		case !strings.HasPrefix(lk, acc+" "):
			return lead, blocks
		}
	}
	return lead, blocks
}

// wordOverlap is the share of the word pairs among the first 300 words
// of a that also occur in b: whether two texts tell the same story,
// whatever their layout (pairs, because single common words are in every
// text).
func wordOverlap(a, b string) float64 {
	wa := strings.Fields(wordKey(a))
	if len(wa) > 300 {
		wa = wa[:300]
	}
	if len(wa) < 2 {
		return 1
	}
	in := map[string]bool{}
	wb := strings.Fields(wordKey(b))
	for i := 1; i < len(wb); i++ {
		in[wb[i-1]+" "+wb[i]] = true
	}
	n := 0
	for i := 1; i < len(wa); i++ {
		if in[wa[i-1]+" "+wa[i]] {
			n++
		}
	}
	return float64(n) / float64(len(wa)-1)
}

// markupLines is the text of an HTML fragment (some publishers put markup
// in articleBody), a line for every paragraph or break.
func markupLines(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); !inlineTags[a] {
				b.WriteByte('\n')
			}
		}
	}
}
