package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Row is one line of the table: a Loa figure next to a baseline measured
// in the same run, as medians over several runs.
type Row struct {
	Measure  string // what is measured, including the baseline's name
	Unit     string // unit of Loa and Baseline, e.g. "MB/s", "s"
	Baseline string // what the baseline is; "" when the row has none
	Target   Target

	// Samples, one per run. Baseline samples, when present, are paired
	// with Loa samples run by run.
	Loa, Base []float64
	// Ratios, one per run; when nil, Loa/Base per run are used.
	Ratios []float64

	// Err is why the row could not be measured; such a row breaks the run.
	Err string
}

// Target is the goal a row is held to. The zero value is no target.
type Target struct {
	Of    string  // "loa" or "ratio"
	Op    string  // "<=", "<", ">=", ">"
	Value float64 // in the row's unit for "loa"
}

// Failed returns the row marked as not measured because of err.
func (r Row) Failed(err error) Row {
	r.Err = err.Error()
	r.Loa, r.Base, r.Ratios = nil, nil, nil
	return r
}

// Measured reports whether the row holds numbers.
func (r Row) Measured() bool { return r.Err == "" && len(r.Loa) > 0 }

// LoaMedian is the median of the Loa samples.
func (r Row) LoaMedian() float64 { return Median(r.Loa) }

// BaseMedian is the median of the baseline samples (NaN without any).
func (r Row) BaseMedian() float64 { return Median(r.Base) }

// Ratio is the median of the per-run ratios Loa/baseline, so a run that
// was slow for both (a busy machine) does not skew it; NaN without a
// baseline.
func (r Row) Ratio() float64 {
	if r.Ratios != nil {
		return Median(r.Ratios)
	}
	return Median(PairedRatios(r.Loa, r.Base))
}

// PairedRatios divides a[i] by b[i]; pairs with a zero divisor are left
// out, and unequal lengths give none (the runs were not paired).
func PairedRatios(a, b []float64) []float64 {
	if len(a) != len(b) || len(a) == 0 {
		return nil
	}
	out := make([]float64, 0, len(a))
	for i := range a {
		if b[i] != 0 {
			out = append(out, a[i]/b[i])
		}
	}
	return out
}

// Runs is how many samples the Loa figure is the median of.
func (r Row) Runs() int { return len(r.Loa) }

// Met reports whether the row meets its target; ok is false when there is
// no target or nothing to judge.
func (r Row) Met() (met, ok bool) {
	if r.Target.Op == "" || !r.Measured() {
		return false, false
	}
	v := r.LoaMedian()
	if r.Target.Of == "ratio" {
		v = r.Ratio()
	}
	if math.IsNaN(v) {
		return false, false
	}
	switch r.Target.Op {
	case "<=":
		return v <= r.Target.Value, true
	case "<":
		return v < r.Target.Value, true
	case ">=":
		return v >= r.Target.Value, true
	case ">":
		return v > r.Target.Value, true
	}
	return false, false
}

// Median of xs; NaN for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Num prints a figure with three significant digits, without exponents.
func Num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a == 0:
		return "0"
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

func withUnit(v float64, unit string) string {
	if math.IsNaN(v) {
		return "—"
	}
	if unit == "" {
		return Num(v)
	}
	return Num(v) + " " + unit
}

func (t Target) String(unit string) string {
	if t.Op == "" {
		return "—"
	}
	op := map[string]string{"<=": "≤", ">=": "≥", "<": "<", ">": ">"}[t.Op]
	v := strconv.FormatFloat(t.Value, 'f', -1, 64) // as the goal was set: 1, 1.5, 200
	if t.Of == "ratio" {
		return op + " " + v + "×"
	}
	if unit == "" {
		return op + " " + v
	}
	return op + " " + v + " " + unit
}

// Header says when and where the table was measured.
type Header struct {
	Date      time.Time `json:"date"`
	Go        string    `json:"go"`
	CPU       string    `json:"cpu"`
	Cores     int       `json:"cores"`
	Revision  string    `json:"revision"`
	LoadStart string    `json:"load_average_start"`
	LoadEnd   string    `json:"load_average_end"`
	Elapsed   string    `json:"elapsed"`
}

// Table is the whole report.
type Table struct {
	Header Header
	Rows   []Row
}

// Broken reports whether any row could not be measured.
func (t Table) Broken() bool {
	for _, r := range t.Rows {
		if !r.Measured() {
			return true
		}
	}
	return false
}

