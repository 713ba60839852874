package sqldb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// TestReadsDoNotWaitForAWriter: while a transaction writes, reads outside
// it answer at once (without its uncommitted rows), and a write outside it
// waits for it and then succeeds instead of failing busy. On SQLite
// writers share one connection and readers have their own.
func TestReadsDoNotWaitForAWriter(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		inTx, release := make(chan struct{}), make(chan struct{})
		txDone := make(chan error, 1)
		go func() {
			txDone <- db.InTx(ctx, func(tx sqldb.Conn) error {
				if _, err := tx.Exec(ctx, `INSERT INTO editor_tokens (digest, id, name, created_at) VALUES ('d1', 'i1', 'in tx', 1)`); err != nil {
					return err
				}
				close(inTx)
				<-release
				return nil
			})
		}()
		<-inTx
		read := make(chan error, 1)
		go func() {
			ok, err := db.Tokens().Valid(ctx, "d1")
			if err == nil && ok {
				t.Error("a read outside the transaction saw its uncommitted row")
			}
			read <- err
		}()
		select {
		case err := <-read:
			if err != nil {
				t.Fatalf("read beside a writer: %v", err)
			}
		case <-time.After(5 * time.Second):
			close(release)
			t.Fatal("a read waited for the open write transaction")
		}
		wrote := make(chan error, 1)
		go func() {
			wrote <- db.Tokens().Create(ctx, "d2", sqldb.TokenRow{ID: "i2", Name: "outside", CreatedAt: time.Now()})
		}()
		time.Sleep(50 * time.Millisecond)
		close(release)
		if err := <-txDone; err != nil {
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatalf("write beside a writer: %v", err)
		}
		for _, d := range []string{"d1", "d2"} {
			if ok, err := db.Tokens().Valid(ctx, d); !ok || err != nil {
				t.Errorf("token %s after both commits: %v, %v", d, ok, err)
			}
		}
	})
}

// TestRetiringVersionsFindsThemByArticle: publishing and deleting retire an
// article's current version by article id; SQLite, without statistics,
// used to pick the index of retired_at instead and walk every current
// version of the archive, holding the write lock.
func TestRetiringVersionsFindsThemByArticle(t *testing.T) {
	db := sqldbtest.New(t, sqldb.SQLite)
	for _, q := range []string{
		`UPDATE versions SET retired_at = 1 WHERE article_id = 'a' AND retired_at = 0 AND id <> 'v'`,
		`UPDATE versions SET retired_at = 1 WHERE article_id = 'a' AND retired_at = 0`,
	} {
		plan, err := explain(db, q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "sqlite_autoindex_versions_1") || strings.Contains(plan, "versions_retired") {
			t.Errorf("%s\nplan: %s; want the primary key (article_id, id)", q, plan)
		}
	}
}

// explain is SQLite's query plan of q, its steps joined by "; ".
func explain(db *sqldb.DB, q string) (string, error) {
	rows, err := db.Conn().Query(ctx, "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; "), rows.Err()
}

// TestProgressIsNotAChange: progress is recorded for the revision being
// synthesized only, leaves updated_at alone, and on PostgreSQL is a HOT
// update (no new entry in any of the table's indexes), as is locking a row
// (no row version at all).
func TestProgressIsNotAChange(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		row := sqldb.ArticleRow{ID: "p1", Title: "Hà Nội hôm nay", Lead: "Mưa lớn", Status: "synthesizing", Revision: 2,
			PublishedAt: at, CreatedAt: at, UpdatedAt: at}
		if _, err := db.Conn().InsertArticle(ctx, row); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.Conn().SetProgress(ctx, "p1", 1, 1, 3); ok || err != nil {
			t.Errorf("progress of an older revision: recorded %v, %v", ok, err)
		}
		err := db.InTx(ctx, func(tx sqldb.Conn) error {
			if _, err := tx.LockArticle(ctx, "p1"); err != nil {
				return err
			}
			if ok, err := tx.SetProgress(ctx, "p1", 2, 1, 3); !ok || err != nil {
				t.Errorf("progress of the current revision: recorded %v, %v", ok, err)
			}
			if db.Engine() != sqldb.Postgres {
				return nil
			}
			var updates, hot int
			if err := tx.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'articles'::regclass`).Scan(&updates, &hot); err != nil {
				return err
			}
			if updates != 1 || hot != 1 {
				t.Errorf("lock and progress wrote %d row versions, %d of them HOT; want 1, 1", updates, hot)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Conn().Article(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if got.SentencesDone != 1 || got.SentencesTotal != 3 || !got.UpdatedAt.Equal(at) {
			t.Errorf("after progress: %d/%d, updated %v; want 1/3, updated %v", got.SentencesDone, got.SentencesTotal, got.UpdatedAt, at)
		}
	})
}

// TestLockedArticlesQueueUp: a second transaction locking an article waits
// for the first to end and reads what it committed.
func TestLockedArticlesQueueUp(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		if _, err := db.Conn().InsertArticle(ctx, sqldb.ArticleRow{ID: "l1", Title: "first", Status: "ready", Revision: 1,
			PublishedAt: at, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
		locked, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.InTx(ctx, func(tx sqldb.Conn) error {
				a, err := tx.LockArticle(ctx, "l1")
				if err != nil {
					return err
				}
				close(locked)
				<-release
				a.Title, a.Revision = "second", a.Revision+1
				return tx.SaveArticle(ctx, a)
			})
		}()
		<-locked
		seen := make(chan sqldb.ArticleRow, 1)
		second := make(chan error, 1)
		go func() {
			second <- db.InTx(ctx, func(tx sqldb.Conn) error {
				a, err := tx.LockArticle(ctx, "l1")
				seen <- a
				return err
			})
		}()
		select {
		case a := <-seen:
			t.Fatalf("a second lock returned while the first was held: %+v", a)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		if a := <-seen; a.Title != "second" || a.Revision != 2 {
			t.Errorf("the second lock read %q revision %d; want the first's commit, %q revision 2", a.Title, a.Revision, "second")
		}
	})
}

// TestCreateArticleStagesItsSource: a created article has its staged
// source; a second creation under the id writes nothing.
func TestCreateArticleStagesItsSource(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		row := sqldb.ArticleRow{ID: "c1", Title: "Tin một", Status: "queued", Revision: 1, PublishedAt: at, CreatedAt: at, UpdatedAt: at}
		for i, token := range []string{"t1", "t2"} {
			var created bool
			err := db.InTx(ctx, func(tx sqldb.Conn) error {
				var err error
				r := row
				r.Title = "Tin " + token
				created, err = tx.CreateArticle(ctx, r, sqldb.StagedSource{Token: token, Body: []byte(`{"text":"` + token + `"}`), StagedAt: at})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if created != (i == 0) {
				t.Errorf("creation %d of c1: created %v", i+1, created)
			}
		}
		staged, err := db.Conn().StagedSource(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Conn().Article(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if staged.Token != "t1" || string(staged.Body) != `{"text":"t1"}` || !staged.StagedAt.Equal(at) || got.Title != "Tin t1" {
			t.Errorf("after two creations: staged %q %s at %v, title %q; want the first's", staged.Token, staged.Body, staged.StagedAt, got.Title)
		}
	})
}
