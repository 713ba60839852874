package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The rows, before measurement: what, in which unit, against what goal.
var (
	rowFrontEnd   = Row{Measure: "text front-end, 1 core", Unit: "MB/s", Target: Target{"loa", ">=", 1}}
	rowExtractF1  = Row{Measure: "article extraction shingle F1, testdata/extract (vs go-readability v2.1.3)", Unit: "F1", Baseline: "go-readability v2.1.3 on the same pages, same run", Target: Target{"ratio", ">=", 1}}
	rowExtractRPS = Row{Measure: "HTML extraction, 1 core, testdata/extract pages", Unit: "pages/s"}
	rowEspeak     = Row{Measure: "espeak-ng s per audio minute (per sentence vs whole text)", Unit: "s", Baseline: "one espeak-ng run on the whole spoken text"}
	rowSynth      = Row{Measure: "loa synth, sample article (vs espeak-ng | lame)", Unit: "s", Baseline: "espeak-ng -v vi -f body.txt --stdout | lame -r … --resample 24 -b 48", Target: Target{"ratio", "<=", 1.5}}
	rowReassemble = Row{Measure: "re-assembly, 10-min article (vs byte copy)", Unit: "ms", Baseline: "copying the same segment files into one", Target: Target{"ratio", "<=", 3}}
	rowRSS        = Row{Measure: "peak RSS, 60-min assembly (vs file size)", Unit: "MB", Baseline: "size of the assembled file", Target: Target{"loa", "<=", 64}}
	rowRangeRPS   = Row{Measure: "audio Range requests/s (vs nginx)", Unit: "req/s", Baseline: "nginx serving the same file"}
	rowRangeP99   = Row{Measure: "audio Range p99 latency (vs nginx)", Unit: "ms", Baseline: "nginx serving the same file"}
	rowFeed       = Row{Measure: "feed render, 5,000 items", Unit: "ms", Target: Target{"loa", "<", 200}}
	rowFirstAudio = Row{Measure: "POST → first audio, progressive (vs loa synth)", Unit: "s", Baseline: "loa synth of the same article"}
	rowReady      = Row{Measure: "POST → ready (vs loa synth)", Unit: "s", Baseline: "loa synth of the same article"}
)

// sampleArticle is what the end-to-end rows synthesize.
const sampleArticle = "testdata/samples/ngaynay-trieu-tien-nga.html"

// bench holds what the measurements share: the built programs and a
// scratch folder.
type bench struct {
	cfg  Config
	log  *slog.Logger
	work string
	env  []string // for every program run

	loa, loadgen string            // built binaries
	tests        map[string]string // package path (./synth/text) → compiled test binary
	buildErr     map[string]error  // binary or package → why it did not build
	toolErr      map[string]error  // espeak-ng, lame, nginx → why it is missing
}

// Measure builds Loa from cfg.Repo, measures the selected rows and returns
// the table. Rows that could not be measured say why; the error is only
// for a run that could not start or was interrupted.
func Measure(ctx context.Context, cfg Config, log *slog.Logger) (Table, error) {
	start := time.Now()
	h := Header{
		Date:      start,
		Go:        runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		CPU:       cpuModel(),
		Cores:     runtime.NumCPU(),
		Revision:  revision(ctx, cfg.Repo),
		LoadStart: loadAverage(),
	}
	work, err := os.MkdirTemp("", "loabench-")
	if err != nil {
		return Table{}, err
	}
	defer os.RemoveAll(work)
	// nginx started as root serves as "nobody", which must reach the file.
	if err := os.Chmod(work, 0o755); err != nil {
		return Table{}, err
	}
	b := &bench{cfg: cfg, log: log, work: work, env: childEnv(), tests: map[string]string{},
		buildErr: map[string]error{}, toolErr: map[string]error{}}
	rows := b.measureAll(ctx)
	if err := ctx.Err(); err != nil {
		return Table{}, fmt.Errorf("interrupted: %w", err)
	}
	h.LoadEnd = loadAverage()
	h.Elapsed = time.Since(start).Round(time.Second).String()
	return Table{Header: h, Rows: rows}, nil
}

