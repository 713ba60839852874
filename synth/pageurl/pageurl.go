// Package pageurl finds the address a page says it lives at, the key an
// article is looked up by when a player on that page asks for its audio.
package pageurl

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Canonical is the address the publisher says a page lives at: its
// <link rel=canonical>, else its og:url, else finalURL (where the fetch ended
// after redirects). It is how one story reached through two feeds, a sitemap
// and an editor's submission is recognised as one article. Only the head is
// read: the tokenizer stops at <body>.
func Canonical(page, finalURL string) string {
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
				canonical = Resolve(base, attr(tok, "href"))
			}
		case atom.Meta:
			if og == "" && strings.EqualFold(attr(tok, "property"), "og:url") {
				og = Resolve(base, attr(tok, "content"))
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
	return Resolve(base, finalURL)
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

// Resolve makes link absolute against base and keeps only http(s) URLs,
// normalised: scheme and host lowercased, the fragment dropped (a fragment
// names a place in the page, not another page).
func Resolve(base *url.URL, link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// Normalize is link in the form articles are stored and looked up by; ""
// when it is not an absolute http(s) URL.
func Normalize(link string) string { return Resolve(nil, link) }
