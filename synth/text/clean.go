package text

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// cleaned is text after Unicode cleanup, remembering for every rune where it
// came from in the caller's string (in code points), so that spans found in
// the cleaned text can be reported against the original.
type cleaned struct {
	runes []rune
	from  []int // from[i]: original index where runes[i] starts
	to    []int // to[i]: original index just after runes[i]
}

// Characters that carry nothing a listener hears and break word matching:
// zero-width spaces and joiners, the BOM, soft hyphens, variation selectors.
func isInvisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u180E',
		'\uFE0E', '\uFE0F', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C',
		'\u202D', '\u202E', '\u2061', '\u2062', '\u2063', '\u2064':
		return true
	}
	return false
}

// Spaces other than U+0020 that reach us from &nbsp; and typographic
// software. Thin and narrow spaces are also used as thousands separators.
func isOddSpace(r rune) bool {
	switch r {
	case '\u00A0', '\u1680', '\u202F', '\u205F', '\u3000':
		return true
	}
	return r >= '\u2000' && r <= '\u200A'
}

func isGroupSpace(r rune) bool { return r == '\u202F' || r == '\u2009' || r == '\u2007' }

// runeMap holds one-to-many replacements applied before NFC: look-alike
// letters, odd quotes and dashes, compatibility characters.
var runeMap = map[rune]string{
	'\u00D0': "Đ", // Ð Icelandic eth, looks like Đ
	'\u00F0': "đ",
	'\u0189': "Đ",
	'\u0256': "đ",
	'\u201E': "“", // „
	'\u201F': "”", // ‟
	'\u201A': "‘", // ‚
	'\u201B': "‘", // ‛
	'\u0060': "'", // `
	'\u00B4': "'", // ´
	'\u02BC': "’", // ʼ
	'\u2010': "-",
	'\u2011': "-",
	'\u2212': "-", // minus sign
	'\u2103': "°C",
	'\u2109': "°F",
	'\u00BD': "1/2",
	'\u00BC': "1/4",
	'\u00BE': "3/4",
	'\u2153': "1/3",
	'\u2154': "2/3",
	'\u2044': "/", // fraction slash
	'\u00B5': "μ",
	'\u2026': "…",
}

// cleanRunes applies the cleanup of docs/vietnamese-text.md §D: invalid bytes,
// control and invisible characters dropped, odd spaces made plain, look-alike
// letters and odd quotes mapped, then NFC. Newlines survive only when
// keepNewlines is set.
func cleanRunes(s string, keepNewlines bool) cleaned {
	c := cleaned{
		runes: make([]rune, 0, len(s)),
		from:  make([]int, 0, len(s)),
		to:    make([]int, 0, len(s)),
	}
	emit := func(r rune, k int) {
		c.runes = append(c.runes, r)
		c.from = append(c.from, k)
		c.to = append(c.to, k+1)
	}
	k := 0 // index of the current rune in the original
	changed := false
	for i := 0; i < len(s); k++ {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := s[i+size:]
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			changed = true
			continue
		case r == '\r':
			changed = true
			if strings.HasPrefix(next, "\n") {
				continue
			}
			if keepNewlines {
				emit('\n', k)
			} else {
				emit(' ', k)
			}
		case r == '\n':
			changed = changed || !keepNewlines
			if keepNewlines {
				emit('\n', k)
			} else {
				emit(' ', k)
			}
		case r == '\t' || r == '\v' || r == '\f':
			changed = true
			emit(' ', k)
		case isInvisible(r) || unicode.IsControl(r):
			changed = true
			continue
		case isGroupSpace(r) && len(c.runes) > 0 && isDigit(c.runes[len(c.runes)-1]) && threeDigitsFollow(next):
			changed = true
			emit('.', k)
		case isOddSpace(r) || r == '\u2009' || r == '\u2007':
			changed = true
			emit(' ', k)
		case r >= '\uFF01' && r <= '\uFF5E': // fullwidth ASCII
			changed = true
			emit(r-0xFEE0, k)
		case r == ' ' || r >= '!' && r <= '~':
			emit(r, k)
		default:
			if m, ok := runeMap[r]; ok {
				changed = true
				for _, mr := range m {
					emit(mr, k)
				}
				continue
			}
			emit(r, k)
		}
	}
	if !changed && len(c.runes) == k {
		if norm.NFC.IsNormalString(s) {
			return c
		}
	} else if isNFCRunes(c.runes) {
		return c
	}
	return nfcMapped(c)
}