func (b *bench) measureAll(ctx context.Context) []Row {
	cfg := b.cfg
	needLoa := cfg.wants("espeak") || cfg.wants("synth") || cfg.wants("serve") || cfg.wants("range") || cfg.wants("hostile") || cfg.wants("catalog") || cfg.wants("ingest")
	var tools []string
	if needLoa {
		tools = append(tools, "espeak-ng")
	}
	if cfg.wants("synth") {
		tools = append(tools, "lame")
	}
	if cfg.wants("range") {
		tools = append(tools, "nginx")
	}
	b.ensureTools(ctx, tools)
	b.build(ctx, needLoa)

	got := map[string][]Row{}
	if cfg.wants("frontend") {
		got["frontend"] = []Row{b.frontEnd(ctx)}
	}
	if cfg.wants("extract") {
		got["extract"] = b.extract(ctx)
	}
	if cfg.wants("reassemble") {
		got["reassemble"] = []Row{b.reassemble(ctx)}
	}
	if cfg.wants("rss") {
		got["rss"] = []Row{b.peakRSS(ctx)}
	}
	if cfg.wants("feed") {
		got["feed"] = []Row{b.feed(ctx)}
	}
	if cfg.wants("espeak") || cfg.wants("synth") || cfg.wants("serve") {
		s := b.sampleRows(ctx)
		got["espeak"], got["synth"], got["serve"] = []Row{s.espeak}, []Row{s.synth}, []Row{s.first, s.ready}
	}
	if cfg.wants("range") {
		got["range"] = b.rangeLoad(ctx)
	}
	if cfg.wants("hostile") {
		got["hostile"] = b.hostileLoad(ctx)
	}
	if cfg.wants("catalog") {
		got["catalog"] = b.catalog(ctx)
	}
	if cfg.wants("ingest") {
		got["ingest"] = b.ingest(ctx)
	}
	// Rows follow an article's path: text, speech, audio, serving.
	var rows []Row
	for _, g := range []string{"frontend", "extract", "espeak", "synth", "reassemble", "rss", "range", "feed", "serve", "ingest", "hostile", "catalog"} {
		if cfg.wants(g) {
			rows = append(rows, got[g]...)
		}
	}
	return rows
}

// ensureTools installs missing tools with scripts/deps.sh (as CI does)
// when allowed, and records what is still missing.
func (b *bench) ensureTools(ctx context.Context, names []string) {
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	why := "not installed"
	if b.cfg.InstallDeps {
		b.log.Info("installing missing tools", "tools", strings.Join(missing, " "), "with", "scripts/deps.sh test")
		cmd := exec.CommandContext(ctx, filepath.Join(b.cfg.Repo, "scripts", "deps.sh"), "test")
		cmd.Dir = b.cfg.Repo
		out, err := cmd.CombinedOutput()
		if err != nil {
			why = fmt.Sprintf("not installed, and scripts/deps.sh test failed (%v): %s", err, oneLine(string(out)))
		} else {
			why = "not installed, even after scripts/deps.sh test"
		}
	}
	for _, n := range missing {
		if _, err := exec.LookPath(n); err != nil {
			b.toolErr[n] = fmt.Errorf("%s %s", n, why)
		}
	}
}

// needTools returns the first missing tool's error.
func (b *bench) needTools(names ...string) error {
	for _, n := range names {
		if err := b.toolErr[n]; err != nil {
			return err
		}
	}
	return nil
}

