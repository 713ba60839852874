package text

import (
	"strings"
	"unicode"
)

// Segment splits every block of doc into sentences (docs/vietnamese-text.md
// §A). A sentence never crosses a block; offsets are code points into
// doc.Text().
func Segment(doc Document) []Sentence {
	var out []Sentence
	offset := 0
	for bi, b := range doc.Blocks {
		if bi > 0 {
			offset += 2 // the "\n\n" that Text() puts between blocks
		}
		rs := []rune(b.Text)
		for _, sp := range splitSentences(rs) {
			out = append(out, Sentence{
				Index:     len(out),
				Block:     bi,
				Text:      string(rs[sp[0]:sp[1]]),
				CharStart: offset + sp[0],
				CharEnd:   offset + sp[1],
			})
		}
		offset += len(rs)
	}
	return out
}

// Text returns the blocks joined by a blank line; sentence offsets count in
// this string.
func (d Document) Text() string {
	var b strings.Builder
	for i, bl := range d.Blocks {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(bl.Text)
	}
	return b.String()
}

// Abbreviations that precede a name or number and never end a sentence
// (§A.4 class A). Matched case-sensitively, as written before the dot. The
// normalizer also reads the dot after them as part of the abbreviation.
var prefixAbbrevs = setOf(
	"TP", "Tp", "Q", "P", "H", "X", "TX", "TT", "KP", "Tx",
	"GS", "PGS", "TS", "ThS", "Ths", "Th.S", "BS", "KS", "KTS", "TSKH", "NCS",
	"CKI", "CKII", "NSND", "NSƯT", "NGND", "NGƯT", "Gs", "Pgs", "Ts", "Bs", "LS", "Ls",
	"St", "Mr", "Mrs", "Ms", "Dr", "Prof", "No", "tr", "Ng", "Th", "Mt", "Gen", "Sen",
)

// Abbreviations that may end a sentence (§A.4 class B).
var suffixAbbrevs = setOf("v.v", "etc", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "TCN", "SCN", "đ", "vv")

// Words after which a single capital letter is a person's initial
// ("anh Nguyễn Văn T.", "bị can L."), not a label ("phương án B.").
var personWords = setOf(
	"anh", "chị", "ông", "bà", "em", "cô", "chú", "bác", "cháu", "cụ", "bé", "cậu",
	"dì", "mợ", "thím", "dượng", "con", "vợ", "chồng", "can", "cáo", "phạm", "tượng",
	"nhân", "xế", "sinh", "viên", "gái", "trai", "niên", "tên", "nữ", "nam", "bạn",
	"thầy", "sư", "ni", "nhỏ", "lão", "chủ", "khách", "hộ",
)

var tlds = setOf("vn", "com", "net", "org", "gov", "edu", "info", "io", "biz", "asia", "int", "uk", "us", "jp", "cn", "fr", "de", "ru", "kr")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

func isTerminator(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '…' }

func isCloser(r rune) bool {
	return r == '”' || r == '’' || r == '»' || r == ')' || r == ']' || r == '›'
}

func isOpener(r rune) bool {
	return r == '“' || r == '‘' || r == '«' || r == '(' || r == '[' || r == '"' || r == '‹'
}

func isDashOrBullet(r rune) bool {
	return r == '-' || r == '–' || r == '—' || r == '•' || r == '·' || r == '*'
}

// splitSentences returns the [start, end) rune spans of the sentences of
// one block, trimmed of surrounding whitespace.
func splitSentences(rs []rune) [][2]int {
	var spans [][2]int
	n := len(rs)
	start := 0
	quoteOpen := false
	emit := func(a, b int) {
		for a < b && unicode.IsSpace(rs[a]) {
			a++
		}
		for b > a && unicode.IsSpace(rs[b-1]) {
			b--
		}
		if a < b {
			spans = append(spans, [2]int{a, b})
		}
	}
	for i := 0; i < n; {
		r := rs[i]
		switch {
		case r == '"':
			quoteOpen = !quoteOpen
			i++
		case r == '\n':
			// A newline before a lowercase letter is a soft wrap (§A.1.3).
			k := i + 1
			for k < n && unicode.IsSpace(rs[k]) {
				k++
			}
			if k < n && !unicode.IsLower(rs[k]) {
				emit(start, i)
				start, quoteOpen = k, false
			}
			i = k
		case isTerminator(r):
			runStart := i
			j := i
			for j < n && isTerminator(rs[j]) {
				j++
			}
			runEnd := j
			// A straight quote right after the run closes a quotation: by
			// parity, or by the space after it when the quotation began in
			// an earlier sentence.
			for j < n && (isCloser(rs[j]) || rs[j] == '"' && (quoteOpen || j+1 == n || unicode.IsSpace(rs[j+1]))) {
				if rs[j] == '"' {
					quoteOpen = false
				}
				j++
			}
			if isBoundary(rs, start, runStart, runEnd, j) {
				emit(start, j)
				start, quoteOpen = j, false
			}
			i = j
		default:
			i++
		}
	}
	emit(start, n)
	return spans
}

