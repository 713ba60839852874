package text

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeOptions configures a Normalizer. The zero value reads northern
// broadcast Vietnamese with no pronunciation lexicon.
type NormalizeOptions struct {
	Variants Variants
	// Lexicon holds editor rules; they win over every built-in rule.
	Lexicon []Rule
	// Feed selects the per-feed rules of Lexicon that apply; rules with
	// an empty Feed apply everywhere.
	Feed string
}

// Normalizer turns written sentences into the words a voice should say
// (docs/vietnamese-text.md §B). It is immutable after NewNormalizer and safe
// for concurrent use.
type Normalizer struct {
	v       Variants
	lexicon *lexicon
}

// NewNormalizer builds a Normalizer. Invalid lexicon rules are skipped; call
// Rule.Validate when accepting rules from an editor.
func NewNormalizer(opts NormalizeOptions) *Normalizer {
	return &Normalizer{v: opts.Variants, lexicon: compileLexicon(opts.Lexicon, opts.Feed)}
}

// Spoken is the spoken form of a sentence and the edits that produced it.
type Spoken struct {
	Text    string   `json:"text"`
	Changes []Change `json:"changes"`
}

// Change says that a rule replaced the span [Start, End) of the input
// (in code points) by Spoken.
type Change struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Original string `json:"original"`
	Spoken   string `json:"spoken"`
	Rule     string `json:"rule"` // "number", "date", "abbreviation", "lexicon:<id>", …
}