func (t Table) cells() [][]string {
	out := [][]string{{"measure", "Loa", "baseline", "ratio", "target", "runs"}}
	for _, r := range t.Rows {
		if !r.Measured() {
			why := r.Err
			if why == "" {
				why = "no samples"
			}
			out = append(out, []string{r.Measure, "not measured: " + why, "", "", r.Target.String(r.Unit), "0"})
			continue
		}
		base, ratio := "—", "—"
		if len(r.Base) > 0 {
			base = withUnit(r.BaseMedian(), r.Unit)
			ratio = Num(r.Ratio()) + "×"
		}
		target := r.Target.String(r.Unit)
		if met, ok := r.Met(); ok {
			if met {
				target += " met"
			} else {
				target += " OVER TARGET"
			}
		}
		out = append(out, []string{r.Measure, withUnit(r.LoaMedian(), r.Unit), base, ratio, target, fmt.Sprint(r.Runs())})
	}
	return out
}

func (h Header) lines() []string {
	return []string{
		fmt.Sprintf("Loa benchmarks, %s, %s, revision %s", h.Date.UTC().Format("2006-01-02 15:04 UTC"), h.Go, h.Revision),
		fmt.Sprintf("CPU: %s, %d cores; load average %s at start, %s at end; took %s", h.CPU, h.Cores, h.LoadStart, h.LoadEnd, h.Elapsed),
		"Figures are medians; ratio is the median of per-run Loa/baseline ratios.",
	}
}

// WriteText prints an aligned plain-text table.
func (t Table) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, l := range t.Header.lines() {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	rows := t.cells()
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for ri, row := range rows {
		for i, c := range row {
			pad := widths[i] - len([]rune(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 || i == len(row)-2 { // text columns left, numbers right
				b.WriteString(c)
				if i < len(row)-1 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			} else {
				b.WriteString(strings.Repeat(" ", pad) + c)
			}
		}
		b.WriteString("\n")
		if ri == 0 {
			total := 0
			for _, w := range widths {
				total += w
			}
			b.WriteString(strings.Repeat("-", total+2*(len(widths)-1)) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the table for the README.
func (t Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for _, l := range t.Header.lines() {
		b.WriteString(l + "  \n")
	}
	b.WriteString("\n")
	for i, row := range t.cells() {
		esc := make([]string, len(row))
		for j, c := range row {
			esc[j] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(esc, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|---|---:|---:|---:|---|---:|\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonRow struct {
	Measure   string    `json:"measure"`
	Unit      string    `json:"unit,omitempty"`
	Baseline  string    `json:"baseline,omitempty"`
	Loa       *float64  `json:"loa,omitempty"`
	Base      *float64  `json:"baseline_value,omitempty"`
	Ratio     *float64  `json:"ratio,omitempty"`
	Target    string    `json:"target,omitempty"`
	Met       *bool     `json:"met,omitempty"`
	Runs      int       `json:"runs"`
	LoaRuns   []float64 `json:"loa_runs,omitempty"`
	BaseRuns  []float64 `json:"baseline_runs,omitempty"`
	RatioRuns []float64 `json:"ratio_runs,omitempty"`
	Error     string    `json:"not_measured,omitempty"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// WriteJSON prints the header, every row and its raw samples.
func (t Table) WriteJSON(w io.Writer) error {
	rows := make([]jsonRow, 0, len(t.Rows))
	for _, r := range t.Rows {
		j := jsonRow{Measure: r.Measure, Unit: r.Unit, Baseline: r.Baseline, Runs: r.Runs(), Error: r.Err}
		if r.Target.Op != "" {
			j.Target = r.Target.String(r.Unit)
		}
		if r.Measured() {
			j.Loa, j.LoaRuns = finite(r.LoaMedian()), r.Loa
			if len(r.Base) > 0 {
				j.Base, j.BaseRuns, j.Ratio = finite(r.BaseMedian()), r.Base, finite(r.Ratio())
				j.RatioRuns = r.Ratios
				if j.RatioRuns == nil {
					j.RatioRuns = PairedRatios(r.Loa, r.Base)
				}
			}
			if met, ok := r.Met(); ok {
				j.Met = &met
			}
		} else if j.Error == "" {
			j.Error = "no samples"
		}
		rows = append(rows, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Header
		Rows []jsonRow `json:"rows"`
	}{t.Header, rows})
}
