package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// The conformance suite: every record kind, on both engines, each test on
// a fresh database.

var ctx = context.Background()

func TestMigrations(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate applied %v, %v; want nothing", again, err)
		}
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations known")
		}
		for i, m := range st {
			if !m.Applied || m.AppliedAt.IsZero() {
				t.Errorf("migration %d %s not applied: %+v", m.Version, m.Name, m)
			}
			if i > 0 && m.Version <= st[i-1].Version {
				t.Errorf("migrations out of order: %d after %d", m.Version, st[i-1].Version)
			}
		}
	})
}

func TestOpenRefusesUnknownSettings(t *testing.T) {
	for _, s := range []string{"", "mysql://x", "sqlite:", "postgres://%zz"} {
		if db, err := sqldb.Open(ctx, s); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", s)
		} else if !errors.Is(err, sqldb.ErrInvalid) {
			t.Errorf("Open(%q): %v, want ErrInvalid", s, err)
		}
	}
}

func rule(id, feed, match string) sqldb.RuleRow {
	return sqldb.RuleRow{ID: id, Feed: feed, Body: fmt.Appendf(nil, `{"id":%q,"match":%q,"say":"nói %s","feed":%q}`, id, match, match, feed)}
}

func add(r sqldb.RuleRow) func([]sqldb.RuleRow) (sqldb.RuleChange, error) {
	return func([]sqldb.RuleRow) (sqldb.RuleChange, error) {
		return sqldb.RuleChange{Action: sqldb.RuleAdded, Rule: r}, nil
	}
}

func ids(rules []sqldb.RuleRow) []string {
	out := []string{}
	for _, r := range rules {
		out = append(out, r.ID)
	}
	return out
}

func TestLexiconChangesAndHistory(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		lx := db.Lexicon()
		st, err := lx.Get(ctx, "")
		if err != nil || st.Version != 0 || len(st.Rules) != 0 || st.Rules == nil {
			t.Fatalf("empty lexicon: %+v, %v", st, err)
		}
		at := time.Date(2026, 3, 1, 8, 0, 0, 123000, time.UTC)
		for _, r := range []sqldb.RuleRow{rule("a", "", "Putin"), rule("b", "the-thao", "VAR"), rule("c", "", "Kremlin"), rule("d", "kinh-te", "GDP")} {
			if _, err := lx.Change(ctx, at, add(r)); err != nil {
				t.Fatal(err)
			}
		}
		upd := rule("a", "", "Pu-tin")
		st, err = lx.Change(ctx, at.Add(time.Second), func(cur []sqldb.RuleRow) (sqldb.RuleChange, error) {
			if len(cur) != 4 {
				t.Errorf("decide saw %d rules, want 4", len(cur))
			}
			return sqldb.RuleChange{Action: sqldb.RuleUpdated, Rule: upd}, nil
		})
		if err != nil || st.Version != 5 || !st.UpdatedAt.Equal(at.Add(time.Second)) {
			t.Fatalf("update: %+v, %v", st, err)
		}
		if fmt.Sprint(ids(st.Rules)) != "[a b c d]" || string(st.Rules[0].Body) != string(upd.Body) {
			t.Fatalf("after update: %v %s", ids(st.Rules), st.Rules[0].Body)
		}
		if st, err = lx.Change(ctx, at, func([]sqldb.RuleRow) (sqldb.RuleChange, error) {
			return sqldb.RuleChange{Action: sqldb.RuleDeleted, Rule: sqldb.RuleRow{ID: "c"}}, nil
		}); err != nil || fmt.Sprint(ids(st.Rules)) != "[a b d]" {
			t.Fatalf("delete: %v, %v", ids(st.Rules), err)
		}

		// Order is the order of adding, updates keep their place; a feed
		// sees the rules of every feed plus its own.
		got, err := lx.Get(ctx, "the-thao")
		if err != nil || fmt.Sprint(ids(got.Rules)) != "[a b]" || got.Version != 6 {
			t.Fatalf("feed the-thao: %v v%d, %v", ids(got.Rules), got.Version, err)
		}
		if got, _ := lx.Get(ctx, ""); fmt.Sprint(ids(got.Rules)) != "[a b d]" || got.Rules[1].Feed != "the-thao" {
			t.Fatalf("all feeds: %v", ids(got.Rules))
		}

		// Refusals change nothing, not even the version.
		refused := errors.New("duplicate")
		if _, err := lx.Change(ctx, at, func([]sqldb.RuleRow) (sqldb.RuleChange, error) { return sqldb.RuleChange{}, refused }); !errors.Is(err, refused) {
			t.Fatalf("refused change: %v", err)
		}
		for _, ch := range []sqldb.RuleChange{{Action: sqldb.RuleUpdated, Rule: rule("zz", "", "x")}, {Action: sqldb.RuleDeleted, Rule: sqldb.RuleRow{ID: "zz"}}} {
			if _, err := lx.Change(ctx, at, func([]sqldb.RuleRow) (sqldb.RuleChange, error) { return ch, nil }); !errors.Is(err, sqldb.ErrNotFound) {
				t.Fatalf("%s of a missing rule: %v", ch.Action, err)
			}
		}
		if _, err := lx.Change(ctx, at, add(rule("a", "", "again"))); !errors.Is(err, sqldb.ErrConflict) {
			t.Fatalf("add of an existing id: %v", err)
		}
		if got, _ := lx.Get(ctx, ""); got.Version != 6 || len(got.Rules) != 3 {
			t.Fatalf("refused changes moved the lexicon: v%d %v", got.Version, ids(got.Rules))
		}

		hist, err := lx.History(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i, h := range hist {
			actions = append(actions, h.Action+":"+h.RuleID)
			if h.Version != i+1 {
				t.Errorf("history row %d has version %d", i, h.Version)
			}
		}
		if fmt.Sprint(actions) != "[add:a add:b add:c add:d update:a delete:c]" {
			t.Fatalf("history %v", actions)
		}
		if string(hist[4].Body) != string(upd.Body) || hist[5].Body != nil || !hist[0].ChangedAt.Equal(at) {
			t.Fatalf("history rows: %+v / %+v / %v", hist[4], hist[5], hist[0].ChangedAt)
		}
		if tail, _ := lx.History(ctx, 4, 1); len(tail) != 1 || tail[0].Version != 5 {
			t.Fatalf("History(4, 1) = %+v", tail)
		}
	})
}

