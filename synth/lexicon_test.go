package synth

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/loa-audio/loa/synth/text"
)

// FuzzLexiconRule: any rule an editor can submit is either refused with an
// input error or applied without panicking, producing valid UTF-8 that
// contains the rule's spoken form whenever the rule fired.
func FuzzLexiconRule(f *testing.F) {
	f.Add("Putin", "Pu tin", false, "Ông Putin đến Bình Nhưỡng.")
	f.Add("TP.HCM", "thành phố Hồ Chí Minh", true, "Mưa lớn ở TP.HCM.")
	f.Add("GD&ĐT", "giáo dục và đào tạo", true, "Bộ GD&ĐT công bố.")
	f.Add("a", "", false, "a a a")
	f.Add("(", ")", false, "((()))")
	f.Add("\x00", "x", false, "\x00")
	f.Fuzz(func(t *testing.T, match, say string, caseSensitive bool, sentence string) {
		r := text.Rule{ID: "r1", Match: match, Say: say, CaseSensitive: caseSensitive}
		if err := checkRule(r); err != nil {
			if !strings.Contains(err.Error(), "lexicon rule") {
				t.Fatalf("refusal %q does not say what was wrong", err)
			}
			return
		}
		n := text.NewNormalizer(text.NormalizeOptions{Lexicon: []text.Rule{r}})
		sp := n.Normalize(sentence)
		if !utf8.ValidString(sp.Text) {
			t.Fatalf("invalid UTF-8 from %q with rule %+v", sentence, r)
		}
		for _, c := range sp.Changes {
			if c.Rule == "lexicon:r1" && strings.TrimSpace(say) != "" && !strings.Contains(norm.NFC.String(strings.ToLower(sp.Text)), norm.NFC.String(strings.ToLower(strings.Fields(say)[0]))) {
				t.Fatalf("rule fired but %q is not in %q", say, sp.Text)
			}
		}
		_ = text.RulesTouching([]text.Rule{r}, sentence)
	})
}
