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
// 100,000) on each engine and reports the p99 of the editors' first page,
// a deep keyset page, a diacritic-insensitive search and the newest 100
// listed articles with the feed's count (what a feed page reads):
//
//	LOA_TEST_POSTGRES_URL=$(scripts/postgres.sh) go test -run '^$' -bench Catalog -benchtime 200x ./storage/sqldb/
func BenchmarkCatalog(b *testing.B) {
	n := benchArticles(b)
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			db := sqldbtest.New(b, e)
			began := time.Now()
			fillCatalog(b, db, n)
			b.Logf("%s: %d articles inserted in %v", e, n, time.Since(began).Round(time.Millisecond))
			// The counts stop where synth.List stops them.
			cases := []struct {
				name string
				f    sqldb.ArticleFilter
			}{
				{"listing", sqldb.ArticleFilter{Limit: 51, CountUpTo: article.MaxListTotal + 1}},
				{"deep_page", sqldb.ArticleFilter{Limit: 51, HasCursor: true, AfterTime: time.Unix(1_700_000_000, 0).Add(time.Duration(n/2) * time.Minute), AfterID: "a"}},
				{"search", sqldb.ArticleFilter{Limit: 51, Search: "ha noi 7", CountUpTo: article.MaxSearchTotal + 1}},
				{"feed_newest_100", sqldb.ArticleFilter{Limit: 100, Listed: true}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						t := time.Now()
						if _, _, err := db.Conn().Articles(ctx, c.f); err != nil {
							b.Fatal(err)
						}
						if c.name == "feed_newest_100" {
							// A feed page also counts the feed's items.
							if _, err := db.Conn().FeedStats(ctx, ""); err != nil {
								b.Fatal(err)
							}
						}
						took = append(took, time.Since(t))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

func benchArticles(b *testing.B) int {
	n := 100_000
	if v := os.Getenv("BENCH_ARTICLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
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
