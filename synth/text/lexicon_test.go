package text

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestRuleValidate(t *testing.T) {
	ok := Rule{ID: "r1", Match: "Kremlin", Say: "Crem lanh"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid rule: %v", err)
	}
	tests := []struct {
		name string
		rule Rule
		msg  string
	}{
		{"no id", Rule{Match: "a", Say: "b"}, "without id"},
		{"id with space", Rule{ID: "a b", Match: "a", Say: "b"}, "spaces"},
		{"empty match", Rule{ID: "r", Match: "  ", Say: "b"}, "empty match"},
		{"empty say", Rule{ID: "r", Match: "a", Say: ""}, "empty say"},
		{"control character", Rule{ID: "r", Match: "a\x07b", Say: "b"}, "control"},
		{"newline", Rule{ID: "r", Match: "a", Say: "b\nc"}, "control"},
		{"zero-width", Rule{ID: "r", Match: "a\u200bb", Say: "b"}, "invisible"},
		{"too long", Rule{ID: "r", Match: strings.Repeat("a", MaxRuleMatchLen+1), Say: "b"}, "longer than"},
		{"say too long", Rule{ID: "r", Match: "a", Say: strings.Repeat("b", MaxRuleSayLen+1)}, "longer than"},
		{"no letters", Rule{ID: "r", Match: "--", Say: "b"}, "no letter"},
		{"invalid utf-8", Rule{ID: "r", Match: "a\xffb", Say: "b"}, "UTF-8"},
		{"negative version", Rule{ID: "r", Match: "a", Say: "b", Version: -1}, "version"},
	}
	for _, tc := range tests {
		err := tc.rule.Validate()
		if !errors.Is(err, ErrInvalidRule) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidRule mentioning %q", tc.name, err, tc.msg)
		}
	}
}

func TestLexiconApplies(t *testing.T) {
	rules := []Rule{
		{ID: "kremlin", Match: "Kremlin", Say: "Crem lanh"},
		{ID: "putin", Match: "Putin", Say: "Pu tin"},
		{ID: "vputin", Match: "Vladimir Putin", Say: "Vla đi mia Pu tin"},
		{ID: "ai", Match: "AI", Say: "trí tuệ nhân tạo", CaseSensitive: true},
		{ID: "ubnd", Match: "UBND", Say: "ủy ban"},
		{ID: "hoabinh", Match: "hoà bình", Say: "hòa bình"},
		{ID: "cpp", Match: "C++", Say: "xê cộng cộng"},
		{ID: "feedonly", Match: "Moscow", Say: "Mát-xcơ-va", Feed: "the-gioi"},
		{ID: "bad", Match: "", Say: "x"},
	}
	n := NewNormalizer(NormalizeOptions{Lexicon: rules})
	tests := []struct {
		in, want string
		ids      []string
	}{
		{"Điện KREMLIN và điện kremlin", "Điện Crem lanh và điện Crem lanh", []string{"kremlin"}},
		{"Tổng thống Vladimir Putin và ông Putin", "Tổng thống Vla đi mia Pu tin và ông Pu tin", []string{"vputin", "putin"}},
		{"Putinism không khớp", "Pu ti nít không khớp", nil}, // the built-in respelling, not the rule
		{"AI thay đổi, ai cũng biết", "trí tuệ nhân tạo thay đổi, ai cũng biết", []string{"ai"}},
		{"UBND tỉnh", "ủy ban tỉnh", []string{"ubnd"}},
		{"vì hòa bình", "vì hòa bình", []string{"hoabinh"}},
		{"học C++ dễ", "học xê cộng cộng dễ", []string{"cpp"}},
		{"thủ đô Moscow", "thủ đô Mát xcơ va", nil},
	}
	for _, tc := range tests {
		sp := n.Normalize(tc.in)
		if sp.Text != tc.want || !slices.Equal(sp.LexiconRuleIDs(), tc.ids) {
			t.Errorf("Normalize(%q) = %q %v, want %q %v", tc.in, sp.Text, sp.LexiconRuleIDs(), tc.want, tc.ids)
		}
	}
	feed := NewNormalizer(NormalizeOptions{Lexicon: rules, Feed: "the-gioi"})
	if got := feed.Normalize("thủ đô Moscow").Text; got != "thủ đô Mát-xcơ-va" {
		t.Errorf("per-feed rule: %q", got)
	}
	sp := n.Normalize("Ông Putin nói.")
	if len(sp.Changes) != 1 || sp.Changes[0] != (Change{Start: 4, End: 9, Original: "Putin", Spoken: "Pu tin", Rule: "lexicon:putin"}) {
		t.Errorf("Changes = %+v", sp.Changes)
	}
}

func TestLexiconDigests(t *testing.T) {
	a := Rule{ID: "a", Match: "Kremlin", Say: "Crem lanh", Version: 1}
	b := Rule{ID: "b", Match: "Putin", Say: "Pu tin", Version: 3}
	d := LexiconDigest([]Rule{a, b})
	if d != LexiconDigest([]Rule{b, a}) {
		t.Error("digest depends on rule order")
	}
	a2 := a
	a2.Version = 2
	if LexiconDigest([]Rule{a2, b}) == d {
		t.Error("digest ignores the version")
	}
	if LexiconDigest(nil) == d || len(d) != 64 {
		t.Errorf("digest %q", d)
	}

	// The per-sentence digest only sees the rules that fired there, so
	// editing one rule re-synthesizes only the sentences it touches.
	rules := []Rule{a, b}
	n := NewNormalizer(NormalizeOptions{Lexicon: rules})
	kremlin := n.Normalize("Điện Kremlin lên tiếng.")
	other := n.Normalize("Hà Nội mưa lớn.")
	edited := []Rule{a, {ID: "b", Match: "Putin", Say: "Pu-tin", Version: 4}}
	if FiredLexiconDigest(kremlin, rules) != FiredLexiconDigest(kremlin, edited) {
		t.Error("editing an unused rule changed the digest of a sentence")
	}
	putin := n.Normalize("Ông Putin phát biểu.")
	if FiredLexiconDigest(putin, rules) == FiredLexiconDigest(putin, edited) {
		t.Error("editing a used rule kept the digest of a sentence")
	}
	if FiredLexiconDigest(other, rules) != LexiconDigest(nil) {
		t.Error("a sentence without lexicon hits must have the empty digest")
	}
}

func TestRulesTouching(t *testing.T) {
	rules := []Rule{
		{ID: "r1", Match: "Putin", Say: "Pu tin"},
		{ID: "r2", Match: "Kremlin", Say: "Crem lanh", Feed: "the-gioi"},
		{ID: "r3", Match: "Seoul", Say: "Xơ un"},
		{ID: "bad", Match: "\x00", Say: "x"},
	}
	got := RulesTouching(rules, "Điện Kremlin nói ông Putin sẽ tới.")
	if !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("RulesTouching = %v", got)
	}
	if got := RulesTouching(rules, "Không có gì."); len(got) != 0 {
		t.Errorf("RulesTouching = %v", got)
	}
}
