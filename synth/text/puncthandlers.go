package text

import (
	"strings"
	"unicode/utf8"
)

// Symbols read as words (§B.8).
var symbolWords = map[string]string{
	"&": "và", "+": "cộng", "=": "bằng", "~": "khoảng", "≈": "xấp xỉ", "±": "cộng trừ",
	"≥": "lớn hơn hoặc bằng", "≤": "nhỏ hơn hoặc bằng", "≠": "khác", ">": "lớn hơn", "<": "nhỏ hơn",
	"@": "a còng", "‰": "phần nghìn", "№": "số", "§": "điều",
}

// Symbols that are not spoken (§B.8); quotes become silence.
var silentSymbols = setOf("“", "”", "\"", "«", "»", "‹", "›", "‘", "’", "'", "*", "_", "^", "|", "\\",
	"{", "}", "[", "]", "•", "·", "†", "‡", "¶", "■", "□", "►", "▶", "●", "○", "◆", "◇", "★", "☆", "✓", "✔", "→", "←", "↑", "↓", "`", "´")

var currencySymbols = map[string]string{"$": "", "€": "ơ rô", "£": "bảng Anh", "¥": "yên", "₩": "won", "₫": "đồng"}

func (p *pass) atPunct(i int) match {
	s := p.toks[i].text
	switch s {
	case "+", "(":
		if m := p.phone(i); m.end > i {
			return m
		}
	case "-", "–":
		if m := p.sign(i); m.end > i {
			return m
		}
	case "%":
		return match{i + 1, "phần trăm", "percent", 0}
	case "°":
		switch p.text(i + 1) {
		case "C":
			return match{i + 2, "độ xê", "unit", 0}
		case "F":
			return match{i + 2, "độ ép", "unit", 0}
		}
		return match{i + 1, "độ", "unit", 0}
	case "′", "″":
		if p.isNum(i - 1) {
			if s == "′" {
				return match{i + 1, "phút", "unit", 0}
			}
			return match{i + 1, "giây", "unit", 0}
		}
		return p.silence(i)
	case "×":
		return match{i + 1, "nhân", "math", 0}
	case "#":
		if p.isNum(i + 1) {
			return match{i + 1, "số", "symbol", 0}
		}
		return match{i + 1, "thăng", "symbol", 0}
	}
	if name, ok := currencySymbols[s]; ok {
		if name == "" {
			name = p.v.usd()
		}
		if m := p.currencyAfter(i+1, i, name); m.end > i {
			return m
		}
		if p.afterAmount(i) {
			return match{i + 1, name, "currency", 0}
		}
	}
	if say, ok := symbolWords[s]; ok {
		return match{i + 1, say, "symbol", 0}
	}
	switch {
	case s == "(":
		return p.openParen(i)
	case s == ")":
		if k := p.next(i); p.isSpace(i+1) && (p.isWord(k) || p.isNum(k)) {
			return match{i + 1, ",", "punctuation", 0}
		}
		return match{i + 1, "", "punctuation", 0}
	case silentSymbols[s]:
		return p.silence(i)
	case s == "-" || s == "–" || s == "—":
		return p.dash(i)
	case s == "." && p.isWord(i-1) && p.isNum(i+1) && utf8.RuneCountInString(p.toks[i-1].text) == 1:
		return match{i + 1, "", "symbol", 0} // "U.23"
	case s == "/":
		if p.isWord(i-1) && p.afterAmount(i-1) || p.isPunct(i-1, "%") {
			if say, end := p.perTail(i, "trên", "một"); end > i {
				return match{end, say, "unit", 0}
			}
		}
		if p.isWord(i-1) && p.isWord(i+1) {
			return match{i + 1, "", "symbol", 0}
		}
	}
	return match{}
}

// silence deletes a symbol; a symbol standing between two spaces takes one
// of them along so no double space is left.
func (p *pass) silence(i int) match {
	end := i + 1
	if p.isSpace(end) && (i == 0 || p.isSpace(i-1) || p.leading(i)) {
		end++
	}
	return match{end, "", "punctuation", 0}
}

// leading reports that nothing but spaces, quotes and dashes come before
// token i.
func (p *pass) leading(i int) bool { return i <= p.firstSolid }

