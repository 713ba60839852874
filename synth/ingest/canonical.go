package ingest

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CanonicalURL is the address the publisher says a page lives at: its
// <link rel=canonical>, else its og:url, else finalURL (where the fetch ended
// after redirects). It is how one story reached through two feeds, a sitemap
// and an editor's submission is recognised as one article. Only the head is
// read: the tokenizer stops at <body>.
func CanonicalURL(page, finalURL string) string {
	base, err := url.Parse(finalURL)
	if err != nil {
		base = nil
	}
	var canonical, og string
	z := html.NewTokenizer(strings.NewReader(page))
	for canonical == "" {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.DataAtom {
		case atom.Body:
			return pick(base, canonical, og, finalURL)
		case atom.Link:
			if hasToken(attr(tok, "rel"), "canonical") {
				canonical = resolve(base, attr(tok, "href"))
			}
		case atom.Meta:
			if og == "" && strings.EqualFold(attr(tok, "property"), "og:url") {
				og = resolve(base, attr(tok, "content"))
			}
		}
	}
	return pick(base, canonical, og, finalURL)
}

func pick(base *url.URL, canonical, og, finalURL string) string {
	if canonical != "" {
		return canonical
	}
	if og != "" {
		return og
	}
	return resolve(base, finalURL)
}

func attr(tok html.Token, name string) string {
	for _, a := range tok.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasToken(list, want string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, want) {
			return true
		}
	}
	return false
}
