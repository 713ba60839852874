package sqldb_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/article"
)

// BenchmarkCatalog fills a catalog with BENCH_ARTICLES articles (default
// 100,000) on each engine, and one of BENCH_BASE_ARTICLES beside it when
// that is set, and reports the p99 of the editors' first page, a deep
// keyset page, a diacritic-insensitive search and the newest 100 listed
// articles with the feed's count (what a feed page reads): p99-ms for the
// first catalog, base-p99-ms for the second. The two answer each query in
// turn, so their ratio compares like with like on a machine whose speed
// drifts from one minute to the next:
//
//	LOA_TEST_POSTGRES_URL=$(scripts/postgres.sh) BENCH_BASE_ARTICLES=10000 go test -run '^$' -bench 'Catalog$' -benchtime 1000x ./storage/sqldb/
func BenchmarkCatalog(b *testing.B) {
	sizes := []int{benchArticles(b)}
	if base := benchSize(b, "BENCH_BASE_ARTICLES", 0); base > 0 {
		sizes = append(sizes, base)
	}
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			dbs := make([]*sqldb.DB, len(sizes))
			for i, n := range sizes {
				dbs[i] = sqldbtest.New(b, e)
				began := time.Now()
				fillCatalog(b, dbs[i], n)
				b.Logf("%s: %d articles inserted in %v", e, n, time.Since(began).Round(time.Millisecond))
			}
			// The counts stop where synth.List stops them.
			cases := []struct {
				name   string
				filter func(n int) sqldb.ArticleFilter
			}{
				{"listing", func(int) sqldb.ArticleFilter {
					return sqldb.ArticleFilter{Limit: 51, CountUpTo: article.MaxListTotal + 1}
				}},
				{"deep_page", func(n int) sqldb.ArticleFilter {
					return sqldb.ArticleFilter{Limit: 51, HasCursor: true, AfterTime: time.Unix(1_700_000_000, 0).Add(time.Duration(n/2) * time.Minute), AfterID: "a"}
				}},
				{"search", func(int) sqldb.ArticleFilter {
					return sqldb.ArticleFilter{Limit: 51, Search: "ha noi 7", CountUpTo: article.MaxSearchTotal + 1}
				}},
				{"feed_newest_100", func(int) sqldb.ArticleFilter { return sqldb.ArticleFilter{Limit: 100, Listed: true} }},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					took := make([][]time.Duration, len(dbs))
					turn := 0
					for b.Loop() {
						// Each catalog goes first every other time.
						for k := range dbs {
							i := (turn + k) % len(dbs)
							t := time.Now()
							if _, _, err := dbs[i].Conn().Articles(ctx, c.filter(sizes[i])); err != nil {
								b.Fatal(err)
							}
							if c.name == "feed_newest_100" {
								// A feed page also counts the feed's items.
								if _, err := dbs[i].Conn().FeedStats(ctx, ""); err != nil {
									b.Fatal(err)
								}
							}
							took[i] = append(took[i], time.Since(t))
						}
						turn++
					}
					for i, unit := range []string{"p99-ms", "base-p99-ms"}[:len(dbs)] {
						slices.Sort(took[i])
						b.ReportMetric(float64(took[i][len(took[i])*99/100].Microseconds())/1000, unit)
					}
				})
			}
		})
	}
}

func benchArticles(b *testing.B) int { return benchSize(b, "BENCH_ARTICLES", 100_000) }

// benchSize reads a catalog size from the environment.
func benchSize(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q is not a number of articles", name, v)
	}
	return n
}

// BenchmarkCatalogFill fills the database named by LOA_BENCH_FILL_DB (a
// fresh SQLite catalog when unset) with BENCH_ARTICLES articles, as
// BenchmarkCatalog does: loabench runs `loa serve` on the filled
// database to time POST → queued on a large archive.
func BenchmarkCatalogFill(b *testing.B) {
	n := benchArticles(b)
	var db *sqldb.DB
	if setting := os.Getenv("LOA_BENCH_FILL_DB"); setting != "" {
		var err error
		if db, err = sqldb.Open(ctx, setting); err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		db = sqldbtest.New(b, sqldb.SQLite)
	}
	began := time.Now()
	fillCatalog(b, db, n)
	b.ReportMetric(float64(n)/time.Since(began).Seconds(), "articles/s")
}

func fillCatalog(b *testing.B, db *sqldb.DB, n int) {
	b.Helper()
	titles := []string{"Hà Nội mưa lớn", "Giá xăng tăng mạnh", "Đà Nẵng đón khách", "Kinh tế quý"}
	for start := 0; start < n; start += 1000 {
		err := db.InTx(ctx, func(tx sqldb.Conn) error {
			for i := start; i < min(n, start+1000); i++ {
				at := time.Unix(1_700_000_000, 0).Add(time.Duration(i) * time.Minute)
				a := sqldb.ArticleRow{
					ID: fmt.Sprintf("bai-%07d", i), Title: titles[i%len(titles)] + " " + strconv.Itoa(i),
					Lead: "Tin tức số " + strconv.Itoa(i), Status: "ready", Revision: 1, GUID: strconv.Itoa(i),
					Feed: []string{"thoi-su", "kinh-te", "the-thao"}[i%3], CurrentVersion: "v" + strconv.Itoa(i),
					Bytes: 1000, DurationMS: 1000, PublishedAt: at, CreatedAt: at, UpdatedAt: at,
				}
				if _, err := tx.InsertArticle(ctx, a); err != nil {
					return err
				}
				if err := tx.InsertVersion(ctx, sqldb.VersionRow{ArticleID: a.ID, ID: a.CurrentVersion, Revision: 1,
					AudioKey: "audio/" + a.ID + "/" + a.CurrentVersion + ".mp3", Voices: "[]", PublishedAt: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	settle(b, db)
}

// settle does what a live archive has long had done to it and a bulk
// load leaves pending, so that it does not land in the timed part: on
// PostgreSQL autovacuum vacuums and analyzes tables this size within a
// minute of the load (the planner is not timed on missing statistics, nor
// reads on dead row versions); on SQLite the load's write-ahead log, a
// hundred megabytes, is copied into the database file. Then the kernel
// writes out what the load dirtied (the test cluster runs without fsync):
// left to itself it does so half a minute later, in the middle of the
// timed part.
func settle(b *testing.B, db *sqldb.DB) {
	b.Helper()
	q := `VACUUM (ANALYZE) articles, versions, feed_counts`
	if db.Engine() == sqldb.SQLite {
		q = `PRAGMA wal_checkpoint(TRUNCATE)`
	}
	if _, err := db.Conn().Exec(ctx, q); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	syscall.Sync()
}
