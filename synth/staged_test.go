package synth

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/article"
)

// TestStagedSourcesSettle: a staged source is what every reader gets until
// the collection has found the store holding it; a late store write of
// older content is undone, a source no job stored is stored, a write for
// an article deleted meanwhile does not outlive it, and one for content
// changed meanwhile does not hide the newer content.
func TestStagedSourcesSettle(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		store, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		c := &core{cfg: ServiceConfig{Lease: time.Minute}, store: store, db: db,
			log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
		stage := func(id, text string, create bool) {
			t.Helper()
			err := db.InTx(ctx, func(tx sqldb.Conn) error {
				if create {
					m := article.Manifest{ID: id, Status: article.StatusQueued, Revision: 1, GUID: "g-" + id, PublishedAt: now, CreatedAt: now, UpdatedAt: now}
					if _, err := tx.InsertArticle(ctx, articleRow(m, 0, "", "")); err != nil {
						return err
					}
				}
				return c.stageSource(ctx, tx, Source{ID: id, Text: text, GUID: "g-" + id})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		read := func(id string) string {
			t.Helper()
			src, err := c.readSource(ctx, db.Conn(), id)
			if err != nil {
				t.Fatalf("read source of %s: %v", id, err)
			}
			return src.Text
		}
		inStore := func(id string) string {
			t.Helper()
			var src Source
			if _, err := storage.GetJSON(ctx, store, sourceKey(id), &src); errors.Is(err, storage.ErrNotFound) {
				return "(none)"
			} else if err != nil {
				t.Fatal(err)
			}
			return src.Text
		}
		staged := func(id string) bool {
			t.Helper()
			_, err := db.Conn().StagedSource(ctx, id)
			if err != nil && !errors.Is(err, sqldb.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		settle := func() {
			t.Helper()
			if err := c.settleStagedSources(ctx, now.Add(time.Second), 100); err != nil {
				t.Fatal(err)
			}
		}

		// Staged, stored by its job, overwritten late by older content.
		stage("a", "Bản mới.", true)
		if got, want := inStore("a"), "(none)"; got != want {
			t.Fatalf("store holds %q before the job, want %q", got, want)
		}
		if err := c.storeStagedSource(ctx, "a", "", nil); err != nil {
			t.Fatal(err)
		}
		if got := inStore("a"); got != "Bản mới." {
			t.Fatalf("store holds %q after the job", got)
		}
		if _, err := storage.PutJSON(ctx, store, sourceKey("a"), Source{ID: "a", Text: "Bản cũ."}, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := read("a"); got != "Bản mới." {
			t.Fatalf("a reader got %q while the staged source stands", got)
		}
		settle()
		if got := inStore("a"); got != "Bản mới." || !staged("a") {
			t.Fatalf("after the check the store holds %q (staged: %v); want the staged content stored again and kept staged", got, staged("a"))
		}
		settle()
		if staged("a") || read("a") != "Bản mới." {
			t.Fatalf("after a second check: staged %v, source %q; want the row gone and the store's source read", staged("a"), read("a"))
		}

		// No job stored it (an on-demand failure, a job that died).
		stage("b", "Không có việc.", true)
		settle()
		if got := inStore("b"); got != "Không có việc." {
			t.Fatalf("the check stored %q for b", got)
		}
		settle()
		if staged("b") {
			t.Fatal("b is still staged after its source was stored and checked")
		}

		// Deleted while its job stored it.
		stage("c", "Sắp xoá.", true)
		row, err := db.Conn().StagedSource(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx sqldb.Conn) error { _, err := tx.DeleteArticle(ctx, "c", now); return err }); err != nil {
			t.Fatal(err)
		}
		if staged("c") {
			t.Fatal("deleting the article left its staged source")
		}
		if err := c.storeStaged(ctx, row, nil); err != nil {
			t.Fatal(err)
		}
		if got := inStore("c"); got != "(none)" {
			t.Fatalf("a deleted article's source was left in the store: %q", got)
		}

		// Changed, then deleted, while an older job stored the first
		// content: the job's check waits for the deletion in flight, whose
		// listing of the article's objects came before the job's write.
		stage("g", "Lần một.", true)
		older, err := db.Conn().StagedSource(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		stage("g", "Lần hai.", false)
		deleting, release := make(chan struct{}), make(chan struct{})
		deleted := make(chan error, 1)
		go func() {
			deleted <- db.InTx(ctx, func(tx sqldb.Conn) error {
				if _, err := tx.DeleteArticle(ctx, "g", now); err != nil {
					return err
				}
				close(deleting)
				<-release
				return nil
			})
		}()
		<-deleting
		stored := make(chan error, 1)
		go func() { stored <- c.storeStaged(ctx, older, nil) }()
		time.Sleep(200 * time.Millisecond)
		close(release)
		if err := <-deleted; err != nil {
			t.Fatal(err)
		}
		if err := <-stored; err != nil {
			t.Fatal(err)
		}
		if got := inStore("g"); got != "(none)" {
			t.Fatalf("a write that landed during the deletion outlived the article: %q", got)
		}

		// The job's page is stored with the content it was extracted from,
		// never with content staged since.
		page := func(id string) (storedPage, bool) {
			t.Helper()
			var p storedPage
			_, err := storage.GetJSON(ctx, store, pageKey(id), &p)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatal(err)
			}
			return p, err == nil
		}
		for _, changed := range []bool{false, true} {
			id := map[bool]string{false: "e", true: "f"}[changed]
			stage(id, "Bản một.", true)
			src, token, err := c.readSourceVersion(ctx, db.Conn(), id)
			if err != nil || token == "" {
				t.Fatalf("read staged %s: token %q, %v", id, token, err)
			}
			doc, err := extract(src)
			if err != nil {
				t.Fatal(err)
			}
			if changed {
				stage(id, "Bản hai.", false)
			}
			if err := c.storeStagedSource(ctx, id, token, &doc); err != nil {
				t.Fatal(err)
			}
			info, err := store.Stat(ctx, sourceKey(id))
			if err != nil {
				t.Fatal(err)
			}
			p, ok := page(id)
			switch {
			case !changed && (!ok || p.Source != info.ETag):
				t.Errorf("%s: page stored %v for source %q, want one for the stored ETag %s", id, ok, p.Source, info.ETag)
			case changed && ok:
				t.Errorf("%s: a page of the first content was stored for the second (tag %s)", id, p.Source)
			}
		}

		// Changed while an older job stored the previous content.
		stage("d", "Lần một.", true)
		first, err := db.Conn().StagedSource(ctx, "d")
		if err != nil {
			t.Fatal(err)
		}
		stage("d", "Lần hai.", false)
		if err := c.storeStaged(ctx, first, nil); err != nil {
			t.Fatal(err)
		}
		if got := read("d"); got != "Lần hai." {
			t.Fatalf("after a late write of the first content a reader got %q", got)
		}
		if err := c.storeStagedSource(ctx, "d", "", nil); err != nil {
			t.Fatal(err)
		}
		settle()
		settle()
		if got := inStore("d"); got != "Lần hai." || staged("d") {
			t.Fatalf("store holds %q (staged %v), want the second content, settled", got, staged("d"))
		}
	})
}
