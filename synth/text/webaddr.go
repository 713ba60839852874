package text

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	emailRe  = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
	urlRe    = regexp.MustCompile(`^(?i:https?://|www\.)[^\s]+$`)
	domainRe = regexp.MustCompile(`^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.(vn|com|net|org|gov|edu|info|io)(/\S*)?$`)
)

func isTrailingPunct(r rune) bool {
	return strings.ContainsRune(".,;:!?)”’»\"'…]>", r)
}

// findWebAddresses reads URLs and e-mail addresses (§B.8) before anything
// else can split them at their dots.
func (p *pass) findWebAddresses() {
	rs := p.rs
	n := len(rs)
	for i := 0; i < n; {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		j := i
		for j < n && !unicode.IsSpace(rs[j]) {
			j++
		}
		a, b := i, j
		i = j
		for a < b && strings.ContainsRune("(“‘«[<\"'", rs[a]) {
			a++
		}
		for b > a && isTrailingPunct(rs[b-1]) {
			b--
		}
		if b-a < 4 || b-a > 300 {
			continue
		}
		core := string(rs[a:b])
		if !strings.ContainsAny(core, ".@") {
			continue
		}
		var rule string
		switch {
		case strings.Contains(core, "@") && emailRe.MatchString(core):
			rule = "email"
		case urlRe.MatchString(core) || domainRe.MatchString(core):
			rule = "url"
		default:
			continue
		}
		if p.runeFixed(a, b) {
			continue
		}
		p.fixSpan(a, b, readWebAddress(core), rule)
	}
}

var webSeparators = map[rune]string{
	'.': "chấm", '/': "gạch chéo", '-': "gạch ngang", '_': "gạch dưới", ':': "hai chấm",
	'@': "a còng", '?': "chấm hỏi", '=': "bằng", '&': "và", '#': "thăng", '%': "phần trăm",
	'+': "cộng", '~': "ngã",
}

// readWebAddress drops the scheme and "www.", reads known labels as words,
// spells consonant-only labels and names the separators.
func readWebAddress(s string) string {
	low := strings.ToLower(s)
	for _, pre := range []string{"https://", "http://"} {
		if strings.HasPrefix(low, pre) {
			s, low = s[len(pre):], low[len(pre):]
		}
	}
	if strings.HasPrefix(low, "www.") {
		s = s[4:]
	}
	s = strings.TrimRight(s, "/")
	var b strings.Builder
	var v Variants
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		if sep, ok := webSeparators[r]; ok {
			word(&b, sep)
			i++
			continue
		}
		j := i
		digits := isDigit(r)
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsMark(rs[j]) || isDigit(rs[j])) && isDigit(rs[j]) == digits {
			j++
		}
		if j == i {
			i++
			continue
		}
		label := string(rs[i:j])
		i = j
		l := strings.ToLower(label)
		switch {
		case digits:
			if len(l) > 1 && l[0] == '0' || len(l) > 4 {
				word(&b, spellDigits(l))
			} else {
				word(&b, v.cardinal(l))
			}
		case urlLabels[l] != "":
			word(&b, urlLabels[l])
		case !hasVowel(l):
			word(&b, spellLetters(l))
		default:
			word(&b, l)
		}
	}
	return b.String()
}
