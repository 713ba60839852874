package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 1, 1, 1, 10}, 1},
	} {
		in := append([]float64(nil), tc.in...)
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if !reflect.DeepEqual(in, tc.in) {
			t.Errorf("Median reordered its input: %v → %v", in, tc.in)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestRatioIsMedianOfPairedRuns(t *testing.T) {
	// A busy run slows both sides; per-run ratios stay steady while the
	// ratio of medians would not.
	r := Row{Loa: []float64{1, 2, 10}, Base: []float64{1, 1, 9}}
	if got := r.Ratio(); got != 10.0/9 {
		t.Fatalf("ratio %v, want the median of 1, 2, 1.11", got)
	}
	if got := (Row{Loa: []float64{2}, Base: []float64{4}, Ratios: []float64{0.7, 0.5, 0.6}}).Ratio(); got != 0.6 {
		t.Fatalf("reported ratios ignored: %v", got)
	}
	if got := PairedRatios([]float64{1, 2}, []float64{0, 4}); !reflect.DeepEqual(got, []float64{0.5}) {
		t.Fatalf("a zero baseline was divided by: %v", got)
	}
	if PairedRatios([]float64{1, 2}, []float64{1}) != nil {
		t.Fatal("unpaired runs gave ratios")
	}
	if !math.IsNaN((Row{Loa: []float64{1}}).Ratio()) {
		t.Fatal("a row without baseline has a ratio")
	}
}

func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		row       Row
		met, judg bool
	}{
		{"at least, met", Row{Loa: []float64{1.2}, Target: Target{"loa", ">=", 1}}, true, true},
		{"at least, exactly", Row{Loa: []float64{1}, Target: Target{"loa", ">=", 1}}, true, true},
		{"at least, missed", Row{Loa: []float64{0.4, 0.5, 2}, Target: Target{"loa", ">=", 1}}, false, true},
		{"under, missed at the limit", Row{Loa: []float64{200}, Target: Target{"loa", "<", 200}}, false, true},
		{"ratio, met", Row{Loa: []float64{1.4}, Base: []float64{1}, Target: Target{"ratio", "<=", 1.5}}, true, true},
		{"ratio, over", Row{Loa: []float64{2}, Base: []float64{1}, Target: Target{"ratio", "<=", 1.5}}, false, true},
		{"ratio without baseline", Row{Loa: []float64{2}, Target: Target{"ratio", "<=", 1.5}}, false, false},
		{"no target", Row{Loa: []float64{2}}, false, false},
		{"not measured", Row{Err: "x", Target: Target{"loa", "<", 1}}, false, false},
	} {
		met, judged := tc.row.Met()
		if met != tc.met || judged != tc.judg {
			t.Errorf("%s: met=%v judged=%v, want %v %v", tc.name, met, judged, tc.met, tc.judg)
		}
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{
		20829: "20829", 131.4: "131", 47.44: "47.4", 2.534: "2.53", 0.9723: "0.972",
		0.05: "0.05", 0: "0", math.NaN(): "—", -3.25: "-3.25",
	} {
		if got := Num(in); got != want {
			t.Errorf("Num(%v) = %q, want %q", in, got, want)
		}
	}
	if got := (Target{"loa", ">=", 1}).String("MB/s"); got != "≥ 1 MB/s" {
		t.Errorf("target %q", got)
	}
	if got := (Target{"ratio", "<=", 1.5}).String("s"); got != "≤ 1.5×" {
		t.Errorf("ratio target %q", got)
	}
}

func sampleTable() Table {
	return Table{
		Header: Header{Date: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), Go: "go1.26.8 linux/amd64", CPU: "AMD EPYC",
			Cores: 2, Revision: "abc123", LoadStart: "3.1 5.5 5.7", LoadEnd: "2.0 4.0 5.0", Elapsed: "4m2s"},
		Rows: []Row{
			{Measure: "text front-end, 1 core", Unit: "MB/s", Loa: []float64{2.5, 2.6, 2.4}, Target: Target{"loa", ">=", 1}},
			{Measure: "loa synth (vs espeak-ng | lame)", Unit: "s", Loa: []float64{3, 3}, Base: []float64{1, 1}, Target: Target{"ratio", "<=", 1.5}},
			{Measure: "Range requests/s (vs nginx)", Unit: "req/s", Loa: []float64{5000}, Base: []float64{20000}},
			rowFeed.Failed(errors.New("feed.test: exit status 2")),
		},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"2026-11-29 06:00 UTC", "go1.26.8", "AMD EPYC, 2 cores", "load average 3.1 5.5 5.7",
		"2.50 MB/s", "≥ 1 MB/s met", "3.00×", "≤ 1.5× OVER TARGET", "0.25×", "not measured: feed.test: exit status 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Every line of the table proper is as wide as its heading line.
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var table []string
	for i, l := range lines {
		if strings.HasPrefix(l, "measure ") {
			table = lines[i:]
		}
	}
	if len(table) != 6 {
		t.Fatalf("want header, rule and 4 rows:\n%s", out)
	}
	w := utf8.RuneCountInString(table[0])
	for _, l := range table[1:] {
		if got := utf8.RuneCountInString(l); got != w {
			t.Errorf("line %q is %d wide, header %d", l, got, w)
		}
	}
	// Columns line up: "Loa" figures end where the "Loa" heading ends.
	end := strings.Index(table[0], "Loa") + len("Loa")
	if !strings.HasSuffix(string([]rune(table[2])[:end]), "2.50 MB/s") {
		t.Errorf("Loa column not right-aligned: %q", table[2])
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `| loa synth (vs espeak-ng \| lame) | 3.00 s | 1.00 s | 3.00× | ≤ 1.5× OVER TARGET | 2 |`) {
		t.Errorf("pipe in a cell not escaped or row wrong:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") && strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != 7 {
			t.Errorf("row does not have 6 cells: %q", l)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleTable().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		CPU   string `json:"cpu"`
		Cores int    `json:"cores"`
		Rows  []struct {
			Measure   string    `json:"measure"`
			Loa       *float64  `json:"loa"`
			Ratio     *float64  `json:"ratio"`
			Met       *bool     `json:"met"`
			LoaRuns   []float64 `json:"loa_runs"`
			RatioRuns []float64 `json:"ratio_runs"`
			Error     string    `json:"not_measured"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.CPU != "AMD EPYC" || got.Cores != 2 || len(got.Rows) != 4 {
		t.Fatalf("header or rows lost: %+v", got)
	}
	synth := got.Rows[1]
	if synth.Loa == nil || *synth.Loa != 3 || synth.Ratio == nil || *synth.Ratio != 3 || synth.Met == nil || *synth.Met {
		t.Errorf("synth row %+v", synth)
	}
	if !reflect.DeepEqual(synth.RatioRuns, []float64{3, 3}) || len(synth.LoaRuns) != 2 {
		t.Errorf("raw samples missing: %+v", synth)
	}
	if feed := got.Rows[3]; feed.Loa != nil || !strings.Contains(feed.Error, "exit status 2") {
		t.Errorf("broken row %+v", feed)
	}
	if !sampleTable().Broken() {
		t.Error("a table with an unmeasured row is not broken")
	}
	tbl := sampleTable()
	tbl.Rows = tbl.Rows[:3]
	if tbl.Broken() {
		t.Error("a table whose rows are all measured, one over target, is broken")
	}
}
