package text

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkFrontEnd measures segmentation + normalization on a ~50 KB
// article full of numbers, dates and abbreviations.
func BenchmarkFrontEnd(b *testing.B) {
	one, err := os.ReadFile("testdata/bench-article.txt")
	if err != nil {
		b.Fatal(err)
	}
	article := strings.Repeat(string(one)+"\n\n", 50<<10/len(one)+1)
	doc, err := ExtractText(article)
	if err != nil {
		b.Fatal(err)
	}
	n := NewNormalizer(NormalizeOptions{Lexicon: []Rule{
		{ID: "kremlin", Match: "Kremlin", Say: "Crem lanh"},
		{ID: "fed", Match: "Fed", Say: "phét", CaseSensitive: true},
	}})
	b.SetBytes(int64(len(doc.Text())))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range Segment(doc) {
			n.NormalizeBlock(doc.Blocks[s.Block].Kind, s.Text)
		}
	}
}

func BenchmarkExtractHTML(b *testing.B) {
	page, err := os.ReadFile(samplePage)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := ExtractHTML(strings.NewReader(string(page)), ExtractOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
