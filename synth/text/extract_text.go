package text

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxBytes bounds an article when the caller sets no limit.
const DefaultMaxBytes = 5 << 20

// playerTime matches the text of an audio player ("0:00 / 0:00"), which
// pages and copy-pastes carry along with the article.
var playerTime = regexp.MustCompile(`^\d{1,2}:\d{2}(\s*/\s*\d{1,2}:\d{2})?$`)

var listMarker = regexp.MustCompile(`^(\d{1,3}[.)]|[a-zđ]\)|[•·*+▪◦])\s`)

// ExtractText reads a plain-text article: paragraphs are separated by blank
// lines; inside a paragraph a line break before a lowercase letter is a soft
// wrap and any other line break starts a new block (§A.1.3).
func ExtractText(s string) (Document, error) {
	if len(s) > DefaultMaxBytes {
		return Document{}, fmt.Errorf("extract text: %d bytes, limit %d: %w", len(s), DefaultMaxBytes, ErrTooLarge)
	}
	if looksBinary(s) {
		return Document{}, fmt.Errorf("extract text: %w", ErrNotText)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = cleanString(decodeEntities(repairMojibake(s)), true)
	var lines [][]string // each hard line as its soft-wrapped parts
	var blocks []Block
	flush := func() {
		for _, parts := range lines {
			l := collapseSpaces(strings.Join(parts, " "))
			if l == "" || playerTime.MatchString(l) {
				continue
			}
			kind := KindParagraph
			if listMarker.MatchString(l) {
				kind = KindListItem
			}
			blocks = append(blocks, Block{Kind: kind, Text: l})
		}
		lines = lines[:0]
	}
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case len(lines) > 0 && unicode.IsLower(firstRune(t)):
			lines[len(lines)-1] = append(lines[len(lines)-1], t)
		default:
			lines = append(lines, []string{t})
		}
	}
	flush()
	if len(blocks) == 0 {
		return Document{}, fmt.Errorf("extract text: %w", ErrEmpty)
	}
	markHeadings(blocks)
	doc := Document{Blocks: blocks}
	if blocks[0].Kind == KindTitle {
		doc.Title = blocks[0].Text
	}
	return doc, nil
}

// markHeadings marks short lines without final punctuation that introduce
// more text: the first one is the title, later ones are headings.
func markHeadings(blocks []Block) {
	for i := range blocks {
		if i == len(blocks)-1 || blocks[i].Kind != KindParagraph || !headingLike(blocks[i].Text) {
			continue
		}
		if i == 0 {
			blocks[i].Kind = KindTitle
		} else {
			blocks[i].Kind = KindHeading
		}
	}
}

func headingLike(s string) bool {
	if len(strings.Fields(s)) > 25 || utf8.RuneCountInString(s) > 200 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s)
	return !strings.ContainsRune(".!?…:;,", last)
}
