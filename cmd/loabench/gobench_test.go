package main

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Output of real runs of the benchmarks loabench reads, trimmed.
const frontEndOutput = `goos: linux
goarch: amd64
pkg: github.com/loa-audio/loa/synth/text
cpu: AMD EPYC
BenchmarkFrontEnd 	      67	  18686295 ns/op	   2.83 MB/s	 5456292 B/op	   32635 allocs/op
BenchmarkFrontEnd 	      64	  20524305 ns/op	   2.58 MB/s	 5456293 B/op	   32635 allocs/op
BenchmarkFrontEnd 	      60	  20467572 ns/op	   2.60 MB/s	 5456292 B/op	   32635 allocs/op
PASS
`

const audioOutput = `goos: linux
goarch: amd64
pkg: github.com/loa-audio/loa/synth/audio
cpu: AMD EPYC
BenchmarkReassemble10Min-2   	       3	  19733882 ns/op	         9.674 assemble-ms/op	        10.00 audio-min	        10.06 copy-ms/op	         0.9621 ratio	       133.0 segment-files
BenchmarkReassemble10Min-2   	       3	  20989908 ns/op	        10.74 assemble-ms/op	        10.00 audio-min	        10.24 copy-ms/op	         1.049 ratio	       133.0 segment-files
BenchmarkReassemble10Min-2   	       3	  16438660 ns/op	         8.102 assemble-ms/op	        10.00 audio-min	         8.333 copy-ms/op	         0.9723 ratio	       133.0 segment-files
BenchmarkAssemble60MinPeakRSS-2   	       1	  49510009 ns/op	        20.60 file-MB	        14.22 peak-RSS-MB
--- FAIL: BenchmarkAssemble60MinPeakRSS-2
    bench_test.go:215: peak RSS 70.5 MB while assembling a 60-minute article, limit 64 MB
BenchmarkAssemble60MinPeakRSS-2   	       1	  64567862 ns/op	        20.60 file-MB	        14.88 peak-RSS-MB
FAIL
`

