package text

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/loa-audio/loa/synth/testenv"
)

// Names that are not in names.tsv: the rule-based respelling reads them.
var fallbackSamples = []string{
	"Szoboszlai", "Gvardiol", "Kvaratskhelia", "Thunberg", "Greta", "Nkunku", "Glasner", "Christophe",
	"Williamson", "Blackwood", "Fitzgerald", "Schwarzenegger", "Kowalski", "Strickland", "Dumbledore",
	"Hargreaves", "Jablonski", "Oyelaran", "Ngozi", "Okonjo", "Iweala", "Zimmermann", "Friedrich",
	"Brandt", "Wojciech", "Przybylski", "Gruber", "Vlahovic", "Chiesa", "Pellegrini", "Scamacca",
	"Grealish", "Trippier", "Pickford", "Maguire", "Stones", "Saka", "Ødegaard", "Müllerson",
	"Björn", "Ångström", "Açores", "Piñera", "Schmidt", "Kraus", "Springfield", "Glastonbury",
	"Tschauner", "Quigley", "Exeter", "Wexford", "Yvonne", "Whitmore", "Crawley", "Plymouth",
}

// espeakVerdicts runs every text through espeak-ng's Vietnamese voice in
// one process and returns, per text, why the voice does not read it as
// Vietnamese syllables ("" when it does): a switch to another language
// ("(en)") or more syllables than written, which is letters being spelled
// ("xki" → ích ca i).
func espeakVerdicts(t *testing.T, texts []string) []string {
	t.Helper()
	bin := testenv.LookPath(t, "espeak-ng")
	var in bytes.Buffer
	for _, s := range texts {
		in.WriteString(s + ".\n")
	}
	cmd := exec.Command(bin, "-v", "vi", "-x", "-q")
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("espeak-ng: %v", err)
	}
	lines := strings.Split(strings.Trim(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("espeak-ng printed %d phoneme lines for %d texts", len(lines), len(texts))
	}
	tone := regexp.MustCompile(`[1-7]`)
	verdicts := make([]string, len(texts))
	for i, ph := range lines {
		syl := len(strings.Fields(texts[i]))
		switch tones := len(tone.FindAllString(ph, -1)); {
		case strings.Contains(ph, "("):
			verdicts[i] = "switches language: " + ph
		case tones != syl:
			verdicts[i] = "spelled or split (" + ph + ")"
		}
	}
	return verdicts
}

// TestNamesSpeakVietnamese: every respelling of the name dictionary, every
// acronym said as a word and the rule-based respellings are read by the
// default voice as Vietnamese syllables.
func TestNamesSpeakVietnamese(t *testing.T) {
	var keys, texts []string
	for k, v := range foreignNames {
		keys, texts = append(keys, "names.tsv "+k), append(texts, v)
	}
	for k, v := range wordLikeAcronyms {
		keys, texts = append(keys, "acronym "+k), append(texts, v)
	}
	for _, w := range fallbackSamples {
		keys, texts = append(keys, "respell "+w), append(texts, respell(w))
	}
	// The rule-based respelling of every foreign name of the dictionary
	// too: ~1,900 real names exercise the fallback's spelling rules.
	for k := range foreignNames {
		if isForeignWord(k) {
			keys, texts = append(keys, "respell "+k), append(texts, respell(k))
		}
	}
	bad := 0
	for i, why := range espeakVerdicts(t, texts) {
		if why != "" {
			bad++
			t.Errorf("%s → %q: %s", keys[i], texts[i], why)
		}
	}
	if bad > 0 {
		t.Logf("%d of %d respellings are not read as Vietnamese", bad, len(texts))
	}
}

