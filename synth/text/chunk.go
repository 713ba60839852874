package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limit is how much text a backend accepts per request, in the unit it
// counts: characters (code points) or UTF-8 bytes (Google). Zero means no
// limit in that unit; a byte limit below 4 is raised to 4 so that any
// character fits.
type Limit struct {
	MaxRunes int
	MaxBytes int
}

func (l Limit) norm() Limit {
	if l.MaxBytes > 0 && l.MaxBytes < utf8.UTFMax {
		l.MaxBytes = utf8.UTFMax
	}
	return l
}

func (l Limit) fitsLen(runes, bytes int) bool {
	return (l.MaxRunes <= 0 || runes <= l.MaxRunes) && (l.MaxBytes <= 0 || bytes <= l.MaxBytes)
}

func (l Limit) fits(s string) bool {
	if l.MaxBytes > 0 && len(s) > l.MaxBytes {
		return false
	}
	return l.MaxRunes <= 0 || len(s) <= l.MaxRunes || utf8.RuneCountInString(s) <= l.MaxRunes
}

// Chunk cuts a spoken sentence into pieces that each fit the backend's
// limit, at the most natural points first (§A.7): sentence ends, then
// ";", ":", "," and spaced dashes, then before connectives such as "và",
// "nhưng", "tuy nhiên", then at any space, and only as a last resort
// inside a word. Pieces are packed greedily so that short ones are merged.
// Joining the chunks with single spaces gives back the text with its
// whitespace collapsed.
func Chunk(spoken string, lim Limit) []string {
	s := strings.Join(strings.Fields(spoken), " ")
	if s == "" {
		return nil
	}
	return chunkAt(s, lim.norm(), 0)
}

const hardLevel = 4

func chunkAt(s string, lim Limit, level int) []string {
	if lim.fits(s) {
		return []string{s}
	}
	if level >= hardLevel {
		return hardSplit(s, lim)
	}
	pieces := splitLevel(s, level)
	if len(pieces) <= 1 {
		return chunkAt(s, lim, level+1)
	}
	var out []string
	var cur strings.Builder
	curRunes := 0
	emit := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
			curRunes = 0
		}
	}
	for _, p := range pieces {
		if !lim.fits(p) {
			emit()
			out = append(out, chunkAt(p, lim, level+1)...)
			continue
		}
		pr := utf8.RuneCountInString(p)
		if cur.Len() > 0 && !lim.fitsLen(curRunes+1+pr, cur.Len()+1+len(p)) {
			emit()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
			curRunes++
		}
		cur.WriteString(p)
		curRunes += pr
	}
	emit()
	return out
}

// Connectives before which a long sentence may be cut (§A.7), by their
// first word.
var connectives = func() map[string][][]string {
	m := map[string][][]string{}
	for _, c := range []string{
		"tuy nhiên", "vì vậy", "do đó", "sau khi", "trong khi", "bởi vì", "cũng như", "ngoài ra", "mặc dù",
		"nhưng", "hoặc", "và", "rồi", "nên", "vì", "nếu", "khi", "để", "do", "bởi", "mà", "song", "thì",
	} {
		ws := strings.Fields(c)
		m[ws[0]] = append(m[ws[0]], ws)
	}
	return m
}()

// splitLevel cuts s at the split points of one level; the pieces joined
// with single spaces give s back.
func splitLevel(s string, level int) []string {
	words := strings.Split(s, " ")
	var pieces []string
	start := 0
	cut := func(end int) {
		if end > start {
			pieces = append(pieces, strings.Join(words[start:end], " "))
			start = end
		}
	}
	for i, w := range words {
		switch level {
		case 0: // after a sentence end
			last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(w, "”’\")]»"))
			if isTerminator(last) {
				cut(i + 1)
			}
		case 1: // after ; : , and around spaced dashes
			last, _ := utf8.DecodeLastRuneInString(w)
			switch {
			case last == ';' || last == ':' || last == ',':
				cut(i + 1)
			case w == "-" || w == "–" || w == "—":
				cut(i + 1)
			}
		case 2: // before a connective
			if i == 0 {
				continue
			}
			for _, cw := range connectives[strings.ToLower(w)] {
				if i+len(cw) <= len(words) && equalFoldWords(words[i:i+len(cw)], cw) {
					cut(i)
					break
				}
			}
		case 3: // any space
			cut(i + 1)
		}
	}
	cut(len(words))
	return pieces
}

func equalFoldWords(a, b []string) bool {
	for i := range b {
		if !strings.EqualFold(a[i], b[i]) && !strings.EqualFold(strings.TrimFunc(a[i], unicode.IsPunct), b[i]) {
			return false
		}
	}
	return true
}

// hardSplit cuts a single over-long word at character boundaries.
func hardSplit(s string, lim Limit) []string {
	var out []string
	start, runes := 0, 0
	for i, r := range s {
		size := utf8.RuneLen(r)
		if i > start && !lim.fitsLen(runes+1, i+size-start) {
			out = append(out, s[start:i])
			start, runes = i, 0
		}
		runes++
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