func TestParseBench(t *testing.T) {
	out, err := ParseBench(strings.NewReader(frontEndOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 3 {
		t.Fatalf("%d results, want 3", len(out.Results))
	}
	first := out.Results[0]
	want := BenchResult{Name: "BenchmarkFrontEnd", Procs: 1, N: 67, Metrics: map[string]float64{
		"ns/op": 18686295, "MB/s": 2.83, "B/op": 5456292, "allocs/op": 32635}}
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("first result\n got %+v\nwant %+v", first, want)
	}
	if got := out.Samples("BenchmarkFrontEnd", "MB/s"); !reflect.DeepEqual(got, []float64{2.83, 2.58, 2.60}) {
		t.Fatalf("MB/s samples %v", got)
	}
	if got := out.Samples("BenchmarkFrontEnd", "furlongs"); got != nil {
		t.Fatalf("samples of an unreported unit: %v", got)
	}
}

func TestParseBenchCustomMetricsAndFailures(t *testing.T) {
	out, err := ParseBench(strings.NewReader(audioOutput))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Samples("BenchmarkReassemble10Min", "ratio"); !reflect.DeepEqual(got, []float64{0.9621, 1.049, 0.9723}) {
		t.Fatalf("ratio samples %v", got)
	}
	if out.Results[0].Procs != 2 || out.Results[0].Name != "BenchmarkReassemble10Min" {
		t.Fatalf("procs suffix not split off: %+v", out.Results[0])
	}
	msg, ok := out.Failures["BenchmarkAssemble60MinPeakRSS"]
	if !ok || !strings.Contains(msg, "peak RSS 70.5 MB") {
		t.Fatalf("failure message %q (recorded %v)", msg, ok)
	}
	if err := out.Problem("BenchmarkAssemble60MinPeakRSS"); err == nil || !strings.Contains(err.Error(), "limit 64 MB") {
		t.Fatalf("Problem = %v", err)
	}
	if err := out.Problem("BenchmarkReassemble10Min"); err != nil {
		t.Fatalf("a passing benchmark has a problem: %v", err)
	}
}

func TestParseBenchSkipsAndSplitLines(t *testing.T) {
	const output = `--- SKIP: BenchmarkSampleArticleVsNaive-2
    bench_test.go:258: skipping: lame not on PATH
BenchmarkChatty-2   	assembled 5000 frames, 1200 bytes
       3	  1000 ns/op	   7.5 widgets
BenchmarkQuiet
ok  	github.com/loa-audio/loa/synth/audio	1.2s
`
	out, err := ParseBench(strings.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Skips["BenchmarkSampleArticleVsNaive"]; !strings.Contains(got, "lame not on PATH") {
		t.Fatalf("skip message %q", got)
	}
	if got := out.Samples("BenchmarkChatty", "widgets"); !reflect.DeepEqual(got, []float64{7.5}) {
		t.Fatalf("figures after a benchmark's own output: %v (results %+v)", got, out.Results)
	}
	if len(out.Results) != 1 {
		t.Fatalf("a name-only line became a result: %+v", out.Results)
	}
}

func TestParseBenchRejectsUnpairedFigures(t *testing.T) {
	if _, err := ParseBench(strings.NewReader("BenchmarkX-2 10 100 ns/op 5\n")); err == nil {
		t.Fatal("a value without its unit was accepted")
	}
	if _, err := ParseBench(strings.NewReader("BenchmarkX-2 10 fast ns/op\n")); err == nil {
		t.Fatal("a non-numeric value was accepted")
	}
}

func TestRowsFromBenchmarks(t *testing.T) {
	fe, err := ParseBench(strings.NewReader(frontEndOutput))
	if err != nil {
		t.Fatal(err)
	}
	r := frontEndRow(fe)
	if !r.Measured() || r.LoaMedian() != 2.60 || r.Runs() != 3 {
		t.Fatalf("front-end row %+v, median %v", r, r.LoaMedian())
	}
	if met, ok := r.Met(); !ok || !met {
		t.Fatalf("2.6 MB/s against ≥ 1 MB/s: met=%v ok=%v", met, ok)
	}

	au, err := ParseBench(strings.NewReader(audioOutput))
	if err != nil {
		t.Fatal(err)
	}
	re := reassembleRow(au)
	if re.LoaMedian() != 9.674 || re.BaseMedian() != 10.06 || re.Ratio() != 0.9723 {
		t.Fatalf("re-assembly medians %v / %v, ratio %v", re.LoaMedian(), re.BaseMedian(), re.Ratio())
	}

	// Two passing runs and one that failed over the limit: the failed
	// run's figure counts, and the row is over target, not broken.
	rss := rssRow(au)
	if !rss.Measured() || !reflect.DeepEqual(rss.Loa, []float64{14.22, 14.88, 70.5}) {
		t.Fatalf("RSS samples %v (err %q)", rss.Loa, rss.Err)
	}
	if len(rss.Base) != 3 || rss.BaseMedian() != 20.60 {
		t.Fatalf("file size samples %v", rss.Base)
	}
	if met, ok := rss.Met(); !ok || !met {
		t.Fatalf("median 14.88 MB against ≤ 64 MB: met=%v ok=%v", met, ok)
	}

	// A benchmark that never ran makes a broken row that says why.
	missing := feedRow(au)
	if missing.Measured() || !strings.Contains(missing.Err, "BenchmarkRender5000") {
		t.Fatalf("feed row from output without it: %+v", missing)
	}
	skipped := rssRow(BenchOutput{Skips: map[string]string{"BenchmarkAssemble60MinPeakRSS": "no rusage on this platform"}})
	if skipped.Measured() || !strings.Contains(skipped.Err, "no rusage") {
		t.Fatalf("skipped RSS row %+v", skipped)
	}
	if math.IsNaN(re.Ratio()) {
		t.Fatal("ratio is NaN")
	}
}
