// Package extracteval scores article extraction against expected text:
// the corpus in testdata/extract and the one metric every extraction
// figure in Loa is measured by (tests, `make bench`).
package extracteval

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ShingleSize is the number of consecutive words in a shingle.
const ShingleSize = 4

// Words splits s into lower-case words: runs of letters and digits, so
// punctuation and spacing never count (a \w+ tokenizer, like the public
// article-extraction benchmarks use).
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && r != '_'
	})
}

// shingles counts every run of ShingleSize consecutive words; a text
// shorter than that is one shingle of all its words.
func shingles(s string) map[string]int {
	w := Words(s)
	out := map[string]int{}
	if len(w) == 0 {
		return out
	}
	if len(w) < ShingleSize {
		out[strings.Join(w, " ")]++
		return out
	}
	for i := 0; i+ShingleSize <= len(w); i++ {
		out[strings.Join(w[i:i+ShingleSize], " ")]++
	}
	return out
}

// Score is one page's precision, recall and F1 of word 4-gram shingles,
// counted as multisets: a shingle repeated twice where the page has it
// once is one true and one false positive.
type Score struct{ Precision, Recall, F1 float64 }

// Compare scores got against want. Two empty texts agree (F1 1); an
// empty text against a non-empty one scores 0.
func Compare(got, want string) Score {
	g, w := shingles(got), shingles(want)
	if len(g) == 0 && len(w) == 0 {
		return Score{1, 1, 1}
	}
	tp, fp, fn := 0, 0, 0
	for k, gc := range g {
		wc := w[k]
		tp += min(gc, wc)
		fp += max(0, gc-wc)
	}
	for k, wc := range w {
		fn += max(0, wc-g[k])
	}
	if tp == 0 {
		return Score{}
	}
	p := float64(tp) / float64(tp+fp)
	r := float64(tp) / float64(tp+fn)
	return Score{p, r, 2 * p * r / (p + r)}
}

// Page is one corpus page: the HTML as served and the article text a
// reader should get from it (body and lead, without the headline).
type Page struct {
	Name string
	HTML []byte
	Want string
	URL  string // the page's address when known (url.txt), else ""
}

// Load reads a corpus folder: one sub-folder per page holding source.html
// and expected.txt, or expected.html (the layout of Mozilla Readability's
// test pages), turned into text by HTMLText; url.txt is optional. Pages
// come sorted by name.
func Load(dir string) ([]Page, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("extraction corpus: %w", err)
	}
	var pages []Page
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := loadPage(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		p.Name = e.Name()
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("extraction corpus %s: no pages", dir)
	}
	slices.SortFunc(pages, func(a, b Page) int { return strings.Compare(a.Name, b.Name) })
	return pages, nil
}

func loadPage(dir string) (Page, error) {
	var p Page
	var err error
	if p.HTML, err = os.ReadFile(filepath.Join(dir, "source.html")); err != nil {
		return p, fmt.Errorf("extraction corpus: %w", err)
	}
	if want, err := os.ReadFile(filepath.Join(dir, "expected.txt")); err == nil {
		p.Want = string(want)
	} else if !errors.Is(err, os.ErrNotExist) {
		return p, fmt.Errorf("extraction corpus: %w", err)
	} else {
		exp, err := os.ReadFile(filepath.Join(dir, "expected.html"))
		if err != nil {
			return p, fmt.Errorf("extraction corpus: %s has neither expected.txt nor expected.html: %w", dir, err)
		}
		if p.Want, err = HTMLText(exp); err != nil {
			return p, fmt.Errorf("extraction corpus: %s: %w", dir, err)
		}
	}
	if u, err := os.ReadFile(filepath.Join(dir, "url.txt")); err == nil {
		p.URL = strings.TrimSpace(string(u))
	}
	return p, nil
}

// HTMLText is the visible text of an HTML fragment, one line per block
// element; scripts, styles and templates say nothing.
func HTMLText(page []byte) (string, error) {
	root, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				switch c.DataAtom {
				case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head:
					continue
				case atom.A, atom.B, atom.I, atom.Em, atom.Strong, atom.Span, atom.Sup, atom.Sub, atom.Code,
					atom.Small, atom.Abbr, atom.Cite, atom.Q, atom.U, atom.S, atom.Mark, atom.Time, atom.Font:
					walk(c)
				default:
					b.WriteByte('\n')
					walk(c)
					b.WriteByte('\n')
				}
			}
		}
	}
	walk(root)
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}
