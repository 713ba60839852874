package sqldb_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// searchFixture is what the search tests look in: titles with diacritics,
// ids worth finding, LIKE's wildcards as plain text.
var searchFixture = []struct{ id, title, lead, status, feed string }{
	{"hn-1", "Hà Nội mưa lớn", "Mưa suốt đêm.", "ready", "thoi-su"},
	{"dn-1", "Đà Nẵng nắng đẹp", "Trời trong xanh.", "ready", "mien-trung"},
	{"kt-1", "Kinh tế", "Giá vàng ở Hà Nội tăng.", "queued", "kinh-te"},
	{"hcm-1", "Sài Gòn kẹt xe", "Đường đông.", "ready", "thoi-su"},
	{"pct-1", "Lãi suất 100%", "Ngân hàng tăng_lãi.", "ready", "kinh-te"},
	{"pct-2", "Lãi suất 1000 đồng", "Ngân hàng tănglãi.", "ready", "kinh-te"},
	{"hn-2", "Hà Nội kẹt xe", "Xe đông ở Hà Nội.", "failed", "thoi-su"},
	{"hn-3", "Ha Noi tap chi", "Tin Hà Nội.", "ready", "mien-trung"},
}

func fillSearch(t *testing.T, db *sqldb.DB) time.Time {
	t.Helper()
	at := time.Unix(1_700_000_000, 0).UTC()
	for i, a := range searchFixture {
		row := sqldb.ArticleRow{ID: a.id, Title: a.title, Lead: a.lead, Status: a.status, Feed: a.feed, Revision: 1, GUID: a.id,
			PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at}
		if _, err := db.Conn().InsertArticle(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	return at
}

func searchIDs(t *testing.T, db *sqldb.DB, f sqldb.ArticleFilter) ([]string, int) {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 50
	}
	f.CountUpTo = 100
	rows, total, err := db.Conn().Articles(ctx, f)
	if err != nil {
		t.Fatalf("%+v: %v", f, err)
	}
	ids := []string{}
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids, total
}

// TestSearchIsIndexedAndExact: the indexed search answers what a scan of
// the folded text would, on both engines: diacritics and case ignored,
// every word required, words shorter than a trigram, ids, LIKE's
// wildcards taken literally, and filters and keyset pages combined.
func TestSearchIsIndexedAndExact(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		fillSearch(t, db)
		for _, c := range []struct {
			q    string
			f    sqldb.ArticleFilter
			want []string
		}{
			{"ha noi", sqldb.ArticleFilter{}, []string{"hn-3", "hn-2", "kt-1", "hn-1"}},
			{"HÀ NỘI", sqldb.ArticleFilter{}, []string{"hn-3", "hn-2", "kt-1", "hn-1"}},
			{"hà nội kẹt", sqldb.ArticleFilter{}, []string{"hn-2"}},
			{"đà", sqldb.ArticleFilter{}, []string{"dn-1"}},                                  // two letters: no trigram
			{"d", sqldb.ArticleFilter{}, []string{"hn-2", "pct-2", "hcm-1", "dn-1", "hn-1"}}, // one letter: "đêm", "đẹp", "đông", "đồng"…
			{"hcm", sqldb.ArticleFilter{}, []string{"hcm-1"}},                                // the id
			{"pct-2", sqldb.ArticleFilter{}, []string{"pct-2"}},                              // the id, with its dash
			{"100%", sqldb.ArticleFilter{}, []string{"pct-1"}},                               // % is a character, not a wildcard
			{"n_h", sqldb.ArticleFilter{}, nil},                                              // _ too: "ngan hang" has "n h"
			{"ng_l", sqldb.ArticleFilter{}, []string{"pct-1"}},
			{"noi gion", sqldb.ArticleFilter{}, nil},
			{`"noi"`, sqldb.ArticleFilter{}, nil}, // quotes are text, not FTS syntax
			{"noi", sqldb.ArticleFilter{Status: "ready"}, []string{"hn-3", "hn-1"}},
			{"noi", sqldb.ArticleFilter{Feed: "thoi-su"}, []string{"hn-2", "hn-1"}},
			{"xe", sqldb.ArticleFilter{Feed: "thoi-su", Status: "ready"}, []string{"hcm-1"}},
			{"ha noi", sqldb.ArticleFilter{Since: time.Unix(1_700_000_000, 0).Add(2 * time.Minute), Until: time.Unix(1_700_000_000, 0).Add(7 * time.Minute)}, []string{"hn-2", "kt-1"}},
		} {
			c.f.Search = c.q
			got, total := searchIDs(t, db, c.f)
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("q=%q %+v: %v, want %v", c.q, c.f, got, c.want)
			}
			if total != len(c.want) {
				t.Errorf("q=%q: total %d, want %d", c.q, total, len(c.want))
			}
		}

		// Keyset pages of a search: each match once, newest first.
		seen, _ := keysetPages(t, db, sqldb.ArticleFilter{Search: "ha noi", Limit: 2})
		if want := []string{"hn-3", "hn-2", "kt-1", "hn-1"}; !slices.Equal(seen, want) {
			t.Errorf("search pages: %v, want %v", seen, want)
		}

		// The index follows changes: a new title is found, the old one not,
		// and a deleted article leaves nothing behind.
		a, err := db.Conn().Article(ctx, "hn-1")
		if err != nil {
			t.Fatal(err)
		}
		a.Title = "Huế nắng nóng"
		if err := db.Conn().SaveArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := searchIDs(t, db, sqldb.ArticleFilter{Search: "mua lon"}); len(got) != 0 {
			t.Errorf("old title still found: %v", got)
		}
		if got, _ := searchIDs(t, db, sqldb.ArticleFilter{Search: "hue nang"}); !slices.Equal(got, []string{"hn-1"}) {
			t.Errorf("new title: %v", got)
		}
		if ok, err := db.Conn().DeleteArticle(ctx, "hn-2", time.Now()); !ok || err != nil {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if got, _ := searchIDs(t, db, sqldb.ArticleFilter{Search: "ket xe"}); !slices.Equal(got, []string{"hcm-1"}) {
			t.Errorf("after delete: %v", got)
		}
	})
}

