package extracteval_test

import (
	"bytes"
	"flag"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"

	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/text/extracteval"
)

const corpusDir = "../../../testdata/extract"

// Other page sets of the same layout can be scored and timed, e.g.
// Readability's test pages as go-readability ships them:
//
//	go test -run Compare -v ./synth/text/extracteval -args -pages DIR
//	go test -run '^$' -bench ExtractPages -cpu 1 ./synth/text/extracteval -args -pages DIR -min-kb 120 -max-kb 240
var (
	pagesDir = flag.String("pages", corpusDir, "folder of pages to score and time (one sub-folder per page)")
	minKB    = flag.Int("min-kb", 0, "BenchmarkExtractPages: only pages of at least this many KB")
	maxKB    = flag.Int("max-kb", 1<<20, "BenchmarkExtractPages: only pages of at most this many KB")
)

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
// must extract the pages too, or the bench row compares with nothing. With
// -v it lists every page's scores, worst difference first.
func TestCompareWithReadability(t *testing.T) {
	pages, err := extracteval.Load(*pagesDir)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name     string
		loa, rdb extracteval.Score
	}
	var rows []row
	var loaSum, rdbSum float64
	for _, p := range pages {
		r := row{p.Name, extracteval.Compare(loaText(p), p.Want), extracteval.Compare(readabilityText(p), p.Want)}
		rows = append(rows, r)
		loaSum += r.loa.F1
		rdbSum += r.rdb.F1
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].loa.F1-rows[i].rdb.F1 < rows[j].loa.F1-rows[j].rdb.F1 })
	for _, r := range rows {
		t.Logf("%-40s loa %.3f (p %.2f r %.2f)  go-readability %.3f (p %.2f r %.2f)", r.name,
			r.loa.F1, r.loa.Precision, r.loa.Recall, r.rdb.F1, r.rdb.Precision, r.rdb.Recall)
	}
	n := float64(len(pages))
	t.Logf("mean F1 over %d pages: loa %.4f, go-readability %.4f", len(pages), loaSum/n, rdbSum/n)
	if rdbSum/n < 0.5 {
		t.Fatalf("go-readability's mean F1 %.3f: the baseline is broken", rdbSum/n)
	}
}

// BenchmarkExtractPages times Loa alone on the pages of -pages whose size
// is within -min-kb and -max-kb.
func BenchmarkExtractPages(b *testing.B) {
	pages, err := extracteval.Load(*pagesDir)
	if err != nil {
		b.Fatal(err)
	}
	var sel []extracteval.Page
	size := 0
	for _, p := range pages {
		if kb := len(p.HTML) >> 10; kb >= *minKB && kb <= *maxKB {
			sel = append(sel, p)
			size += len(p.HTML)
		}
	}
	if len(sel) == 0 {
		b.Fatalf("no page of %d–%d KB in %s", *minKB, *maxKB, *pagesDir)
	}
	b.SetBytes(int64(size))
	start := time.Now()
	for b.Loop() {
		for _, p := range sel {
			_, _ = text.ExtractHTML(bytes.NewReader(p.HTML), text.ExtractOptions{URL: p.URL})
		}
	}
	b.ReportMetric(float64(b.N*len(sel))/time.Since(start).Seconds(), "pages/s")
	b.ReportMetric(float64(size)/float64(len(sel))/1024, "KB/page")
}