func TestNameDictionary(t *testing.T) {
	if len(foreignNames) < 1000 {
		t.Errorf("names.tsv has %d names, want at least 1000", len(foreignNames))
	}
	n := NewNormalizer(NormalizeOptions{})
	tests := []struct{ in, want string }{
		{"Tổng thống Putin", "Tổng thống Pu tin"},
		{"TỔNG THỐNG PUTIN THĂM BÌNH NHƯỠNG", "Tổng thống Pu tin thăm bình nhưỡng"},
		{"ông Biden tại Washington", "ông Bai đơn tại Oa sinh tơn"},
		{"thủ đô Moscow", "thủ đô Mát xcơ va"},
		{"CLB Liverpool", "câu lạc bộ Li vơ pun"},
		{"100 euro", "một trăm ơ rô"},
		{"NATO, ASEAN và UNESCO", "Na tô, A xê an và U nét xcô"},
		{"GDP và WTO", "gờ đê pê và Tổ chức Thương mại Thế giới"},
		{"Vua Charles III", "Vua Charles đệ tam"},
		{"ông Nam và bà Kim", "ông Nam và bà Kim"},
		{"Lai Châu và sông Lam", "Lai Châu và sông Lam"},
		{"Leo núi ở Sa Pa", "Leo núi ở Sa Pa"},
		{"anh Nguyen Van Luu và chị Tran Thi Khuay", "anh Nguyen Van Luu và chị Tran Thi Khuay"},
	}
	for _, tc := range tests {
		if got := n.Normalize(tc.in).Text; got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRespellFallback(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{})
	for _, w := range fallbackSamples {
		got := respell(w)
		if got == w || got == spellLetters(w) {
			t.Errorf("respell(%q) = %q: not respelled", w, got)
		}
		if strings.ContainsAny(strings.ToLower(got), "fjwz") {
			t.Errorf("respell(%q) = %q keeps letters Vietnamese does not have", w, got)
		}
		if sp := n.Normalize("ông " + w + " nói"); !strings.Contains(sp.Text, got) {
			t.Errorf("Normalize(ông %s nói) = %q, want the respelling %q", w, sp.Text, got)
		}
	}
	// Vietnamese syllables and Vietnamese words are left alone.
	for _, w := range []string{"Nam", "Minh", "Trung", "Nguyen", "Hai", "Long", "Quang", "Hà", "Đà"} {
		if isForeignWord(w) {
			t.Errorf("isForeignWord(%q) = true", w)
		}
	}
	// A shouted foreign name is said as a word; acronyms keep their letters.
	if got := n.Normalize("ông WILLIAMSON").Text; got != "ông "+respell("Williamson") {
		t.Errorf("ALL-CAPS name: %q", got)
	}
	if got := n.Normalize("chỉ số CPTPP").Text; got != "chỉ số xê pê tê pê pê" {
		t.Errorf("acronym: %q", got)
	}
}

// TestLexiconOverridesBuiltIns: an editor's rule wins over the name
// dictionary, the abbreviation table and the rule-based respelling, in its
// own feed only.
func TestLexiconOverridesBuiltIns(t *testing.T) {
	rules := []Rule{
		{ID: "biden", Match: "Biden", Say: "Bai đân", Feed: "the-gioi"},
		{ID: "atgt", Match: "ATGT", Say: "an toàn giao thông đường bộ", CaseSensitive: true, Feed: "the-gioi"},
		{ID: "szob", Match: "Szoboszlai", Say: "Xô bốt lai", Feed: "the-gioi"},
	}
	in := "Ông Biden nói về ATGT với Szoboszlai."
	feed := NewNormalizer(NormalizeOptions{Lexicon: rules, Feed: "the-gioi"}).Normalize(in)
	if want := "Ông Bai đân nói về an toàn giao thông đường bộ với Xô bốt lai."; feed.Text != want {
		t.Errorf("in the feed: %q, want %q", feed.Text, want)
	}
	other := NewNormalizer(NormalizeOptions{Lexicon: rules, Feed: "the-thao"}).Normalize(in)
	if want := "Ông Bai đơn nói về an toàn giao thông với " + respell("Szoboszlai") + "."; other.Text != want {
		t.Errorf("in another feed: %q, want %q", other.Text, want)
	}
}

// TestForeignRulesInPreview: the preview tells a dictionary form from a
// rule-based guess.
func TestForeignRulesInPreview(t *testing.T) {
	sp := NewNormalizer(NormalizeOptions{}).Normalize("Ông Putin gặp ông Szoboszlai.")
	var rules []string
	for _, c := range sp.Changes {
		rules = append(rules, c.Original+"="+c.Rule)
	}
	if got := strings.Join(rules, " "); got != "Putin=transliteration Szoboszlai=respelling" {
		t.Errorf("changes %s", got)
	}
}
