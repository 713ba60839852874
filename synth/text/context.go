package text

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func (p *pass) kindAt(i int) tokKind {
	if i < 0 || i >= len(p.toks) {
		return 255
	}
	return p.toks[i].kind
}

func (p *pass) isNum(i int) bool  { return p.kindAt(i) == tkNum }
func (p *pass) isWord(i int) bool { return p.kindAt(i) == tkWord }

func (p *pass) isPunct(i int, s string) bool {
	return p.kindAt(i) == tkPunct && p.toks[i].text == s
}

func (p *pass) isSpace(i int) bool { return p.kindAt(i) == tkSpace }

func (p *pass) text(i int) string {
	if i < 0 || i >= len(p.toks) {
		return ""
	}
	return p.toks[i].text
}

// next returns the index of the first token after i that is not a space.
func (p *pass) next(i int) int {
	j := i + 1
	for j < len(p.toks) && p.toks[j].kind == tkSpace {
		j++
	}
	return j
}

// prev returns the index of the last token before i that is not a space.
func (p *pass) prev(i int) int {
	j := i - 1
	for j >= 0 && p.toks[j].kind == tkSpace {
		j--
	}
	return j
}

// prevWord is the word just before token i (spaces skipped), lower case,
// or "" when something else comes first.
func (p *pass) prevWord(i int) string {
	j := p.prev(i)
	if !p.isWord(j) {
		return ""
	}
	return strings.ToLower(p.toks[j].text)
}

// wordsBefore returns up to n words before token i, nearest first, lower
// case; it stops at anything that is not a word or a space.
func (p *pass) wordsBefore(i, n int) []string {
	var ws []string
	for j := p.prev(i); j >= 0 && len(ws) < n && p.isWord(j); j = p.prev(j) {
		ws = append(ws, strings.ToLower(p.toks[j].text))
	}
	return ws
}

// nextWord is the word just after token i, as written, or "".
func (p *pass) nextWord(i int) string {
	j := p.next(i)
	if !p.isWord(j) {
		return ""
	}
	return p.toks[j].text
}

func isCapitalized(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

func isAllCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// hasWordMarks reports a tone mark, circumflex or breve: an all-caps token
// carrying one is a shouted Vietnamese word, not an acronym (acronyms use
// Đ, Ư and Ơ but not tones).
func hasWordMarks(w string) bool {
	for _, r := range w {
		if r < 0xC0 {
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			switch d {
			case '\u0300', '\u0301', '\u0303', '\u0309', '\u0323', '\u0302', '\u0306':
				return true
			}
		}
	}
	return false
}

func hasVowel(w string) bool {
	for _, r := range strings.ToLower(w) {
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			return true
		}
		if r > 0x7F {
			base := []rune(norm.NFD.String(string(r)))[0]
			if strings.ContainsRune("aeiouy", base) {
				return true
			}
		}
	}
	return false
}

var (
	datelineParen = regexp.MustCompile(`^\s*\([^()]{2,25}\)\s*[-–—]\s*`)
	datelineCaps  = regexp.MustCompile(`^\s*([\p{Lu}.]{2,12})\s*[-–—]\s+`)
	datelineNamed = regexp.MustCompile(`^\s*(?:` + quoteAll(datelineSources) + `)\s*[-–—]\s*`)
)

func quoteAll(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(q, "|")
}

// stripDateline removes a source prefix such as "(Ngày Nay) - " or
// "TTO - " from the spoken form (§A.1.5).
func (p *pass) stripDateline() {
	head := p.rs[:min(len(p.rs), 48)]
	hasDash := false
	for _, r := range head {
		if r == '-' || r == '–' || r == '—' {
			hasDash = true
			break
		}
	}
	if !hasDash {
		return
	}
	s := string(head)
	m := datelineParen.FindString(s)
	if m == "" {
		m = datelineNamed.FindString(s)
	}
	if m == "" {
		if sm := datelineCaps.FindStringSubmatch(s); sm != nil {
			src := strings.Trim(sm[1], ".")
			_, known := abbreviations[src]
			_, wordLike := wordLikeAcronyms[src]
			if utf8.RuneCountInString(src) >= 2 && !known && !wordLike {
				m = sm[0]
			}
		}
	}
	if m == "" {
		return
	}
	p.fixSpan(0, utf8.RuneCountInString(m), "", "dateline")
}

// detectShouting decides whether the sentence is written in capitals
// (more than 60% of the letters of its ordinary words, §A.1.6).
func (p *pass) detectShouting(kind BlockKind) {
	upper, letters, capsWords := 0, 0, 0
	for _, t := range p.toks {
		if t.kind != tkWord || t.fixed || len(t.text) < 2 {
			continue
		}
		n, up := 0, 0
		for _, r := range t.text {
			n++
			if unicode.IsUpper(r) {
				up++
			}
		}
		if up == 0 {
			letters += n
			continue
		}
		if n < 2 {
			continue
		}
		if _, ok := abbreviations[t.text]; ok {
			continue
		}
		if _, ok := wordLikeAcronyms[t.text]; ok {
			continue
		}
		if isAllCaps(t.text) && hasVowel(t.text) {
			capsWords++
		}
		for _, r := range t.text {
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
		}
	}
	need := 2
	if kind == KindTitle || kind == KindHeading {
		need = 1
	}
	p.shouting = capsWords >= need && letters > 0 && upper*10 > letters*6
}

// scanContext records sentence-wide facts some rules depend on.
func (p *pass) scanContext() {
	for i, t := range p.toks {
		switch t.kind {
		case tkWord:
			w := strings.ToLower(t.text)
			switch w {
			case "âm":
				if strings.ToLower(p.nextWord(i)) == "lịch" {
					p.lunar = true
				}
			case "thứ":
				j := p.next(i)
				if n, ok := atoi(p.text(j)); ok && n >= 2 && n <= 7 {
					p.weekday = true
				}
				switch strings.ToLower(p.nextWord(i)) {
				case "hai", "ba", "tư", "năm", "sáu", "bảy":
					p.weekday = true
				}
			case "cn":
				if t.text == "CN" {
					p.tdays++
				}
			case "chủ":
				if strings.ToLower(p.nextWord(i)) == "nhật" {
					p.weekday = true
				}
			}
		case tkNum:
			if p.text(i-1) == "T" && len(t.text) == 1 && t.text >= "2" && t.text <= "7" && !p.isWord(i+1) {
				p.tdays++
			}
			// d/m/yyyy anywhere makes bare d/m dates too.
			if p.isPunct(i+1, "/") && p.isNum(i+2) && p.isPunct(i+3, "/") && p.isNum(i+4) && len(p.toks[i+4].text) == 4 {
				p.hasDate = true
			}
		}
	}
	if p.tdays >= 2 {
		p.weekday = true
	}
}
