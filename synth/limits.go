package synth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
)

// fieldLimit bounds one free-text field of a submission. Every field is
// copied into manifests, listings, feeds and ID3 tags, so none may be as
// large as the request body.
type fieldLimit struct {
	name  string
	max   int // bytes
	value func(article.Submission) string
}

// Bounds of the extracted title and lead kept in manifests and listings.
const (
	maxTitleBytes = 1000
	maxLeadBytes  = 2000
)

var submissionLimits = []fieldLimit{
	{"id", 128, func(s article.Submission) string { return s.ID }},
	{"source_id", 256, func(s article.Submission) string { return s.SourceID }},
	{"title", maxTitleBytes, func(s article.Submission) string { return s.Title }},
	{"url", 2048, func(s article.Submission) string { return s.URL }},
	{"link", 2048, func(s article.Submission) string { return s.Link }},
	{"voice", 128, func(s article.Submission) string { return s.Voice }},
	{"feed", 64, func(s article.Submission) string { return s.Feed }},
}

// checkFieldLimits refuses a submission whose short fields are too long or
// not plain text, naming the field and its limit.
func checkFieldLimits(sub article.Submission) error {
	for _, f := range submissionLimits {
		v := f.value(sub)
		switch {
		case len(v) > f.max:
			return article.Invalid(fmt.Sprintf("%s is %d bytes; the limit is %d", f.name, len(v), f.max))
		case !utf8.ValidString(v):
			return article.Invalid(fmt.Sprintf("%s is not valid UTF-8", f.name))
		case f.name != "title" && strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			return article.Invalid(fmt.Sprintf("%s contains control characters", f.name))
		}
	}
	return nil
}

// asciiURL percent-encodes the bytes of a link that are not printable
// ASCII (RFC 3987's mapping of an IRI to a URI), which is what the ID3 URL
// frame holds.
func asciiURL(link string) string {
	var b strings.Builder
	for i := 0; i < len(link); i++ {
		c := link[i]
		if c <= 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// speakable reports whether a document has anything a voice can say: a
// letter or a digit. Punctuation alone ("... !!! ???") makes a silent file.
func speakable(doc text.Document) bool {
	for _, b := range doc.Blocks {
		if strings.IndexFunc(b.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0 {
			return true
		}
	}
	return false
}
