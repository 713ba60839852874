package text

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// Golden cases copied from the shared Vietnamese test set. The files are
// ours to correct: a case that is wrong goes into a skip list below with
// the reason, never silently.

type segmentationCase struct {
	ID        string   `json:"id"`
	Category  string   `json:"category"`
	Input     string   `json:"input"`
	Sentences []string `json:"sentences"`
	Note      string   `json:"note"`
}

type normalizationCase struct {
	ID           string   `json:"id"`
	Category     string   `json:"category"`
	Input        string   `json:"input"`
	Spoken       string   `json:"spoken"`
	Note         string   `json:"note"`
	Alternatives []string `json:"alternatives"`
}

// Cases whose expected value in the file is wrong, with the reason.
var (
	segmentationSkips  = map[string]string{}
	normalizationSkips = map[string]string{}
)

func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open golden file: %v", err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c T
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return out
}

// The shared cases, then the project's own for the second round of news
// text (docs/vietnamese-text.md §E).
var (
	segmentationFiles  = []string{"testdata/segmentation.jsonl", "testdata/round2-segmentation.jsonl"}
	normalizationFiles = []string{"testdata/normalization.jsonl", "testdata/round2-normalization.jsonl"}
)

func readAll[T any](t testing.TB, paths []string) []T {
	var out []T
	for _, p := range paths {
		out = append(out, readJSONL[T](t, p)...)
	}
	return out
}

func TestGoldenSegmentation(t *testing.T) {
	for _, c := range readAll[segmentationCase](t, segmentationFiles) {
		t.Run(c.ID, func(t *testing.T) {
			if why, ok := segmentationSkips[c.ID]; ok {
				t.Skip(why)
			}
			doc, err := ExtractText(c.Input)
			if err != nil {
				t.Fatalf("ExtractText(%q): %v", c.Input, err)
			}
			var got []string
			for _, s := range Segment(doc) {
				got = append(got, s.Text)
			}
			if !slices.Equal(got, c.Sentences) {
				t.Errorf("%s (%s)\ninput: %q\n got: %q\nwant: %q", c.ID, c.Category, c.Input, got, c.Sentences)
			}
		})
	}
}

// altInNote finds alternatives the file itself gives in a note, written as
// alt: 'text' (or "alt by policy: 'text'").
var altInNote = regexp.MustCompile(`alt[^:']*:\s*'([^']+)'`)

func TestGoldenNormalization(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{})
	for _, c := range readAll[normalizationCase](t, normalizationFiles) {
		t.Run(c.ID, func(t *testing.T) {
			if why, ok := normalizationSkips[c.ID]; ok {
				t.Skip(why)
			}
			accepted := append([]string{c.Spoken}, c.Alternatives...)
			for _, m := range altInNote.FindAllStringSubmatch(c.Note, -1) {
				accepted = append(accepted, m[1])
			}
			got := n.Normalize(c.Input).Text
			if !slices.Contains(accepted, got) {
				t.Errorf("%s (%s)\ninput: %q\n got: %q\nwant: %q", c.ID, c.Category, c.Input, got, accepted)
			}
		})
	}
}