// build compiles loa, loadgen and the test binaries the rows need, once.
func (b *bench) build(ctx context.Context, needLoa bool) {
	ctx, cancel := context.WithTimeout(ctx, 8*time.Minute)
	defer cancel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		err = fmt.Errorf("go is not on PATH: %w", err)
		for _, k := range []string{"loa", "loadgen", "./synth/text", "./synth/audio", "./web/feed", catalogPkg} {
			b.buildErr[k] = err
		}
		return
	}
	gobuild := func(what string, args ...string) error {
		start := time.Now()
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir, cmd.Env = b.cfg.Repo, b.env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("build %s: %v: %s", what, err, oneLine(string(out)))
		}
		b.log.Info("built", "what", what, "took", time.Since(start).Round(100*time.Millisecond))
		return nil
	}
	if needLoa {
		b.loa = filepath.Join(b.work, "loa")
		b.buildErr["loa"] = gobuild("loa", "build", "-o", b.loa, "./cmd/loa")
	}
	if b.cfg.wants("range") {
		b.loadgen = filepath.Join(b.work, "loadgen")
		b.buildErr["loadgen"] = gobuild("loadgen", "build", "-o", b.loadgen, "./cmd/loadgen")
	}
	var pkgs []string
	if b.cfg.wants("frontend") {
		pkgs = append(pkgs, "./synth/text")
	}
	if b.cfg.wants("extract") {
		pkgs = append(pkgs, "./synth/text/extracteval")
	}
	if b.cfg.wants("reassemble") || b.cfg.wants("rss") {
		pkgs = append(pkgs, "./synth/audio")
	}
	if b.cfg.wants("feed") {
		pkgs = append(pkgs, "./web/feed")
	}
	if b.cfg.wants("catalog") {
		pkgs = append(pkgs, catalogPkg)
	}
	if len(pkgs) == 0 {
		return
	}
	dir := filepath.Join(b.work, "tests")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for _, p := range pkgs {
			b.buildErr[p] = err
		}
		return
	}
	err = gobuild("test binaries of "+strings.Join(pkgs, " "), append([]string{"test", "-c", "-o", dir + "/"}, pkgs...)...)
	for _, p := range pkgs {
		b.buildErr[p] = err
		b.tests[p] = filepath.Join(dir, filepath.Base(p)+".test")
	}
}

// goBench runs one benchmark of a package's compiled tests.
func (b *bench) goBench(ctx context.Context, pkg, name, benchtime string, count int, cpu string) (BenchOutput, error) {
	if err := b.buildErr[pkg]; err != nil {
		return BenchOutput{}, err
	}
	b.log.Info("measuring", "benchmark", name, "package", pkg, "count", count, "benchtime", benchtime)
	return benchRun{
		Binary: b.tests[pkg], Dir: filepath.Join(b.cfg.Repo, filepath.FromSlash(pkg)),
		Bench: "^" + regexp.QuoteMeta(name) + "$", Benchtime: benchtime, Count: count, CPU: cpu,
		Timeout: 4 * time.Minute,
	}.run(ctx, b.env)
}

// samplesOf returns the samples of unit, or why there are none.
func samplesOf(out BenchOutput, name, unit string) ([]float64, error) {
	s := out.Samples(name, unit)
	if len(s) > 0 {
		return s, nil
	}
	if err := out.Problem(name); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%s reported no %q", name, unit)
}

func (b *bench) frontEnd(ctx context.Context) Row {
	out, err := b.goBench(ctx, "./synth/text", "BenchmarkFrontEnd", b.cfg.Benchtime, b.cfg.Runs, "1")
	if err != nil {
		return rowFrontEnd.Failed(err)
	}
	return frontEndRow(out)
}

func frontEndRow(out BenchOutput) Row {
	r := rowFrontEnd
	var err error
	if r.Loa, err = samplesOf(out, "BenchmarkFrontEnd", "MB/s"); err != nil {
		return r.Failed(err)
	}
	return r
}

// extract scores Loa's extractor and go-readability on the corpus in one
// benchmark run, and times Loa on one core.
func (b *bench) extract(ctx context.Context) []Row {
	out, err := b.goBench(ctx, "./synth/text/extracteval", "BenchmarkExtractCorpus", "3x", b.cfg.Runs, "1")
	if err != nil {
		return []Row{rowExtractF1.Failed(err), rowExtractRPS.Failed(err)}
	}
	return extractRows(out)
}