func threeDigitsFollow(s string) bool {
	if len(s) < 3 || !isDigit(rune(s[0])) || !isDigit(rune(s[1])) || !isDigit(rune(s[2])) {
		return false
	}
	return len(s) == 3 || !isDigit(rune(s[3]))
}

// isNFCRunes is the fast path: text below U+0300 has nothing to compose.
func isNFCRunes(rs []rune) bool {
	for _, r := range rs {
		if r >= 0x300 {
			return norm.NFC.IsNormalString(string(rs))
		}
	}
	return true
}

// nfcMapped composes the text segment by segment so that every output rune
// still knows its span in the original.
func nfcMapped(c cleaned) cleaned {
	src := string(c.runes)
	// byteToRune[b] is the rune index of the rune starting at byte b of src.
	byteToRune := make([]int, len(src)+1)
	ri := 0
	for b := range src {
		byteToRune[b] = ri
		ri++
	}
	byteToRune[len(src)] = ri
	out := cleaned{
		runes: make([]rune, 0, len(c.runes)),
		from:  make([]int, 0, len(c.runes)),
		to:    make([]int, 0, len(c.runes)),
	}
	var it norm.Iter
	it.InitString(norm.NFC, src)
	start := 0
	for !it.Done() {
		seg := it.Next()
		end := it.Pos()
		a, b := byteToRune[start], byteToRune[end]
		if b <= a {
			start = end
			continue
		}
		f, t := c.from[a], c.to[b-1]
		for _, r := range string(seg) {
			out.runes = append(out.runes, r)
			out.from = append(out.from, f)
			out.to = append(out.to, t)
		}
		start = end
	}
	return out
}

// cleanString is cleanRunes without the position map.
func cleanString(s string, keepNewlines bool) string {
	return string(cleanRunes(s, keepNewlines).runes)
}

// decodeEntities decodes HTML character references, twice at most, because
// CMS exports often escape them twice ("&amp;nbsp;").
func decodeEntities(s string) string {
	for range 2 {
		if !strings.Contains(s, "&") {
			return s
		}
		d := html.UnescapeString(s)
		if d == s {
			return s
		}
		s = d
	}
	return s
}

// Byte sequences that UTF-8 Vietnamese leaves behind when it was decoded as
// Windows-1252 somewhere upstream ("Viá»‡t").
var mojibakeSigns = []string{"á»", "áº", "Æ°", "Ä‘", "Ã¡", "Ã ", "Ãª", "Ã´", "Æ¡", "Ä"}

func mojibakeScore(s string) int {
	n := 0
	for _, sig := range mojibakeSigns {
		n += strings.Count(s, sig)
	}
	return n
}

// repairMojibake undoes a UTF-8 → Windows-1252 → UTF-8 double encoding when
// the text carries its signature and the repair decodes cleanly.
func repairMojibake(s string) string {
	score := mojibakeScore(s)
	if score < 2 {
		return s
	}
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil || !utf8.ValidString(b) {
		return s
	}
	if mojibakeScore(b) >= score {
		return s
	}
	return b
}

// looksBinary reports input that is not text: NUL bytes, or many control
// characters or invalid UTF-8 sequences.
func looksBinary(s string) bool {
	if strings.IndexByte(s, 0) >= 0 {
		return true
	}
	sample := s
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	bad, total := 0, 0
	for i := 0; i < len(sample); {
		r, size := utf8.DecodeRuneInString(sample[i:])
		i += size
		total++
		if (r == utf8.RuneError && size == 1 && i < len(sample)-3) ||
			(unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' && r != '\f') {
			bad++
		}
	}
	return total > 0 && bad*10 > total
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// collapseSpaces turns runs of whitespace into one space and trims.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