// isBoundary applies the decision rules of §A.3 to the terminator run
// rs[runStart:runEnd] followed by closers up to after.
func isBoundary(rs []rune, sentStart, runStart, runEnd, after int) bool {
	n := len(rs)
	k := after
	for k < n && unicode.IsSpace(rs[k]) {
		k++
	}
	if k == n { // R1
		return true
	}
	singleDot := runEnd-runStart == 1 && rs[runStart] == '.' && after == runEnd
	if runStart > 0 && (rs[runStart-1] == '(' || rs[runStart-1] == '[') && runEnd < n && (rs[runEnd] == ')' || rs[runEnd] == ']') {
		return false // the elision mark "(...)"
	}
	if k == after { // R2: no whitespace after the run
		return singleDot && missingSpace(rs, runStart)
	}
	next := rs[k]
	if unicode.IsLower(next) || next == ',' || next == ';' || next == ':' { // R3
		return false
	}
	prev, prevStart := tokenBefore(rs, sentStart, runStart)
	if singleDot && prev != "" {
		switch {
		case prefixAbbrevs[prev] || isTitleCompound(prev) || isTitleWord(prev): // R4
			return false
		case suffixAbbrevs[prev]: // R5
			return unicode.IsUpper(next) || isOpener(next)
		case isSingleUpper(prev): // R6
			w := wordBefore(rs, sentStart, prevStart)
			if w == "" || !isLowerWord(w) || personWords[w] || initialFollows(rs, k) {
				return false
			}
		case isInitialsChain(prev): // R7
			return false
		case isListMarker(prev) && onlySpaceBetween(rs, sentStart, prevStart): // R8
			return false
		}
	}
	// R9
	return unicode.IsUpper(next) || isDigit(next) || isOpener(next) || isDashOrBullet(next) ||
		unicode.IsDigit(next)
}

// initialFollows reports another initial at k ("J. K. Rowling").
func initialFollows(rs []rune, k int) bool {
	return k+1 < len(rs) && unicode.IsUpper(rs[k]) && rs[k+1] == '.'
}

// missingSpace is R2b: "giảm.Sáng nay" — a dot between a lowercase word of
// two letters or more and a capital, in a token that is not a URL or e-mail.
func missingSpace(rs []rune, dot int) bool {
	if dot < 2 || dot+1 >= len(rs) || !unicode.IsUpper(rs[dot+1]) {
		return false
	}
	if !unicode.IsLower(rs[dot-1]) || !unicode.IsLower(rs[dot-2]) {
		return false
	}
	a := dot
	for a > 0 && !unicode.IsSpace(rs[a-1]) {
		a--
	}
	b := dot + 1
	for b < len(rs) && !unicode.IsSpace(rs[b]) {
		b++
	}
	// A title compound written without spaces ("Ths.Bs", "ThS.DS").
	w := dot
	for w > a && unicode.IsLetter(rs[w-1]) {
		w--
	}
	if isTitleWord(string(rs[w:dot])) {
		return false
	}
	tok := string(rs[a:b])
	if strings.Contains(tok, "@") || strings.Contains(tok, "://") || strings.HasPrefix(strings.ToLower(tok), "www.") {
		return false
	}
	e := dot + 1
	for e < b && unicode.IsLetter(rs[e]) {
		e++
	}
	if tlds[strings.ToLower(string(rs[dot+1:e]))] {
		return false
	}
	// Another dot earlier in the token ("TP.Hà Nội" or "v.v.Giá") means an
	// abbreviation, not a missing space.
	return !strings.ContainsRune(string(rs[a:dot]), '.')
}

// tokenBefore returns the whitespace-delimited token that ends at end,
// without leading openers, and where it starts.
func tokenBefore(rs []rune, lo, end int) (string, int) {
	a := end
	for a > lo && !unicode.IsSpace(rs[a-1]) && end-a < 64 {
		a--
	}
	for a < end && isOpener(rs[a]) {
		a++
	}
	return string(rs[a:end]), a
}

// wordBefore returns the whitespace-delimited token before position end,
// lowercased, without surrounding punctuation.
func wordBefore(rs []rune, lo, end int) string {
	b := end
	for b > lo && unicode.IsSpace(rs[b-1]) {
		b--
	}
	tok, _ := tokenBefore(rs, lo, b)
	return strings.TrimFunc(tok, func(r rune) bool { return !unicode.IsLetter(r) })
}

func onlySpaceBetween(rs []rune, a, b int) bool {
	for a < b && unicode.IsSpace(rs[a]) {
		a++
	}
	return a == b
}

func isTitleCompound(tok string) bool {
	if !strings.Contains(tok, ".") {
		return false
	}
	parts := strings.Split(tok, ".")
	for i, p := range parts {
		// "Th.S" is thạc sĩ written with a dot inside.
		if _, ok := titleReading(p); !ok && !(p == "Th" && i+1 < len(parts) && parts[i+1] == "S") && !(p == "S" && i > 0 && parts[i-1] == "Th") {
			return false
		}
	}
	return len(parts) >= 2
}

// isTitleWord matches one academic or professional title in any
// capitalisation ("ThS", "ths", "Bs"), except "CN", which is also Sunday.
func isTitleWord(tok string) bool {
	_, ok := titleReading(tok)
	return ok && strings.ToUpper(tok) != "CN"
}

func isSingleUpper(tok string) bool {
	rs := []rune(tok)
	return len(rs) == 1 && unicode.IsUpper(rs[0])
}

func isLowerWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return w != ""
}

// isInitialsChain matches J.K, N.V.A, F.A.
func isInitialsChain(tok string) bool {
	rs := []rune(tok)
	if len(rs) < 3 || len(rs)%2 == 0 {
		return false
	}
	for i, r := range rs {
		if i%2 == 0 && !unicode.IsUpper(r) || i%2 == 1 && r != '.' {
			return false
		}
	}
	return true
}

// isListMarker matches "1", "12", "a", "B", "IV".
func isListMarker(tok string) bool {
	if tok == "" {
		return false
	}
	if len(tok) <= 3 && strings.Trim(tok, "0123456789") == "" {
		return true
	}
	rs := []rune(tok)
	if len(rs) == 1 && unicode.IsLetter(rs[0]) {
		return true
	}
	_, ok := romanValue(tok)
	return ok
}
