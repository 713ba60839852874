// Command loabench measures Loa's performance figures, each next to a
// baseline measured in the same run, and prints them as one table of
// medians (text, Markdown or JSON). It builds what it measures from the
// working tree, so `make bench` works on a fresh clone.
//
// It exits 1 only when a figure could not be measured (a broken run), never
// because a figure missed its target: such rows say "OVER TARGET".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Groups of rows, in the order they are measured; -only picks some.
var allGroups = []string{"frontend", "extract", "reassemble", "rss", "feed", "espeak", "synth", "serve", "range", "hostile", "catalog", "ingest"}

// Config says what to measure and how long. The zero value is not useful;
// defaultConfig and quickConfig give the two profiles.
type Config struct {
	Repo         string        // module root of Loa
	Runs         int           // samples per row (3 at most for the slow rows)
	Only         []string      // groups to measure; empty = all
	Clients      int           // concurrent Range clients
	LoadDuration time.Duration // one Range load round per server
	LoadRounds   int           // Range rounds per server (capped by Runs)
	Benchtime    string        // -test.benchtime for the front-end and feed benchmarks
	ReassembleX  string        // -test.benchtime for the re-assembly benchmark
	InstallDeps  bool          // run scripts/deps.sh test when a tool is missing
	// Catalog archive sizes (measured, baseline), queries per query
	// figure (its p99 is of these) and POSTs per round of the HTTP figures.
	CatalogArticles, CatalogBase     int
	CatalogQueries, CatalogBenchtime string
}

func defaultConfig() Config {
	return Config{Runs: 5, Clients: 200, LoadDuration: 10 * time.Second, LoadRounds: 3,
		Benchtime: "1s", ReassembleX: "3x", InstallDeps: true,
		CatalogArticles: 100_000, CatalogBase: 10_000, CatalogQueries: "1000x", CatalogBenchtime: "200x"}
}

// quickConfig is a smoke run: every row once, with short loads.
func quickConfig() Config {
	return Config{Runs: 1, Clients: 200, LoadDuration: 2 * time.Second, LoadRounds: 1,
		Benchtime: "3x", ReassembleX: "1x", InstallDeps: true,
		CatalogArticles: 2_000, CatalogBase: 1_000, CatalogQueries: "20x", CatalogBenchtime: "20x"}
}

func (c Config) wants(group string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, group)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (0 measured,
// 1 broken run, 2 usage).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loabench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "smoke run: one sample per row, 2-second loads")
	asJSON := fs.Bool("json", false, "print JSON with every sample")
	asMarkdown := fs.Bool("markdown", false, "print a Markdown table (for the README)")
	repo := fs.String("repo", "", "Loa's module root (default: found from the current folder)")
	runs := fs.Int("runs", 0, "samples per row (default 5; 1 with -quick)")
	only := fs.String("only", "", "comma-separated groups to measure: "+strings.Join(allGroups, ","))
	clients := fs.Int("clients", 0, "concurrent Range clients (default 200)")
	loadDuration := fs.Duration("load-duration", 0, "length of one Range load round per server (default 10s; 2s with -quick)")
	loadRounds := fs.Int("load-rounds", 0, "Range load rounds per server (default 3; 1 with -quick)")
	posts := fs.Int("posts", 0, "catalog: timed POSTs and read queries per database (default 200; 20 with -quick)")
	noDeps := fs.Bool("no-install", false, "do not run scripts/deps.sh test when espeak-ng, lame or nginx is missing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loabench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := defaultConfig()
	if *quick {
		cfg = quickConfig()
	}
	if *runs > 0 {
		cfg.Runs = *runs
	}
	if *clients > 0 {
		cfg.Clients = *clients
	}
	if *loadDuration > 0 {
		cfg.LoadDuration = *loadDuration
	}
	if *loadRounds > 0 {
		cfg.LoadRounds = *loadRounds
	}
	if *posts > 0 {
		cfg.CatalogBenchtime = fmt.Sprintf("%dx", *posts)
	}
	cfg.InstallDeps = !*noDeps
	for _, g := range strings.Split(*only, ",") {
		if g = strings.TrimSpace(g); g == "" {
			continue
		}
		if !slices.Contains(allGroups, g) {
			fmt.Fprintf(stderr, "loabench: unknown group %q in -only (groups: %s)\n", g, strings.Join(allGroups, ","))
			return 2
		}
		cfg.Only = append(cfg.Only, g)
	}
	if *asJSON && *asMarkdown {
		fmt.Fprintln(stderr, "loabench: choose one of -json and -markdown")
		return 2
	}
	var err error
	if cfg.Repo, err = findRepo(*repo); err != nil {
		fmt.Fprintln(stderr, "loabench:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	table, err := Measure(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "loabench:", err)
		return 1
	}
	switch {
	case *asJSON:
		err = table.WriteJSON(stdout)
	case *asMarkdown:
		err = table.WriteMarkdown(stdout)
	default:
		err = table.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loabench:", err)
		return 1
	}
	if table.Broken() {
		fmt.Fprintln(stderr, "loabench: some figures could not be measured (see \"not measured\" above)")
		return 1
	}
	return 0
}

// findRepo returns dir, or the nearest folder up from the current one
// whose go.mod declares Loa's module.
func findRepo(dir string) (string, error) {
	const module = "module github.com/loa-audio/loa"
	isLoa := func(d string) bool {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		return err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), module)
	}
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if !isLoa(abs) {
			return "", fmt.Errorf("-repo %s: no go.mod of github.com/loa-audio/loa there", dir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isLoa(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Loa module root above %s (use -repo)", wd)
		}
	}
}