// LexiconRuleIDs returns the ids of the lexicon rules that fired, in order
// of first use, without duplicates.
func (s Spoken) LexiconRuleIDs() []string {
	var ids []string
	for _, c := range s.Changes {
		if id, ok := strings.CutPrefix(c.Rule, lexiconRulePrefix); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Normalize returns the spoken form of one sentence.
func (n *Normalizer) Normalize(sentence string) Spoken {
	return n.normalize(sentence, KindParagraph)
}

// NormalizeBlock is Normalize for a sentence of a block of the given kind:
// a sentence without final punctuation (headings, list items, titles) gets
// a full stop so that the voice closes it (§A.1.2).
func (n *Normalizer) NormalizeBlock(kind BlockKind, sentence string) Spoken {
	sp := n.normalize(sentence, kind)
	t := strings.TrimRightFunc(sp.Text, unicode.IsSpace)
	if t == "" {
		return sp
	}
	last := []rune(t)[len([]rune(t))-1]
	if !isTerminator(last) && !strings.ContainsRune(":;,”\"')»", last) {
		end := len([]rune(sentence))
		sp.Text = t + "."
		sp.Changes = append(sp.Changes, Change{Start: end, End: end, Spoken: ".", Rule: "punctuation"})
	}
	return sp
}

// replacement is a decided span of the cleaned text, in runes.
type replacement struct {
	s, e int
	say  string
	rule string
}

func (n *Normalizer) normalize(sentence string, kind BlockKind) Spoken {
	c := cleanRunes(sentence, false)
	p := &pass{v: n.v, rs: c.runes, lastRoman: -1, lastDate: -1}
	p.tokenize()
	p.stripDateline()
	p.applyLexicon(n.lexicon)
	p.findWebAddresses()
	p.detectShouting(kind)
	p.scanContext()
	p.findFirsts()
	p.run()
	return p.assemble(sentence, c)
}

type tokKind uint8

const (
	tkSpace tokKind = iota
	tkWord
	tkNum
	tkPunct
)

type token struct {
	kind  tokKind
	s, e  int // rune offsets in the cleaned text
	text  string
	fixed bool // already decided by the dateline, lexicon or address pass
}

// pass is the state of one Normalize call.
type pass struct {
	v        Variants
	rs       []rune
	str      string // rs as a string
	byteAt   []int  // byte offset in str of every rune of rs
	toks     []token
	repls    []replacement
	shouting bool // the sentence is written in capitals; read words in lower case
	lunar    bool // "âm lịch" in the sentence: months 1 and 12 are giêng and chạp
	hasDate  bool // the sentence has a full date, so a bare d/m is a date too
	weekday  bool // the sentence names a weekday, so CN is Chủ nhật
	tdays    int  // "T2"…"T7" and "CN" tokens: a schedule
	// firstSolid is the index of the first token that is spoken: a word,
	// a number or a symbol other than a quote or dash.
	firstSolid   int
	firstWordIdx int
	lastRoman    int // token index of the last Roman numeral read, or -1
	lastDate     int // token index where the last date read ends, or -1
}

// tokenize splits the cleaned text into spaces, words (letters and marks,
// with inner apostrophes), ASCII digit runs and single punctuation runes
// ("..." stays one token).
func (p *pass) tokenize() {
	rs := p.rs
	n := len(rs)
	// Token texts are substrings of one string: no allocation per token.
	p.str = string(rs)
	p.byteAt = make([]int, n+1)
	b := 0
	for i, r := range rs {
		p.byteAt[i] = b
		b += utf8.RuneLen(r)
	}
	p.byteAt[n] = b
	p.toks = make([]token, 0, n/3+1)
	for i := 0; i < n; {
		j := i + 1
		var k tokKind
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			k = tkSpace
			for j < n && unicode.IsSpace(rs[j]) {
				j++
			}
		case isDigit(r):
			k = tkNum
			for j < n && isDigit(rs[j]) {
				j++
			}
		case unicode.IsLetter(r) || unicode.IsMark(r):
			k = tkWord
			for j < n {
				if unicode.IsLetter(rs[j]) || unicode.IsMark(rs[j]) {
					j++
					continue
				}
				if (rs[j] == '\'' || rs[j] == '’') && j+1 < n && unicode.IsLetter(rs[j+1]) && unicode.IsLetter(rs[j-1]) {
					j += 2
					continue
				}
				break
			}
		case r == '.':
			k = tkPunct
			for j < n && rs[j] == '.' {
				j++
			}
		default:
			k = tkPunct
		}
		p.toks = append(p.toks, token{kind: k, s: i, e: j, text: p.str[p.byteAt[i]:p.byteAt[j]]})
		i = j
	}
}

// fixSpan records a decided replacement over the rune span [s, e) and marks
// the tokens it covers so no other rule touches them.
func (p *pass) fixSpan(s, e int, say, rule string) {
	p.repls = append(p.repls, replacement{s: s, e: e, say: say, rule: rule})
	for i := p.tokenAt(s); i < len(p.toks) && p.toks[i].s < e; i++ {
		p.toks[i].fixed = true
	}
}

// tokenAt returns the index of the token that contains rune offset r.
func (p *pass) tokenAt(r int) int {
	return sort.Search(len(p.toks), func(i int) bool { return p.toks[i].e > r })
}

// runeFixed reports whether any token overlapping [s, e) is already decided.
func (p *pass) runeFixed(s, e int) bool {
	for i := p.tokenAt(s); i < len(p.toks) && p.toks[i].s < e; i++ {
		if p.toks[i].fixed {
			return true
		}
	}
	return false
}

// run walks the tokens left to right and lets the first handler that
// matches at each position decide (§B.1 order within each handler list).
func (p *pass) run() {
	for i := 0; i < len(p.toks); {
		t := &p.toks[i]
		if t.fixed || t.kind == tkSpace {
			i++
			continue
		}
		var m match
		switch t.kind {
		case tkNum:
			m = p.atNumber(i)
		case tkWord:
			m = p.atWord(i)
		case tkPunct:
			m = p.atPunct(i)
		}
		if m.end <= i || !p.free(i, m.end) {
			i++
			continue
		}
		start := i
		if m.back > 0 && i-m.back >= 0 && p.isSpace(i-m.back) && !p.toks[i-m.back].fixed &&
			(len(p.repls) == 0 || p.repls[len(p.repls)-1].e <= p.toks[i-m.back].s) {
			start = i - m.back
		}
		if m.say != p.spanText(start, m.end) {
			p.repls = append(p.repls, replacement{s: p.toks[start].s, e: p.toks[m.end-1].e, say: m.say, rule: m.rule})
		}
		i = m.end
	}
}

// match is what a handler decided: the tokens from the handler's position
// (minus back tokens of space it also swallows) up to end are read as say.
type match struct {
	end  int
	say  string
	rule string
	back int
}

func (p *pass) free(i, j int) bool {
	for k := i; k < j && k < len(p.toks); k++ {
		if p.toks[k].fixed {
			return false
		}
	}
	return j <= len(p.toks)
}

func (p *pass) spanText(i, j int) string {
	return p.str[p.byteAt[p.toks[i].s]:p.byteAt[p.toks[j-1].e]]
}

// assemble writes the output: untouched text verbatim, replacements in
// place, with a space wherever a replacement would glue two words.
func (p *pass) assemble(input string, c cleaned) Spoken {
	slices.SortStableFunc(p.repls, func(a, b replacement) int { return a.s - b.s })
	var b strings.Builder
	b.Grow(len(input) + len(input)/2)
	var last rune       // last rune written
	gluedAfter := false // the last thing written was a replacement ending in a letter or digit
	put := func(s string, replaced bool) {
		if s == "" {
			return
		}
		first, _ := utf8.DecodeRuneInString(s)
		if isAlnum(first) && isAlnum(last) && (replaced || gluedAfter) {
			b.WriteByte(' ')
		}
		b.WriteString(s)
		last, _ = utf8.DecodeLastRuneInString(s)
		gluedAfter = replaced
	}
	var changes []Change
	var orig []rune
	pos := 0
	for _, r := range p.repls {
		if r.s < pos { // overlapping; the earlier decision wins
			continue
		}
		put(p.str[p.byteAt[pos]:p.byteAt[r.s]], false)
		put(r.say, true)
		if r.say == "" {
			gluedAfter = true // a deleted symbol still separates the words around it
		}
		if orig == nil {
			orig = []rune(input)
		}
		start, end := len(orig), len(orig)
		if r.e > r.s {
			start, end = c.from[r.s], c.to[r.e-1]
		}
		changes = append(changes, Change{Start: start, End: end, Original: string(orig[start:end]), Spoken: r.say, Rule: r.rule})
		pos = r.e
	}
	put(p.str[p.byteAt[pos]:], false)
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return Spoken{Text: out, Changes: changes}
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }
