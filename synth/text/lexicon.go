package text

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Rule is an editor's pronunciation rule: a whole word or phrase and how to
// say it. Rules are stored and versioned by the caller; Version takes part
// in the digests so that editing a rule invalidates what it touched.
type Rule struct {
	ID            string `json:"id"`
	Match         string `json:"match"`
	Say           string `json:"say"`
	CaseSensitive bool   `json:"case_sensitive,omitempty"`
	Feed          string `json:"feed,omitempty"`    // "" applies to every feed
	Version       int    `json:"version,omitempty"` // bumped by the store on every edit
}

// Limits of a rule, generous for phrases and small enough to keep matching
// cheap.
const (
	MaxRuleIDLen    = 128
	MaxRuleMatchLen = 200 // code points
	MaxRuleSayLen   = 500 // code points
)

const lexiconRulePrefix = "lexicon:"

// Validate reports why a rule cannot be used; the error wraps
// ErrInvalidRule.
func (r Rule) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: rule %q: %s", ErrInvalidRule, r.ID, fmt.Sprintf(format, args...))
	}
	switch {
	case strings.TrimSpace(r.ID) == "":
		return fmt.Errorf("%w: rule without id", ErrInvalidRule)
	case len(r.ID) > MaxRuleIDLen:
		return bad("id longer than %d bytes", MaxRuleIDLen)
	case strings.IndexFunc(r.ID, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
		return bad("id contains spaces or control characters")
	case r.Version < 0:
		return bad("negative version")
	}
	for _, f := range []struct{ name, value string }{{"match", r.Match}, {"say", r.Say}, {"feed", r.Feed}} {
		switch {
		case !utf8.ValidString(f.value):
			return bad("%s is not valid UTF-8", f.name)
		case strings.IndexFunc(f.value, func(c rune) bool { return unicode.IsControl(c) || isInvisible(c) }) >= 0:
			return bad("%s contains control or invisible characters", f.name)
		}
	}
	switch {
	case strings.TrimSpace(r.Match) == "":
		return bad("empty match")
	case utf8.RuneCountInString(r.Match) > MaxRuleMatchLen:
		return bad("match longer than %d characters", MaxRuleMatchLen)
	case strings.IndexFunc(r.Match, isAlnum) < 0:
		return bad("match has no letter or digit")
	case strings.TrimSpace(r.Say) == "":
		return bad("empty say")
	case utf8.RuneCountInString(r.Say) > MaxRuleSayLen:
		return bad("say longer than %d characters", MaxRuleSayLen)
	case len(r.Feed) > MaxRuleIDLen:
		return bad("feed longer than %d bytes", MaxRuleIDLen)
	}
	return nil
}

// LexiconDigest hashes exactly the rules given (all fields, independent of
// their order). The pipeline uses it, over the rules that fired in a
// sentence, as part of that sentence's cache key.
func LexiconDigest(rules []Rule) string {
	lines := make([]string, len(rules))
	for i, r := range rules {
		lines[i] = strings.Join([]string{r.ID, strconv.Itoa(r.Version), r.Match, r.Say,
			strconv.FormatBool(r.CaseSensitive), r.Feed}, "\x00")
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FiredLexiconDigest is LexiconDigest over the rules of rules that fired in
// sp, so that a sentence's cache key changes only when a rule it used
// changes.
func FiredLexiconDigest(sp Spoken, rules []Rule) string {
	ids := sp.LexiconRuleIDs()
	var fired []Rule
	for _, r := range rules {
		if slices.Contains(ids, r.ID) {
			fired = append(fired, r)
		}
	}
	return LexiconDigest(fired)
}

// RulesTouching returns the ids of the rules whose match occurs in the
// sentence as a whole word or phrase, whatever their feed. Valid rules
// only, in the order given.
func RulesTouching(rules []Rule, sentence string) []string {
	lx := compileLexicon(rules, "")
	lx.allFeeds(rules)
	c := cleanRunes(sentence, false)
	seen := map[string]bool{}
	var ids []string
	for _, m := range lx.find(c.runes, "", nil) {
		if !seen[m.entry.id] {
			seen[m.entry.id] = true
			ids = append(ids, m.entry.id)
		}
	}
	order := map[string]int{}
	for i, r := range rules {
		if _, ok := order[r.ID]; !ok {
			order[r.ID] = i
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return order[a] - order[b] })
	return ids
}

type lexEntry struct {
	id    string
	key   string // cleaned, canonical tones, lower case unless case-sensitive
	runes int
	say   string
	cs    bool
	order int
}

type lexicon struct{ entries []lexEntry }

func compileLexicon(rules []Rule, feed string) *lexicon {
	lx := &lexicon{}
	for i, r := range rules {
		if r.Validate() != nil || r.Feed != "" && r.Feed != feed {
			continue
		}
		lx.add(r, i)
	}
	lx.sort()
	return lx
}

// allFeeds adds the per-feed rules too (for RulesTouching).
func (lx *lexicon) allFeeds(rules []Rule) {
	for i, r := range rules {
		if r.Validate() == nil && r.Feed != "" {
			lx.add(r, i)
		}
	}
	lx.sort()
}

func (lx *lexicon) add(r Rule, order int) {
	key := canonicalTones(cleanRunes(strings.TrimSpace(r.Match), false).runes)
	if !r.CaseSensitive {
		key = lowerRunes(key)
	}
	lx.entries = append(lx.entries, lexEntry{
		id: r.ID, key: string(key), runes: len(key), say: norm.NFC.String(strings.TrimSpace(r.Say)),
		cs: r.CaseSensitive, order: order,
	})
}

// sort puts longer matches first so that a phrase wins over a word in it.
func (lx *lexicon) sort() {
	slices.SortStableFunc(lx.entries, func(a, b lexEntry) int {
		if a.runes != b.runes {
			return b.runes - a.runes
		}
		return a.order - b.order
	})
}

type lexMatch struct {
	s, e  int
	entry *lexEntry
}

// find returns every whole-word occurrence of every entry in rs. str and
// byteAt, when given, are rs as a string and the byte offset of each rune.
func (lx *lexicon) find(rs []rune, str string, byteAt []int) []lexMatch {
	if lx == nil || len(lx.entries) == 0 || len(rs) == 0 {
		return nil
	}
	canon := canonicalTones(rs)
	var cs, ci *indexedText
	if str != "" && &canon[0] == &rs[0] {
		cs = &indexedText{s: str, byteAt: byteAt}
		if low := strings.ToLower(str); len(low) == len(str) {
			ci = &indexedText{s: low, byteAt: byteAt}
		}
	} else {
		cs = indexed(canon)
	}
	var out []lexMatch
	for k := range lx.entries {
		e := &lx.entries[k]
		hay := cs
		if !e.cs {
			if ci == nil {
				ci = indexed(lowerRunes(canon))
			}
			hay = ci
		}
		for from := 0; from < len(hay.s); {
			b := strings.Index(hay.s[from:], e.key)
			if b < 0 {
				break
			}
			b += from
			s := hay.runeIndex(b)
			end := s + e.runes
			if (s == 0 || !isAlnum(rs[s-1]) || !isAlnum(rs[s])) && (end == len(rs) || !isAlnum(rs[end]) || !isAlnum(rs[end-1])) {
				out = append(out, lexMatch{s, end, e})
			}
			_, size := utf8.DecodeRuneInString(hay.s[b:])
			from = b + size
		}
	}
	return out
}

// indexedText is a string with the byte offset of each of its runes.
type indexedText struct {
	s      string
	byteAt []int
}

func indexed(rs []rune) *indexedText {
	at := make([]int, len(rs)+1)
	b := 0
	for i, r := range rs {
		at[i] = b
		b += utf8.RuneLen(r)
	}
	at[len(rs)] = b
	return &indexedText{s: string(rs), byteAt: at}
}

// runeIndex converts a byte offset at a rune start into a rune index.
func (t *indexedText) runeIndex(b int) int {
	return sort.SearchInts(t.byteAt, b)
}

func lowerRunes(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = unicode.ToLower(r)
	}
	return out
}

// applyLexicon fixes the editor's rules first: they win over everything
// else. Overlaps go to the earlier, then the longer, match.
func (p *pass) applyLexicon(lx *lexicon) {
	ms := lx.find(p.rs, p.str, p.byteAt)
	if len(ms) == 0 {
		return
	}
	slices.SortFunc(ms, func(a, b lexMatch) int {
		if a.s != b.s {
			return a.s - b.s
		}
		if a.e != b.e {
			return b.e - a.e
		}
		return a.entry.order - b.entry.order
	})
	pos := 0
	for _, m := range ms {
		if m.s < pos || p.runeFixed(m.s, m.e) {
			continue
		}
		p.fixSpan(m.s, m.e, m.entry.say, lexiconRulePrefix+m.entry.id)
		pos = m.e
	}
}

// Tone placement (§D.2): "hoà/hòa", "thuỷ/thủy" are the same word; lexicon
// keys and text are compared with the tone on the first vowel of a final
// open "oa", "oe" or "uy".
var toneTable = func() map[rune][2]rune {
	// For every precomposed letter carrying a tone: its toneless base and
	// the combining tone mark.
	t := map[rune][2]rune{}
	for r := rune(0xC0); r <= 0x1EF9; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		for k, m := range d {
			switch m {
			case '\u0300', '\u0301', '\u0303', '\u0309', '\u0323':
				base := norm.NFC.String(string(append(append([]rune{}, d[:k]...), d[k+1:]...)))
				br, _ := utf8.DecodeRuneInString(base)
				t[r] = [2]rune{br, m}
			}
		}
	}
	return t
}()

func withTone(base, mark rune) rune {
	r, _ := utf8.DecodeRuneInString(norm.NFC.String(string([]rune{base, mark})))
	return r
}

func canonicalTones(rs []rune) []rune {
	var out []rune
	for i := 1; i < len(rs); i++ {
		tm, toned := toneTable[rs[i]]
		if !toned {
			continue
		}
		if i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
			continue // the pair must end the syllable
		}
		first := unicode.ToLower(rs[i-1])
		second := unicode.ToLower(tm[0])
		pair := first == 'o' && (second == 'a' || second == 'e') || first == 'u' && second == 'y'
		if !pair || i >= 2 && unicode.ToLower(rs[i-2]) == 'q' {
			continue
		}
		if out == nil {
			out = slices.Clone(rs)
		}
		out[i-1] = withTone(rs[i-1], tm[1])
		out[i] = tm[0]
	}
	if out == nil {
		return rs
	}
	return out
}