func (p *pass) findFirsts() {
	p.firstSolid, p.firstWordIdx = len(p.toks), len(p.toks)
	for j, t := range p.toks {
		if (t.kind == tkWord || t.kind == tkNum) && p.firstWordIdx == len(p.toks) {
			p.firstWordIdx = j
		}
		solid := t.kind == tkWord || t.kind == tkNum ||
			t.kind == tkPunct && !t.fixed && !silentSymbols[t.text] && t.text != "-" && t.text != "–" && t.text != "—"
		if solid {
			p.firstSolid = j
			return
		}
	}
}

// openParen turns "(" into a pause before the parenthetical, and drops the
// elision mark "(...)".
func (p *pass) openParen(i int) match {
	if (p.isPunct(i+1, "...") || p.isPunct(i+1, "…")) && p.isPunct(i+2, ")") {
		end := i + 3
		if p.isSpace(end) && p.isSpace(i-1) {
			end++
		}
		return match{end: end, rule: "punctuation"}
	}
	if m := p.echoedAcronym(i); m.end > i {
		return m
	}
	if p.leading(i) || !p.isSpace(i-1) {
		return match{i + 1, "", "punctuation", 0}
	}
	j := p.prev(i)
	if !p.isWord(j) && !p.isNum(j) {
		return match{i + 1, "", "punctuation", 0}
	}
	return match{end: i + 1, say: ", ", rule: "punctuation", back: 1}
}

// echoedAcronym drops an acronym in brackets right after the words it
// stands for, which would otherwise be said twice: "Tổ chức Y tế Thế giới
// (WHO)", "an toàn giao thông (ATGT)".
func (p *pass) echoedAcronym(i int) match {
	if !p.isWord(i+1) || !p.isPunct(i+2, ")") || !p.isSpace(i-1) || p.toks[i+1].fixed {
		return match{}
	}
	exp, ok := abbreviations[p.toks[i+1].text]
	if !ok {
		return match{}
	}
	before := strings.ToLower(strings.TrimSpace(p.str[:p.byteAt[p.toks[i].s]]))
	if !strings.HasSuffix(before, strings.ToLower(exp)) {
		return match{}
	}
	return match{i + 3, "", "abbreviation", 1}
}

// sign reads "-7" as "âm bảy" when the dash starts a number: after a
// space, an opening bracket or nothing.
func (p *pass) sign(i int) match {
	opener := i == 0 || p.isSpace(i-1) || p.isPunct(i-1, "(") || p.isPunct(i-1, "[") || p.isPunct(i-1, "“") || p.isPunct(i-1, "\"")
	if !p.isNum(i+1) || p.isNum(p.prev(i)) || p.isPunct(p.prev(i), "%") || !opener {
		if p.leading(i) {
			return p.silence(i)
		}
		return match{}
	}
	n := p.parseNumber(i + 1)
	return match{n.end, "âm " + p.read(n), "number", 0}
}

// dash: a dialogue dash at the start is dropped, a dash between two
// amounts is "đến", a spaced dash between words is a pause.
func (p *pass) dash(i int) match {
	if p.leading(i) {
		return p.silence(i)
	}
	// A space on one side only ("từ 2 -4") is a typo for a range, not a sign.
	if pj, nj := p.prev(i), p.next(i); p.isNum(nj) && (p.isNum(pj) || p.isPunct(pj, "%") || p.afterAmount(pj) && p.isWord(pj)) &&
		(p.isSpace(i-1) == p.isSpace(i+1) || p.isNum(pj) && p.isNum(i+1)) {
		return match{i + 1, "đến", "range", 0}
	}
	if nj := p.next(i); p.lastRoman >= 0 && p.lastRoman == p.prev(i) && p.isWord(nj) && isRomanWord(p.toks[nj].text) {
		return match{i + 1, "đến", "range", 0} // "thế kỷ XIX-XX"
	}
	if p.tdays >= 2 && p.text(i-2) == "T" && p.isNum(i-1) && p.text(i+1) == "T" && p.isNum(i+2) {
		return match{i + 1, "đến", "range", 0} // "T2-T6"
	}
	if p.isWord(i-1) && p.isNum(i+1) || p.isNum(i-1) && p.isWord(i+1) {
		return match{i + 1, "", "symbol", 0} // "COVID-19": the hyphen is not spoken
	}
	if p.isSpace(i-1) && p.isSpace(i+1) && !p.leading(i-1) {
		return match{end: i + 1, say: ",", rule: "punctuation", back: 1}
	}
	return match{}
}