// Parallel edits keep the invariants: one version per change, one
// history row per version, no lost rule, one winner per conflict.
func TestLexiconConcurrentEdits(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		lx := db.Lexicon()
		const n = 24
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := lx.Change(ctx, time.Now(), add(rule(fmt.Sprintf("r%02d", i), "", fmt.Sprintf("từ %d", i)))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		st, err := lx.Get(ctx, "")
		if err != nil || st.Version != n || len(st.Rules) != n {
			t.Fatalf("after %d parallel adds: version %d, %d rules, %v", n, st.Version, len(st.Rules), err)
		}

		// The same match added by many editors at once: the check in
		// decide sees every committed rule, so exactly one wins.
		var wins, dels, upds atomic.Int32
		dup := errors.New("exists")
		for i := range n {
			wg.Add(3)
			go func() {
				defer wg.Done()
				_, err := lx.Change(ctx, time.Now(), func(cur []sqldb.RuleRow) (sqldb.RuleChange, error) {
					for _, r := range cur {
						if r.Feed == "x" {
							return sqldb.RuleChange{}, dup
						}
					}
					return sqldb.RuleChange{Action: sqldb.RuleAdded, Rule: rule(fmt.Sprintf("dup%02d", i), "x", "same")}, nil
				})
				if err == nil {
					wins.Add(1)
				} else if !errors.Is(err, dup) {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				_, err := lx.Change(ctx, time.Now(), func([]sqldb.RuleRow) (sqldb.RuleChange, error) {
					return sqldb.RuleChange{Action: sqldb.RuleDeleted, Rule: sqldb.RuleRow{ID: "r00"}}, nil
				})
				if err == nil {
					dels.Add(1)
				} else if !errors.Is(err, sqldb.ErrNotFound) {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				_, err := lx.Change(ctx, time.Now(), func([]sqldb.RuleRow) (sqldb.RuleChange, error) {
					return sqldb.RuleChange{Action: sqldb.RuleUpdated, Rule: rule("r01", "", fmt.Sprintf("sửa %d", i))}, nil
				})
				if err == nil {
					upds.Add(1)
				} else {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || dels.Load() != 1 || upds.Load() != n {
			t.Fatalf("wins %d (want 1), deletes %d (want 1), updates %d (want %d)", wins.Load(), dels.Load(), upds.Load(), n)
		}
		st, _ = lx.Get(ctx, "")
		want := n + 1 + 1 + n
		hist, err := lx.History(ctx, 0, 1000)
		if err != nil || st.Version != want || len(hist) != want || len(st.Rules) != n {
			t.Fatalf("version %d, %d history rows (want %d both), %d rules (want %d), %v", st.Version, len(hist), want, len(st.Rules), n, err)
		}
	})
}

func TestTokens(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		tok := db.Tokens()
		if list, err := tok.List(ctx); err != nil || list == nil || len(list) != 0 {
			t.Fatalf("empty list: %v, %v", list, err)
		}
		at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		if err := tok.Create(ctx, "d1", sqldb.TokenRow{ID: "i1", Name: "CMS", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := tok.Create(ctx, "d2", sqldb.TokenRow{ID: "i2", Name: "Bot", CreatedAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := tok.Create(ctx, "d1", sqldb.TokenRow{ID: "i3", Name: "x", CreatedAt: at}); !errors.Is(err, sqldb.ErrConflict) {
			t.Fatalf("duplicate digest: %v", err)
		}
		if ok, err := tok.Valid(ctx, "d1"); !ok || err != nil {
			t.Fatalf("Valid(d1) = %v, %v", ok, err)
		}
		list, err := tok.List(ctx)
		if err != nil || len(list) != 2 || list[0] != (sqldb.TokenRow{ID: "i1", Name: "CMS", CreatedAt: at}) || list[1].ID != "i2" {
			t.Fatalf("list %+v, %v", list, err)
		}
		if d, err := tok.Revoke(ctx, "i1"); err != nil || d != "d1" {
			t.Fatalf("Revoke = %q, %v", d, err)
		}
		if ok, _ := tok.Valid(ctx, "d1"); ok {
			t.Fatal("revoked token still valid")
		}
		if _, err := tok.Revoke(ctx, "i1"); !errors.Is(err, sqldb.ErrNotFound) {
			t.Fatalf("second revoke: %v", err)
		}
	})
}

// TestAdminSessions: a session is known until it ends; each new one
// deletes expired sessions and all but the newest few.
func TestAdminSessions(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		tok := db.Tokens()
		at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		if exp, err := tok.Session(ctx, "none"); err != nil || !exp.IsZero() {
			t.Fatalf("unknown session: %v, %v", exp, err)
		}
		// s0 expires before s1 starts; s1..s4 live, of which the newest 3 stay.
		for i := range 5 {
			start := at.Add(time.Duration(i) * time.Minute)
			exp := start.Add(time.Hour)
			if i == 0 {
				exp = start.Add(30 * time.Second)
			}
			if err := tok.StartSession(ctx, fmt.Sprintf("s%d", i), start, exp, 3); err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range []bool{false, false, true, true, true} {
			exp, err := tok.Session(ctx, fmt.Sprintf("s%d", i))
			if err != nil || exp.IsZero() == want {
				t.Fatalf("s%d: expires %v (%v), want kept %v", i, exp, err, want)
			}
		}
		if exp, _ := tok.Session(ctx, "s4"); !exp.Equal(at.Add(4*time.Minute + time.Hour)) {
			t.Fatalf("s4 expires %v", exp)
		}
		if err := tok.StartSession(ctx, "s4", at.Add(5*time.Minute), at.Add(2*time.Hour), 3); !errors.Is(err, sqldb.ErrConflict) {
			t.Fatalf("duplicate session: %v", err)
		}
		for range 2 {
			if err := tok.EndSession(ctx, "s3"); err != nil {
				t.Fatal(err)
			}
		}
		if exp, _ := tok.Session(ctx, "s3"); !exp.IsZero() {
			t.Fatal("an ended session is still known")
		}
		if exp, _ := tok.Session(ctx, "s2"); exp.IsZero() {
			t.Fatal("ending one session ended another")
		}
	})
}

func TestTokensConcurrent(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		tok := db.Tokens()
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := tok.Create(ctx, fmt.Sprintf("digest%02d", i), sqldb.TokenRow{ID: fmt.Sprintf("id%02d", i), Name: "n", CreatedAt: time.Now()}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var revoked atomic.Int32
		for range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := tok.Revoke(ctx, "id07"); err == nil {
					revoked.Add(1)
				} else if !errors.Is(err, sqldb.ErrNotFound) {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				if err := tok.Create(ctx, "digest07-again", sqldb.TokenRow{ID: "again", Name: "n", CreatedAt: time.Now()}); err != nil && !errors.Is(err, sqldb.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		list, _ := tok.List(ctx)
		if revoked.Load() != 1 || len(list) != n {
			t.Fatalf("revoked %d times (want 1), %d tokens left (want %d)", revoked.Load(), len(list), n)
		}
	})
}

func TestListens(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		l := db.Listens()
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Add(ctx, map[string]map[string]int{"a": {"play": 2, "load": 1}, "b": {"100": 1}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := l.Get(ctx, "a")
		if err != nil || got["play"] != 20 || got["load"] != 10 || len(got) != 2 {
			t.Fatalf("counts of a: %v, %v", got, err)
		}
		if err := l.Delete(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if got, _ := l.Get(ctx, "a"); len(got) != 0 {
			t.Fatalf("deleted counts: %v", got)
		}
		if got, _ := l.Get(ctx, "b"); got["100"] != 10 {
			t.Fatalf("other article's counts: %v", got)
		}
	})
}

func TestUsage(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		u := db.Usage()
		if r, err := u.Get(ctx, "cloud", "2026-03-01"); err != nil || r.Used != 0 || r.Requests != 0 {
			t.Fatalf("empty day: %+v, %v", r, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var totals []int64
		for i := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				total, err := u.Add(ctx, "cloud", "2026-03-01", "characters", int64(i+1), time.Now())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				totals = append(totals, total)
				mu.Unlock()
			}()
		}
		wg.Wait()
		r, err := u.Get(ctx, "cloud", "2026-03-01")
		if err != nil || r.Used != 300 || r.Requests != 24 || r.Unit != "characters" || r.UpdatedAt.IsZero() {
			t.Fatalf("usage %+v, %v; want 300 characters in 24 requests", r, err)
		}
		// Every Add saw its own increment: the totals are distinct.
		sort.Slice(totals, func(i, j int) bool { return totals[i] < totals[j] })
		for i := 1; i < len(totals); i++ {
			if totals[i] == totals[i-1] {
				t.Fatalf("two adds returned the same total %d", totals[i])
			}
		}
		if other, _ := u.Get(ctx, "cloud", "2026-03-02"); other.Used != 0 {
			t.Fatalf("next day: %+v", other)
		}
	})
}

func TestListingCountStopsAtItsBound(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Unix(1_700_000_000, 0)
		for i := range 7 {
			status := "ready"
			if i%2 == 1 {
				status = "queued"
			}
			a := sqldb.ArticleRow{ID: fmt.Sprintf("a%d", i), Title: "t", Status: status, Revision: 1,
				PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at}
			if _, err := db.Conn().InsertArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			f    sqldb.ArticleFilter
			want int
		}{
			{sqldb.ArticleFilter{Limit: 2}, -1},
			{sqldb.ArticleFilter{Limit: 2, CountUpTo: 100}, 7},
			{sqldb.ArticleFilter{Limit: 2, CountUpTo: 5}, 5},
			{sqldb.ArticleFilter{Limit: 2, CountUpTo: 100, Status: "queued"}, 3},
			{sqldb.ArticleFilter{Limit: 2, CountUpTo: 2, Status: "queued"}, 2},
		} {
			page, total, err := db.Conn().Articles(ctx, c.f)
			if err != nil || total != c.want || len(page) != 2 {
				t.Errorf("%+v: total %d (want %d), %d rows, %v", c.f, total, c.want, len(page), err)
			}
		}
	})
}

func TestFeedPagesAreReadFromTheCatalog(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Unix(1_700_000_000, 0).UTC()
		for i := range 9 {
			a := sqldb.ArticleRow{ID: fmt.Sprintf("a%d", i), Title: "t", Status: "ready", Revision: 1, Feed: []string{"x", "y"}[i%2],
				CurrentVersion: "v1", Bytes: 100, DurationMS: 1000,
				PublishedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at.Add(time.Duration(10-i) * time.Hour)}
			switch i {
			case 8:
				a.CurrentVersion = "" // not published yet
			case 6:
				a.DurationMS = 0 // nothing a podcast app could play
			}
			if _, err := db.Conn().InsertArticle(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		st, err := db.Conn().FeedStats(ctx, "")
		if err != nil || st.Items != 7 || !st.Newest.Equal(at.Add(7*time.Minute)) || !st.Updated.Equal(at.Add(10*time.Hour)) {
			t.Fatalf("all: %+v, %v", st, err)
		}
		if st, err := db.Conn().FeedStats(ctx, "x"); err != nil || st.Items != 3 {
			t.Fatalf("feed x (a0, a2, a4): %+v, %v", st, err)
		}
		if st, err := db.Conn().FeedStats(ctx, "none"); err != nil || st.Items != 0 || !st.Updated.IsZero() {
			t.Fatalf("empty feed: %+v, %v", st, err)
		}
		var ids []string
		for off := 0; off < 9; off += 3 {
			page, _, err := db.Conn().Articles(ctx, sqldb.ArticleFilter{Listed: true, Offset: off, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				ids = append(ids, r.ID)
			}
		}
		if got := fmt.Sprint(ids); got != "[a7 a5 a4 a3 a2 a1 a0]" {
			t.Fatalf("listed pages: %s", got)
		}
	})
}

func TestSweepPositionsRoundTrip(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		c := db.Conn()
		if pos, err := c.SweepPosition(ctx, "audio/"); err != nil || pos != "" {
			t.Fatalf("a prefix never swept: %q, %v; want the beginning", pos, err)
		}
		for _, set := range []struct{ prefix, key string }{
			{"audio/", "audio/a1/v1.mp3"}, {"segments/", "segments/0f/0f1e.json"}, {"audio/", "audio/zz/ờ.vtt"},
		} {
			if err := c.SetSweepPosition(ctx, set.prefix, set.key); err != nil {
				t.Fatal(err)
			}
		}
		if pos, err := c.SweepPosition(ctx, "audio/"); err != nil || pos != "audio/zz/ờ.vtt" {
			t.Fatalf("audio/ after two saves: %q, %v", pos, err)
		}
		if pos, err := c.SweepPosition(ctx, "segments/"); err != nil || pos != "segments/0f/0f1e.json" {
			t.Fatalf("segments/: %q, %v", pos, err)
		}
		if err := c.SetSweepPosition(ctx, "audio/", ""); err != nil {
			t.Fatal(err)
		}
		if pos, err := c.SweepPosition(ctx, "audio/"); err != nil || pos != "" {
			t.Fatalf("audio/ after its end: %q, %v; want the beginning", pos, err)
		}
	})
}

// TestCollectionChecksInBatches: the checks of a collection page answer
// for more keys than one query takes, exactly, on both engines.
func TestCollectionChecksInBatches(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		c := db.Conn()
		at := time.Unix(1_700_000_000, 0)
		var keys []sqldb.VersionKey
		var hashes []string
		for i := range 1200 {
			k := sqldb.VersionKey{ArticleID: fmt.Sprintf("a%d", i/2), ID: fmt.Sprintf("v%d", i)}
			keys = append(keys, k)
			hashes = append(hashes, fmt.Sprintf("h%04d", i))
			if i%3 != 0 {
				continue
			}
			// Every third version is recorded and uses its segment, and
			// h0000 is used by many versions.
			v := sqldb.VersionRow{ArticleID: k.ArticleID, ID: k.ID, Revision: 1, AudioKey: "audio/" + k.ArticleID + "/" + k.ID + ".mp3", PublishedAt: at}
			if err := c.PublishVersion(ctx, v, []string{hashes[i], "h0000"}, at); err != nil {
				t.Fatal(err)
			}
		}
		exist, err := c.ExistingVersions(ctx, append(keys, sqldb.VersionKey{ArticleID: "a0", ID: "v1"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(exist) != 400 {
			t.Errorf("%d versions exist, want 400", len(exist))
		}
		for i, k := range keys {
			if exist[k] != (i%3 == 0) {
				t.Errorf("version %v exists: %v", k, exist[k])
			}
		}
		unused, err := c.UnusedSegments(ctx, hashes)
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(unused)
		var want []string
		for i, h := range hashes {
			if i%3 != 0 {
				want = append(want, h)
			}
		}
		if fmt.Sprint(unused) != fmt.Sprint(want) {
			t.Errorf("unused segments: %d of them, want %d (%v…)", len(unused), len(want), unused[:min(len(unused), 5)])
		}
		if none, err := c.UnusedSegments(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no hashes: %v, %v", none, err)
		}
	})
}
