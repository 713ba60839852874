package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/loa-audio/loa/storage/sqldb"
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
		rows = append(rows, postQueuedTemplate(e, n, base).Failed(err), readyRateTemplate(e, n, base, b.cfg.CatalogBenchtime).Failed(err))
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
	// Both archives answer in one run, query after query in turn: their
	// ratio is then not also the machine's drift between two runs.
	out, outErr := func() (BenchOutput, error) {
		if err := b.buildErr[catalogPkg]; err != nil {
			return BenchOutput{}, err
		}
		// A p99 of 200 queries is the second slowest, which one pause
		// decides; of 1,000 it is the tenth.
		benchtime := b.cfg.CatalogQueries
		b.log.Info("measuring", "benchmark", "BenchmarkCatalog", "articles", n, "baseline", base, "benchtime", benchtime)
		return benchRun{
			Binary: b.tests[catalogPkg], Dir: filepath.Join(b.cfg.Repo, filepath.FromSlash(catalogPkg)),
			Bench: "^BenchmarkCatalog$", Benchtime: benchtime, Count: 1,
			// Filling a million articles on two engines takes minutes.
			Timeout: 10*time.Minute + time.Duration(n+base)*2*time.Millisecond,
		}.run(ctx, append(env[:len(env):len(env)], "BENCH_ARTICLES="+strconv.Itoa(n), "BENCH_BASE_ARTICLES="+strconv.Itoa(base)))
	}()
	for _, e := range catalogEngines {
		if e == "postgres" && pgErr != nil {
			fail(e, pgErr)
			continue
		}
		for _, q := range catalogQueries {
			rows = append(rows, catalogRow(catalogRowTemplate(e, q, n, base), e, q.sub, out, outErr))
		}
		queued, ready := postQueuedTemplate(e, n, base), readyRateTemplate(e, n, base, b.cfg.CatalogBenchtime)
		var err error
		if queued.Loa, queued.Base, ready.Loa, ready.Base, err = b.postQueued(ctx, e, pgURL, n, base); err != nil {
			queued, ready = queued.Failed(err), ready.Failed(err)
		}
		rows = append(rows, queued, ready)
	}
	return rows
}

func catalogRow(r Row, engine, sub string, out BenchOutput, outErr error) Row {
	if outErr != nil {
		return r.Failed(outErr)
	}
	var err error
	if r.Loa, err = catalogSamples(out, engine, sub, "p99-ms"); err != nil {
		return r.Failed(err)
	}
	if r.Base, err = catalogSamples(out, engine, sub, "base-p99-ms"); err != nil {
		return r.Failed(fmt.Errorf("baseline: %w", err))
	}
	return r
}

