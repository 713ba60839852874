package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// catalogPkg holds BenchmarkCatalog: its bulk fill and queries are the
// ones measured here, so the rows and `go test -bench Catalog` agree.
const catalogPkg = "./storage/sqldb"

// catalogQuery is one query of BenchmarkCatalog reported as a row.
type catalogQuery struct {
	sub, what string
	targetMS  float64
}

var catalogQueries = []catalogQuery{
	{"listing", "editor listing page p99", 20},
	{"search", "diacritic-insensitive search p99", 100},
	{"feed_newest_100", "newest-100 feed query p99", 30},
}

var catalogEngines = []string{"sqlite", "postgres"}

// catalogSizes returns the archive measured (BENCH_ARTICLES overrides the
// profile's) and its baseline.
func (b *bench) catalogSizes() (n, base int, err error) {
	n, base = b.cfg.CatalogArticles, b.cfg.CatalogBase
	if v := os.Getenv("BENCH_ARTICLES"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return 0, 0, fmt.Errorf("BENCH_ARTICLES=%q is not a positive number", v)
		}
	}
	return n, base, nil
}

func catalogRowTemplate(e string, q catalogQuery, n, base int) Row {
	return Row{
		Measure:  fmt.Sprintf("catalog %s, %s articles: %s (vs %s articles)", e, thousands(n), q.what, thousands(base)),
		Unit:     "ms",
		Baseline: fmt.Sprintf("the same query at %s articles (target ratio ≤ 1.5)", thousands(base)),
		Target:   Target{"loa", "<=", q.targetMS},
	}
}

// catalog measures BenchmarkCatalog on an archive of n articles and of
// base articles on both engines. PostgreSQL comes from scripts/postgres.sh;
// when it cannot start, its rows say why instead of going missing.
func (b *bench) catalog(ctx context.Context) []Row {
	n, base, sizeErr := b.catalogSizes()
	var rows []Row
	fail := func(e string, err error) {
		for _, q := range catalogQueries {
			rows = append(rows, catalogRowTemplate(e, q, n, base).Failed(err))
		}
	}
	if sizeErr != nil {
		for _, e := range catalogEngines {
			fail(e, sizeErr)
		}
		return rows
	}
	pgURL, pgErr := b.postgresURL(ctx)
	env := b.env
	if pgErr == nil {
		env = append(env[:len(env):len(env)], "LOA_TEST_POSTGRES_URL="+pgURL)
	}
	run := func(articles int) (BenchOutput, error) {
		if err := b.buildErr[catalogPkg]; err != nil {
			return BenchOutput{}, err
		}
		benchtime := b.cfg.CatalogBenchtime
		b.log.Info("measuring", "benchmark", "BenchmarkCatalog", "articles", articles, "benchtime", benchtime)
		return benchRun{
			Binary: b.tests[catalogPkg], Dir: filepath.Join(b.cfg.Repo, filepath.FromSlash(catalogPkg)),
			Bench: "^BenchmarkCatalog$", Benchtime: benchtime, Count: 1,
			// Filling a million articles on two engines takes minutes.
			Timeout: 10*time.Minute + time.Duration(articles)*2*time.Millisecond,
		}.run(ctx, append(env[:len(env):len(env)], "BENCH_ARTICLES="+strconv.Itoa(articles)))
	}
	big, bigErr := run(n)
	small, smallErr := run(base)
	for _, e := range catalogEngines {
		if e == "postgres" && pgErr != nil {
			fail(e, pgErr)
			continue
		}
		for _, q := range catalogQueries {
			rows = append(rows, catalogRow(catalogRowTemplate(e, q, n, base), e, q.sub, big, bigErr, small, smallErr))
		}
	}
	return rows
}

func catalogRow(r Row, engine, sub string, big BenchOutput, bigErr error, small BenchOutput, smallErr error) Row {
	if bigErr != nil {
		return r.Failed(bigErr)
	}
	if smallErr != nil {
		return r.Failed(fmt.Errorf("baseline: %w", smallErr))
	}
	var err error
	if r.Loa, err = catalogSamples(big, engine, sub); err != nil {
		return r.Failed(err)
	}
	if r.Base, err = catalogSamples(small, engine, sub); err != nil {
		return r.Failed(fmt.Errorf("baseline: %w", err))
	}
	return r
}

// catalogSamples reads one sub-benchmark's p99; a failure of the engine's
// parent (its bulk fill, a database that does not open) explains a
// missing figure.
func catalogSamples(out BenchOutput, engine, sub string) ([]float64, error) {
	name := "BenchmarkCatalog/" + engine + "/" + sub
	if s := out.Samples(name, "p99-ms"); len(s) > 0 {
		return s, nil
	}
	for _, n := range []string{name, "BenchmarkCatalog/" + engine, "BenchmarkCatalog"} {
		if err := out.Problem(n); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s reported no p99-ms", name)
}

// postgresURL starts (or reuses) the test cluster of scripts/postgres.sh,
// installing PostgreSQL with scripts/deps.sh test when allowed, as the
// other rows install their tools.
func (b *bench) postgresURL(ctx context.Context) (string, error) {
	start := func() (string, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(b.cfg.Repo, "scripts", "postgres.sh"))
		cmd.Dir = b.cfg.Repo
		out, err := runQuiet(cmd)
		return strings.TrimSpace(string(out)), err
	}
	url, err := start()
	if err == nil || !b.cfg.InstallDeps {
		return url, err
	}
	b.log.Info("installing PostgreSQL", "with", "scripts/deps.sh test", "because", err)
	cmd := exec.CommandContext(ctx, filepath.Join(b.cfg.Repo, "scripts", "deps.sh"), "test")
	cmd.Dir = b.cfg.Repo
	if out, derr := cmd.CombinedOutput(); derr != nil {
		return "", fmt.Errorf("%v, and scripts/deps.sh test failed (%v): %s", err, derr, oneLine(string(out)))
	}
	return start()
}

// thousands writes 100000 as 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
