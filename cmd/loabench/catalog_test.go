package main

import (
	"strings"
	"testing"
)

// TestCatalogRows: figures of each engine land in their own rows, the
// archive's next to the baseline's from the same run, and a failed bulk
// fill on one engine explains its rows instead of leaving them empty.
func TestCatalogRows(t *testing.T) {
	const out = `BenchmarkCatalog/sqlite/listing-2         	    1000	   1000 ns/op	  4.50 p99-ms	  3.00 base-p99-ms
BenchmarkCatalog/sqlite/search-2          	    1000	   1000 ns/op	  60.0 p99-ms
--- FAIL: BenchmarkCatalog/postgres
    catalog_bench_test.go:34: connect: connection refused
`
	parsed, err := ParseBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	q := catalogQueries[0]
	r := catalogRow(catalogRowTemplate("sqlite", q, 100_000, 10_000), "sqlite", q.sub, parsed, nil)
	if r.Err != "" || len(r.Loa) != 1 || r.Loa[0] != 4.5 || len(r.Base) != 1 || r.Base[0] != 3 {
		t.Errorf("sqlite listing: %+v", r)
	}
	if !strings.Contains(r.Measure, "100,000 articles") || !strings.Contains(r.Baseline, "10,000 articles") {
		t.Errorf("sqlite listing names %q / %q", r.Measure, r.Baseline)
	}
	r = catalogRow(catalogRowTemplate("postgres", q, 100_000, 10_000), "postgres", q.sub, parsed, nil)
	if !strings.Contains(r.Err, "connection refused") || r.Loa != nil {
		t.Errorf("postgres listing: %+v", r)
	}
	s := catalogQueries[1]
	r = catalogRow(catalogRowTemplate("sqlite", s, 100_000, 10_000), "sqlite", s.sub, parsed, nil)
	if !strings.Contains(r.Err, "baseline") {
		t.Errorf("search without a baseline figure: %+v", r)
	}
}