// catalogSamples reads one sub-benchmark's p99 (unit); a failure of the
// engine's parent (its bulk fill, a database that does not open) explains
// a missing figure.
func catalogSamples(out BenchOutput, engine, sub, unit string) ([]float64, error) {
	name := "BenchmarkCatalog/" + engine + "/" + sub
	if s := out.Samples(name, unit); len(s) > 0 {
		return s, nil
	}
	for _, n := range []string{name, "BenchmarkCatalog/" + engine, "BenchmarkCatalog"} {
		if err := out.Problem(n); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s reported no %s", name, unit)
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

// rowPostQueued is the HTTP figure of the catalog group, per engine.
func postQueuedTemplate(e string, n, base int) Row {
	return Row{
		Measure:  fmt.Sprintf("catalog %s, %s articles: POST → queued p99, HTTP API (vs %s articles)", e, thousands(n), thousands(base)),
		Unit:     "ms",
		Baseline: fmt.Sprintf("the same POSTs at %s articles (target ratio ≤ 1.5)", thousands(base)),
		Target:   Target{"loa", "<=", 25},
	}
}

func readyRateTemplate(e string, n, base int, posts string) Row {
	return Row{
		Measure: fmt.Sprintf("catalog %s, %s articles: %s cached one-sentence submissions → all ready (vs %s articles)",
			e, thousands(n), strings.TrimSuffix(posts, "x"), thousands(base)),
		Unit:     "articles/s",
		Baseline: fmt.Sprintf("the same submissions at %s articles (target ratio ≥ 0.67)", thousands(base)),
		Target:   Target{"loa", ">=", 30},
	}
}

// oneSentence is what the POST → queued figure submits: small, so the
// figure is the catalog's and the queue's, not the extractor's.
const oneSentence = `<html><head><title>Tin ngắn</title></head><body><article><h1>Tin ngắn</h1>` +
	`<p>Hà Nội hôm nay có mưa lớn ở nhiều quận nội thành.</p></article></body></html>`

// postQueued fills a database of the engine with BenchmarkCatalogFill for
// each archive size (n and base), starts `loa serve` on each, and runs Runs
// rounds of CatalogBenchtime POSTs (postRound) on the two in turn,
// returning each round's p99 and ready rate per archive.
func (b *bench) postQueued(ctx context.Context, engine, pgURL string, n, base int) (p99, baseP99, rate, baseRate []float64, err error) {
	if err := b.buildErr["loa"]; err != nil {
		return nil, nil, nil, nil, err
	}
	if err := b.buildErr[catalogPkg]; err != nil {
		return nil, nil, nil, nil, err
	}
	posts, err := strconv.Atoi(strings.TrimSuffix(b.cfg.CatalogBenchtime, "x"))
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("catalog benchtime %q: %w", b.cfg.CatalogBenchtime, err)
	}
	sizes := []int{n, base}
	servers := make([]*server, len(sizes))
	for i, articles := range sizes {
		srv, stop, err := b.catalogServer(ctx, engine, pgURL, fmt.Sprintf("catalog-%s-%d-%d", engine, i, articles), articles)
		if err != nil {
			if i == 1 {
				err = fmt.Errorf("baseline: %w", err)
			}
			return nil, nil, nil, nil, err
		}
		defer stop()
		servers[i] = srv
	}
	// A p99 of one round of 200 POSTs is two requests: several rounds on
	// the filled archives (the fills are what take minutes) give the median
	// a row reports. The archives take turns, each going first every other
	// round, so that both see the machine as it is at the time.
	p99s, rates := make([][]float64, len(sizes)), make([][]float64, len(sizes))
	for round := range b.cfg.Runs {
		for k := range servers {
			i := (round + k) % len(servers)
			srv := servers[i]
			r, err := postRound(ctx, srv, fmt.Sprintf("queued-%d", round), posts)
			if err != nil {
				return nil, nil, nil, nil, fmt.Errorf("%w (server log: %s)", err, logTail(srv.logPath))
			}
			b.log.Info("posted", "engine", engine, "articles", sizes[i], "round", round+1, "p50_ms", r.p50, "p90_ms", r.p90, "p99_ms", r.p99, "max_ms", r.max, "ready_per_s", r.readyPerS)
			p99s[i], rates[i] = append(p99s[i], r.p99), append(rates[i], r.readyPerS)
		}
	}
	return p99s[0], p99s[1], rates[0], rates[1], nil
}

// catalogServer fills a database of articles for the engine and starts
// `loa serve` on it, with the one sentence every timed POST speaks cached.
// stop ends the server and drops the database.
func (b *bench) catalogServer(ctx context.Context, engine, pgURL, name string, articles int) (srv *server, stop func(), err error) {
	dir := filepath.Join(b.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	setting, drop := "sqlite:"+filepath.Join(dir, "loa.db"), func() {}
	if engine == "postgres" {
		if setting, drop, err = freshSchema(ctx, pgURL, name); err != nil {
			return nil, nil, err
		}
	}
	defer func() {
		if err != nil {
			drop()
		}
	}()
	b.log.Info("filling", "engine", engine, "articles", articles)
	out, err := benchRun{
		Binary: b.tests[catalogPkg], Dir: filepath.Join(b.cfg.Repo, filepath.FromSlash(catalogPkg)),
		Bench: "^BenchmarkCatalogFill$", Benchtime: "1x", Count: 1,
		Timeout: 10*time.Minute + time.Duration(articles)*2*time.Millisecond,
	}.run(ctx, append(slices.Clone(b.env), "BENCH_ARTICLES="+strconv.Itoa(articles), "LOA_BENCH_FILL_DB="+setting))
	if err != nil {
		return nil, nil, err
	}
	if _, err := samplesOf(out, "BenchmarkCatalogFill", "articles/s"); err != nil {
		return nil, nil, err
	}
	if srv, err = b.startServe(ctx, name+"-serve", "--db", setting); err != nil {
		return nil, nil, err
	}
	// One article first, so every timed one finds its sentence cached; then
	// an untimed round, so that the timed ones find the server as it runs
	// for days (its pools of database and client connections open, their
	// statements prepared). A first round on a fresh PostgreSQL server had
	// a p99 of 46 ms against 17-26 ms for the seven after it.
	if err = srv.submit(ctx, "warm-up", oneSentence); err == nil {
		_, err = srv.waitReady(ctx, "warm-up", time.Now())
	}
	if err == nil {
		_, err = postRound(ctx, srv, "warm-up", warmUpPosts)
	}
	if err != nil {
		srv.stop()
		return nil, nil, fmt.Errorf("%w (server log: %s)", err, logTail(srv.logPath))
	}
	return srv, func() { srv.stop(); drop() }, nil
}

// warmUpPosts is the untimed round's size: a few requests per client.
const warmUpPosts = 64

type roundResult struct{ p50, p90, p99, max, readyPerS float64 }

// postRound times posts POSTs of a cached one-sentence article from 8
// clients, as a newsroom's CMS submits, until each answers (queued), and
// the articles/s from the first POST until all are ready.
func postRound(ctx context.Context, srv *server, prefix string, posts int) (roundResult, error) {
	ids := make(chan string, posts)
	for i := range posts {
		ids <- fmt.Sprintf("%s-%04d", prefix, i)
	}
	close(ids)
	var mu sync.Mutex
	took := make([]float64, 0, posts)
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range 8 {
		g.Go(func() error {
			for id := range ids {
				t := time.Now()
				if err := srv.submit(gctx, id, oneSentence); err != nil {
					return err
				}
				mu.Lock()
				took = append(took, float64(time.Since(t).Microseconds())/1000)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return roundResult{}, err
	}
	var last time.Duration
	for i := range posts {
		d, err := srv.waitReady(ctx, fmt.Sprintf("%s-%04d", prefix, i), start)
		if err != nil {
			return roundResult{}, err
		}
		last = max(last, d)
	}
	slices.Sort(took)
	at := func(q int) float64 { return took[len(took)*q/100] }
	return roundResult{p50: at(50), p90: at(90), p99: at(99), max: took[len(took)-1], readyPerS: float64(posts) / last.Seconds()}, nil
}

// freshSchema makes an empty schema in the test cluster and returns the
// setting that uses it, and how to drop it.
func freshSchema(ctx context.Context, pgURL, name string) (string, func(), error) {
	u, err := url.Parse(pgURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres URL: %w", err)
	}
	schema := "bench_" + strings.NewReplacer("-", "_").Replace(name)
	admin, err := sqldb.Open(ctx, pgURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	for _, stmt := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema} {
		if _, err := admin.Conn().Exec(ctx, stmt); err != nil {
			return "", nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		admin, err := sqldb.Open(context.Background(), pgURL)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Conn().Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	return u.String(), drop, nil
}
