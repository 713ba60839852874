package text

import (
	"bufio"
	"os"
	"testing"
)

func TestProbe(t *testing.T) {
	f, err := os.Open("/tmp/probe.txt")
	if err != nil {
		t.Skip()
	}
	n := NewNormalizer(NormalizeOptions{})
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t.Logf("%-40q → %q", sc.Text(), n.Normalize(sc.Text()).Text)
	}
}

func TestProbeSeg(t *testing.T) {
	b, err := os.ReadFile("/tmp/probeseg.txt")
	if err != nil {
		t.Skip()
	}
	for _, in := range splitProbe(string(b)) {
		doc, err := ExtractText(in)
		if err != nil {
			t.Logf("%q: %v", in, err)
			continue
		}
		var out []string
		for _, s := range Segment(doc) {
			out = append(out, s.Text)
		}
		t.Logf("%q\n\t→ %q", in, out)
	}
}

func splitProbe(s string) []string {
	var out []string
	for _, l := range bufioLines(s) {
		if l != "" {
			out = append(out, unescapeProbe(l))
		}
	}
	return out
}

func TestProbeHTML(t *testing.T) {
	for _, f := range []string{"testdata/ngaynay-trieu-tien-nga.html", "/tmp/p1.html", "/tmp/p2.html", "/tmp/p3.html"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		doc, err := ExtractHTML(fh, ExtractOptions{})
		fh.Close()
		t.Logf("== %s err=%v title=%q lead=%q by=%q at=%q lang=%q", f, err, doc.Title, doc.Lead, doc.Byline, doc.PublishedAt, doc.Language)
		for _, b := range doc.Blocks {
			t.Logf("  %-10s %q", b.Kind, b.Text)
		}
	}
}
