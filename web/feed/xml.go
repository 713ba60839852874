package feed

import (
	"bufio"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// xmlChar reports whether XML 1.0 allows r in a document at all.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// dropped reports whether a rune never reaches a feed: invalid UTF-8, and
// characters XML forbids or that only confuse readers (C0 and C1 controls,
// U+FFFE, U+FFFF). Right-to-left marks and emoji are text and stay.
func dropped(r rune, size int) bool {
	return (r == utf8.RuneError && size == 1) || !xmlChar(r) || (unicode.IsControl(r) && !unicode.IsSpace(r))
}

// cleanLine makes s safe for a one-line feed field: dropped runes removed,
// every run of white space (new lines included) one space, no space at
// either end. Clean input comes back without copying.
func cleanLine(s string) string {
	if lineIsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsSpace(r):
			pendingSpace = b.Len() > 0
			continue
		case dropped(r, size):
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func lineIsClean(s string) bool {
	prevSpace := true // a leading space is not clean
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x21 && c < 0x7f {
			prevSpace = false
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case unicode.IsSpace(r), dropped(r, size):
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// truncate shortens a clean line to at most limit bytes, at a word boundary
// when one is near, marking the cut with an ellipsis.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*3/4 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ") + ellipsis
}

// xmlWriter writes escaped XML. Write errors stick in the bufio.Writer and
// surface at Flush.
type xmlWriter struct {
	*bufio.Writer
}

// escape writes s (already a clean line or URL) with the characters markup
// gives meaning to replaced.
func (w xmlWriter) escape(s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// elem writes <name>text</name> with text cleaned and escaped.
func (w xmlWriter) elem(name, text string) {
	w.WriteByte('<')
	w.WriteString(name)
	w.WriteByte('>')
	w.escape(cleanLine(text), false)
	w.WriteString("</")
	w.WriteString(name)
	w.WriteString(">\n")
}

// attr writes ` name="value"` with value cleaned and escaped.
func (w xmlWriter) attr(name, value string) {
	w.WriteByte(' ')
	w.WriteString(name)
	w.WriteString(`="`)
	w.escape(cleanLine(value), true)
	w.WriteByte('"')
}

// cdata writes an HTML fragment as a CDATA section. A "]]>" inside would end
// the section early, so it is split across two sections.
func (w xmlWriter) cdata(fragment string) {
	w.WriteString("<![CDATA[")
	if strings.Contains(fragment, "]]>") {
		fragment = strings.ReplaceAll(fragment, "]]>", "]]]]><![CDATA[>")
	}
	w.WriteString(fragment)
	w.WriteString("]]>")
}

// paragraph appends <p>text</p>, text cleaned and HTML-escaped.
func paragraph(b *strings.Builder, text string) {
	b.WriteString("<p>")
	b.WriteString(html.EscapeString(cleanLine(text)))
	b.WriteString("</p>")
}
