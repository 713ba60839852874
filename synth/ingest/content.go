package ingest

import (
	"strings"

	"golang.org/x/net/html"
)

// minWholeArticleWords is the shortest feed content taken as the whole
// article: teasers are a paragraph or two, news articles several hundred
// words.
const minWholeArticleWords = 150

// teaserEndings mark content cut short for the feed.
var teaserEndings = []string{"...", "…", "[…]", "[...]", "read more", "continue reading", "đọc tiếp", "xem tiếp", "xem thêm"}

// HoldsWholeArticle reports whether an item's feed content is the whole
// article, so its page need not be fetched: long enough, and not ending the
// way a teaser does.
func HoldsWholeArticle(content string) bool {
	if content == "" {
		return false
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt == html.TextToken {
			b.Write(z.Text())
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	if len(words) < minWholeArticleWords {
		return false
	}
	tail := strings.ToLower(strings.Join(words[len(words)-3:], " "))
	for _, end := range teaserEndings {
		if strings.HasSuffix(tail, end) {
			return false
		}
	}
	return true
}