// keysetPages follows f's keyset cursor to the end (at most 10 pages) and
// returns the ids seen and each page's total.
func keysetPages(t *testing.T, db *sqldb.DB, f sqldb.ArticleFilter) (ids []string, totals []int) {
	t.Helper()
	for range 10 {
		rows, total, err := db.Conn().Articles(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		totals = append(totals, total)
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		if len(rows) < f.Limit {
			break
		}
		last := rows[len(rows)-1]
		f.AfterTime, f.AfterID, f.HasCursor = last.PublishedAt, last.ID, true
	}
	return ids, totals
}

// listedByScan counts feed's listed articles the slow way, as the truth
// the maintained counts are held to.
func listedByScan(t *testing.T, db *sqldb.DB, feed string) int {
	t.Helper()
	rows, _, err := db.Conn().Articles(ctx, sqldb.ArticleFilter{Listed: true, Feed: feed, Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func checkFeedCounts(t *testing.T, db *sqldb.DB, feeds ...string) {
	t.Helper()
	for _, feed := range append(feeds, "") {
		st, err := db.Conn().FeedStats(ctx, feed)
		if err != nil {
			t.Fatal(err)
		}
		if want := listedByScan(t, db, feed); st.Items != want {
			t.Errorf("feed %q: %d items counted, %d listed", feed, st.Items, want)
		}
	}
}

// TestFeedCountsFollowEveryChange: publish, unpublish, a feed change, a
// version without duration and a delete each move the kept counts, and
// parallel publishes and deletes on the same ids leave them equal to a
// count of the rows, on both engines.
func TestFeedCountsFollowEveryChange(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Unix(1_700_000_000, 0).UTC()
		feeds := []string{"x", "y", ""}
		for i := range 6 {
			a := sqldb.ArticleRow{ID: fmt.Sprintf("a%d", i), Title: "t", Status: "queued", Revision: 1, Feed: feeds[i%3],
				PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at}
			if i < 3 {
				a.Status, a.CurrentVersion, a.Bytes, a.DurationMS = "ready", "v1", 10, 10
			}
			if _, err := db.Conn().InsertArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		checkFeedCounts(t, db, "x", "y")
		change := func(id string, fn func(*sqldb.ArticleRow)) {
			t.Helper()
			a, err := db.Conn().Article(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			fn(&a)
			if err := db.Conn().SaveArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
			checkFeedCounts(t, db, "x", "y")
		}
		change("a3", func(a *sqldb.ArticleRow) { a.CurrentVersion, a.Bytes, a.DurationMS = "v1", 10, 10 }) // publish
		change("a0", func(a *sqldb.ArticleRow) { a.CurrentVersion = "" })                                  // unpublish
		change("a1", func(a *sqldb.ArticleRow) { a.Feed = "x" })                                           // moves feed
		change("a2", func(a *sqldb.ArticleRow) { a.DurationMS = 0 })                                       // nothing to play
		change("a1", func(a *sqldb.ArticleRow) { a.Title = "u" })                                          // no change in count
		if ok, err := db.Conn().DeleteArticle(ctx, "a3", at); !ok || err != nil {
			t.Fatalf("delete: %v %v", ok, err)
		}
		checkFeedCounts(t, db, "x", "y")
		if st, _ := db.Conn().FeedStats(ctx, "x"); st.Items != 1 {
			t.Errorf("feed x holds a1 only: %+v", st)
		}

		// Parallel publish, unpublish and delete, each in a transaction
		// that reads the row first, as the service does.
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 1))
				for range 30 {
					id := fmt.Sprintf("p%d", r.IntN(5))
					feed := feeds[r.IntN(3)]
					op := r.IntN(3)
					err := db.InTx(ctx, func(tx sqldb.Conn) error {
						a, err := tx.LockArticle(ctx, id)
						switch {
						case err != nil && op != 2:
							_, err := tx.InsertArticle(ctx, sqldb.ArticleRow{ID: id, Title: "t", Status: "ready", Revision: 1, Feed: feed,
								CurrentVersion: "v1", Bytes: 10, DurationMS: 10, PublishedAt: at, CreatedAt: at, UpdatedAt: at})
							return err
						case err != nil:
							return nil
						case op == 0:
							a.CurrentVersion, a.Bytes, a.DurationMS, a.Feed = "v2", 10, 10, feed
						case op == 1:
							a.CurrentVersion = ""
						default:
							_, err := tx.DeleteArticle(ctx, id, at)
							return err
						}
						return tx.SaveArticle(ctx, a)
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		checkFeedCounts(t, db, "x", "y")
	})
}

// TestReadIndexesBackfillAnExistingCatalog: a catalog filled before
// migration 00005 finds its articles by search and counts its feeds once
// migrated, on both engines.
func TestReadIndexesBackfillAnExistingCatalog(t *testing.T) {
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db, err := sqldb.Open(ctx, sqldbtest.URL(t, e))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			at := time.Unix(1_700_000_000, 0).UTC()
			for i := range 40 {
				a := sqldb.ArticleRow{ID: fmt.Sprintf("old-%02d", i), Title: []string{"Hà Nội mưa lớn", "Đà Nẵng nắng"}[i%2], Status: "ready",
					Revision: 1, Feed: []string{"x", "y"}[i%2], PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at}
				if i%4 != 3 {
					a.CurrentVersion, a.Bytes, a.DurationMS = "v1", 10, 10
				}
				if _, err := db.Conn().InsertArticle(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(applied, func(m sqldb.Migration) bool { return m.Version == 5 }) {
				t.Fatalf("migration 5 not applied: %+v", applied)
			}
			if got, total := searchIDs(t, db, sqldb.ArticleFilter{Search: "ha noi", Limit: 3}); len(got) != 3 || got[0] != "old-38" || total != 20 {
				t.Errorf("search after migration: %v, total %d", got, total)
			}
			if got, total := searchIDs(t, db, sqldb.ArticleFilter{Search: "old-07"}); !slices.Equal(got, []string{"old-07"}) || total != 1 {
				t.Errorf("id search after migration: %v, total %d", got, total)
			}
			for feed, want := range map[string]int{"": 30, "x": 20, "y": 10} {
				if st, err := db.Conn().FeedStats(ctx, feed); err != nil || st.Items != want {
					t.Errorf("feed %q after migration: %+v, %v; want %d items", feed, st, err, want)
				}
			}
			checkFeedCounts(t, db, "x", "y")
			// Rows from before the migration leave the index when deleted.
			if ok, err := db.Conn().DeleteArticle(ctx, "old-38", at); !ok || err != nil {
				t.Fatalf("delete: %v %v", ok, err)
			}
			if got, total := searchIDs(t, db, sqldb.ArticleFilter{Search: "ha noi", Limit: 1}); !slices.Equal(got, []string{"old-36"}) || total != 19 {
				t.Errorf("search after deleting an old row: %v, total %d", got, total)
			}
			checkFeedCounts(t, db, "x", "y")
		})
	}
}

// TestSearchPagesBeyondTheNewestRows: a search whose matches are all older
// than the window of newest rows read in order first still finds them,
// newest first and each once; one with matches among the newest gets the
// same page either way; on both engines.
func TestSearchPagesBeyondTheNewestRows(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Unix(1_700_000_000, 0).UTC()
		const n = 2600
		err := db.InTx(ctx, func(tx sqldb.Conn) error {
			for i := range n {
				title := "Giá xăng tăng"
				if i < 7 {
					title = "Huế mưa lũ" // only the oldest seven
				}
				a := sqldb.ArticleRow{ID: fmt.Sprintf("b%04d", i), Title: title, Status: "ready", Revision: 1,
					PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at}
				if _, err := tx.InsertArticle(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen, totals := keysetPages(t, db, sqldb.ArticleFilter{Search: "hue mua", Limit: 3, CountUpTo: 100})
		if slices.ContainsFunc(totals, func(n int) bool { return n != 7 }) {
			t.Errorf("totals per page %v, want 7 each", totals)
		}
		if want := []string{"b0006", "b0005", "b0004", "b0003", "b0002", "b0001", "b0000"}; !slices.Equal(seen, want) {
			t.Errorf("old matches: %v, want %v", seen, want)
		}
		got, _ := searchIDs(t, db, sqldb.ArticleFilter{Search: "xang", Limit: 2, Offset: 1})
		if want := []string{fmt.Sprintf("b%04d", n-2), fmt.Sprintf("b%04d", n-3)}; !slices.Equal(got, want) {
			t.Errorf("dense search: %v, want %v", got, want)
		}
		got, _ = searchIDs(t, db, sqldb.ArticleFilter{Search: "xang b00", Limit: 2})
		if want := []string{"b0099", "b0098"}; !slices.Equal(got, want) {
			t.Errorf("search deeper than the window: %v, want %v", got, want)
		}
	})
}

// TestPostgresPlansEachSearch: PostgreSQL plans a search for its words on
// every run instead of keeping a prepared statement, whose generic plan
// made for any pattern reads every match of a common word (57 ms instead
// of 9 at 1,000,000 articles); other statements stay prepared.
func TestPostgresPlansEachSearch(t *testing.T) {
	db, err := sqldb.Open(ctx, sqldbtest.URL(t, sqldb.Postgres)+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fillSearch(t, db)
	for range 8 {
		if _, _, err := db.Conn().Articles(ctx, sqldb.ArticleFilter{Search: "ha noi", Limit: 10, CountUpTo: 100}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Conn().Articles(ctx, sqldb.ArticleFilter{Feed: "thoi-su", Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	// One connection: its session's prepared statements are all there are.
	var searches, listings int
	err = db.Conn().QueryRow(ctx, `SELECT count(*) FILTER (WHERE statement LIKE '%a.search LIKE%'),
count(*) FILTER (WHERE statement LIKE '%WHERE a.feed = $1 ORDER BY%')
FROM pg_prepared_statements WHERE statement NOT LIKE '%pg_prepared_statements%'`).Scan(&searches, &listings)
	if err != nil {
		t.Fatal(err)
	}
	if searches != 0 || listings == 0 {
		t.Errorf("prepared statements: %d searches (want 0), %d listings (want some)", searches, listings)
	}
}
