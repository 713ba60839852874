package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// BenchResult is one result line of `go test -bench` output.
type BenchResult struct {
	Name    string // without the -GOMAXPROCS suffix
	Procs   int    // 1 when the line had no suffix
	N       int64
	Metrics map[string]float64 // unit → value: "ns/op", "MB/s", b.ReportMetric units
}

// BenchOutput is what one benchmark run printed.
type BenchOutput struct {
	Results  []BenchResult
	Failures map[string]string // benchmark → what it logged when it failed
	Skips    map[string]string // benchmark → why it skipped
}

var procsSuffix = regexp.MustCompile(`^(.*)-(\d+)$`)

// ParseBench reads `go test -bench` output. Names lose a trailing "-N"
// (GOMAXPROCS), so benchmark names must not end in "-<digits>" themselves.
func ParseBench(r io.Reader) (BenchOutput, error) {
	out := BenchOutput{Failures: map[string]string{}, Skips: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var inMsg map[string]string // the map collecting the indented lines after --- FAIL/SKIP
	var msgOf string
	pending := "" // a benchmark name still waiting for its figures
	for sc.Scan() {
		line := sc.Text()
		if inMsg != nil && (strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t")) {
			inMsg[msgOf] = strings.TrimSpace(inMsg[msgOf] + "\n" + strings.TrimSpace(line))
			continue
		}
		inMsg = nil
		if rest, ok := strings.CutPrefix(line, "--- FAIL: "); ok {
			// With -count, one benchmark can fail several times: keep
			// every message.
			msgOf, inMsg = trimProcs(firstField(rest)), out.Failures
			if _, seen := inMsg[msgOf]; !seen {
				inMsg[msgOf] = ""
			}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "--- SKIP: "); ok {
			msgOf, inMsg = trimProcs(firstField(rest)), out.Skips
			if _, seen := inMsg[msgOf]; !seen {
				inMsg[msgOf] = ""
			}
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			// A benchmark that writes to stdout splits its line: the
			// name, its output, then the figures on a line of their own.
			if pending != "" {
				if res, ok, err := parseResultLine(pending + " " + line); err == nil && ok {
					out.Results = append(out.Results, res)
					pending = ""
				}
			}
			continue
		}
		res, ok, err := parseResultLine(line)
		if err != nil {
			return out, err
		}
		pending = ""
		if ok {
			out.Results = append(out.Results, res)
		} else {
			pending = firstField(line)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read benchmark output: %w", err)
	}
	return out, nil
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func trimProcs(name string) string {
	if m := procsSuffix.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// parseResultLine parses "BenchmarkX-2  12  345 ns/op  6.7 MB/s  8 ratio".
// A line that is only a benchmark's name (printed before its log output)
// is not a result.
func parseResultLine(line string) (BenchResult, bool, error) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return BenchResult{}, false, nil
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return BenchResult{}, false, nil
	}
	if (len(f)-2)%2 != 0 {
		return BenchResult{}, false, fmt.Errorf("benchmark line %q: values and units do not pair up", line)
	}
	res := BenchResult{Name: f[0], Procs: 1, N: n, Metrics: map[string]float64{}}
	if m := procsSuffix.FindStringSubmatch(f[0]); m != nil {
		res.Name = m[1]
		res.Procs, _ = strconv.Atoi(m[2])
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return BenchResult{}, false, fmt.Errorf("benchmark line %q: value %q: %w", line, f[i], err)
		}
		res.Metrics[f[i+1]] = v
	}
	return res, true, nil
}

// Samples returns the value of unit for every result of the named
// benchmark, in run order.
func (o BenchOutput) Samples(name, unit string) []float64 {
	var out []float64
	for _, r := range o.Results {
		if v, ok := r.Metrics[unit]; ok && r.Name == name {
			out = append(out, v)
		}
	}
	return out
}

// Problem explains why a benchmark gave no result, if it said.
func (o BenchOutput) Problem(name string) error {
	if msg, ok := o.Failures[name]; ok {
		return fmt.Errorf("%s failed: %s", name, oneLine(msg))
	}
	if msg, ok := o.Skips[name]; ok {
		return fmt.Errorf("%s skipped: %s", name, oneLine(msg))
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// benchRun is one invocation of a compiled test binary.
type benchRun struct {
	Binary    string // compiled with go test -c
	Dir       string // the package folder: benchmarks read testdata/ from there
	Bench     string // -test.bench pattern
	Benchtime string // e.g. "1s", "3x"
	Count     int
	CPU       string // -test.cpu; "" = GOMAXPROCS
	Timeout   time.Duration
}

// errNoResults marks a benchmark binary that printed nothing usable.
var errNoResults = errors.New("no benchmark results")

func (b benchRun) run(ctx context.Context, env []string) (BenchOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, b.Timeout)
	defer cancel()
	args := []string{"-test.run", "^$", "-test.bench", b.Bench, "-test.benchtime", b.Benchtime,
		"-test.count", strconv.Itoa(b.Count), "-test.timeout", b.Timeout.String()}
	if b.CPU != "" {
		args = append(args, "-test.cpu", b.CPU)
	}
	cmd := exec.CommandContext(ctx, b.Binary, args...)
	cmd.Dir = b.Dir
	// LOA_TEST_REQUIRE turns a benchmark's skip for a missing tool into a
	// failure with the reason, so a row never silently goes missing.
	cmd.Env = append(env, "LOA_TEST_REQUIRE=1")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	runErr := cmd.Run()
	out, err := ParseBench(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return out, err
	}
	if len(out.Results) == 0 && len(out.Failures) == 0 && len(out.Skips) == 0 {
		tail := buf.String()
		if len(tail) > 600 {
			tail = tail[len(tail)-600:]
		}
		return out, fmt.Errorf("%w from %s -test.bench %s (%v): %s", errNoResults, b.Binary, b.Bench, runErr, oneLine(tail))
	}
	return out, nil
}

// childEnv is the environment for measured programs: LOA_* settings of
// the caller are left out so every run measures Loa's defaults.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOA_") {
			env = append(env, kv)
		}
	}
	return env
}