func extractRows(out BenchOutput) []Row {
	const name = "BenchmarkExtractCorpus"
	f1, rps := rowExtractF1, rowExtractRPS
	var err error
	if f1.Loa, err = samplesOf(out, name, "loa-F1"); err != nil {
		return []Row{f1.Failed(err), rps.Failed(err)}
	}
	if f1.Base, err = samplesOf(out, name, "readability-F1"); err != nil {
		return []Row{f1.Failed(err), rps.Failed(err)}
	}
	if rps.Loa, err = samplesOf(out, name, "pages/s"); err != nil {
		return []Row{f1, rps.Failed(err)}
	}
	return []Row{f1, rps}
}

func (b *bench) reassemble(ctx context.Context) Row {
	out, err := b.goBench(ctx, "./synth/audio", "BenchmarkReassemble10Min", b.cfg.ReassembleX, b.cfg.Runs, "")
	if err != nil {
		return rowReassemble.Failed(err)
	}
	return reassembleRow(out)
}

func reassembleRow(out BenchOutput) Row {
	const name = "BenchmarkReassemble10Min"
	r := rowReassemble
	var err error
	if r.Loa, err = samplesOf(out, name, "assemble-ms/op"); err != nil {
		return r.Failed(err)
	}
	if r.Base, err = samplesOf(out, name, "copy-ms/op"); err != nil {
		return r.Failed(err)
	}
	// The benchmark's own ratio is of summed durations, finer than the
	// rounded milliseconds.
	if r.Ratios, err = samplesOf(out, name, "ratio"); err != nil {
		return r.Failed(err)
	}
	return r
}

func (b *bench) peakRSS(ctx context.Context) Row {
	out, err := b.goBench(ctx, "./synth/audio", "BenchmarkAssemble60MinPeakRSS", "1x", min(b.cfg.Runs, 3), "")
	if err != nil {
		return rowRSS.Failed(err)
	}
	return rssRow(out)
}

// rssOverLimit reads the figure from the benchmark's failure message: it
// fails above its limit, and a figure over target is still a figure.
var rssOverLimit = regexp.MustCompile(`peak RSS ([0-9.]+) MB`)

func rssRow(out BenchOutput) Row {
	const name = "BenchmarkAssemble60MinPeakRSS"
	r := rowRSS
	loa, base := out.Samples(name, "peak-RSS-MB"), out.Samples(name, "file-MB")
	for _, m := range rssOverLimit.FindAllStringSubmatch(out.Failures[name], -1) {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			loa = append(loa, v)
		}
	}
	if len(loa) == 0 {
		if err := out.Problem(name); err != nil {
			return r.Failed(err)
		}
		return r.Failed(fmt.Errorf("%s reported no peak RSS", name))
	}
	r.Loa = loa
	switch {
	case len(base) == len(loa):
		r.Base = base
	case len(base) > 0:
		// Failed runs print no file size; the file is the same every run.
		r.Base = make([]float64, len(loa))
		for i := range r.Base {
			r.Base[i] = Median(base)
		}
	}
	return r
}

func (b *bench) feed(ctx context.Context) Row {
	out, err := b.goBench(ctx, "./web/feed", "BenchmarkRender5000", b.cfg.Benchtime, b.cfg.Runs, "")
	if err != nil {
		return rowFeed.Failed(err)
	}
	return feedRow(out)
}

func feedRow(out BenchOutput) Row {
	r := rowFeed
	var err error
	if r.Loa, err = samplesOf(out, "BenchmarkRender5000", "ms/op"); err != nil {
		return r.Failed(err)
	}
	return r
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func revision(ctx context.Context, repo string) string {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "describe", "--always", "--dirty")
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return string(bytes.TrimSpace(out))
}

// runQuiet runs a program and returns its stdout; the error carries the
// end of its stderr.
func runQuiet(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := stderr.String()
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		return out, fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, oneLine(msg))
	}
	return out, nil
}
