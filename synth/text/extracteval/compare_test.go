package extracteval_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"

	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/text/extracteval"
)

const corpusDir = "../../../testdata/extract"

func loaText(p extracteval.Page) string {
	doc, err := text.ExtractHTML(bytes.NewReader(p.HTML), text.ExtractOptions{URL: p.URL})
	if err != nil {
		return ""
	}
	return doc.ArticleText()
}

// readabilityText is go-readability v2.1.3's article text, the baseline.
func readabilityText(p extracteval.Page) string {
	u, err := url.Parse(p.URL)
	if p.URL == "" || err != nil {
		u, _ = url.Parse("http://fakehost/test/page.html")
	}
	a, err := readability.FromReader(bytes.NewReader(p.HTML), u)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if err := a.RenderText(&b); err != nil {
		return ""
	}
	return b.String()
}

// BenchmarkExtractCorpus extracts every corpus page per iteration and
// reports Loa's throughput and, from the same run, both extractors' mean
// shingle F1 on the same pages.
func BenchmarkExtractCorpus(b *testing.B) {
	pages, err := extracteval.Load(corpusDir)
	if err != nil {
		b.Fatal(err)
	}
	var loaF1, rdbF1 float64
	size := 0
	for _, p := range pages {
		loaF1 += extracteval.Compare(loaText(p), p.Want).F1
		rdbF1 += extracteval.Compare(readabilityText(p), p.Want).F1
		size += len(p.HTML)
	}
	n := float64(len(pages))
	b.SetBytes(int64(size))
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, p := range pages {
			// A page with no article found costs its time like any other.
			_, _ = text.ExtractHTML(bytes.NewReader(p.HTML), text.ExtractOptions{URL: p.URL})
		}
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)*n/el, "pages/s")
	b.ReportMetric(float64(size)/n/1024, "KB/page")
	b.ReportMetric(loaF1/n, "loa-F1")
	b.ReportMetric(rdbF1/n, "readability-F1")
}

// TestCompareWithReadability keeps the baseline honest: go-readability
// must extract the corpus too, or the bench row compares with nothing.
func TestCompareWithReadability(t *testing.T) {
	pages, err := extracteval.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, p := range pages {
		sum += extracteval.Compare(readabilityText(p), p.Want).F1
	}
	if mean := sum / float64(len(pages)); mean < 0.5 {
		t.Fatalf("go-readability's mean F1 %.3f: the baseline is broken", mean)
	}
}
