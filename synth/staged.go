package synth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/text"
)

// An article's source is staged in the catalog, in the transaction that
// creates or changes the article, and written to the store by its
// synthesis job: a submission answers after one database transaction,
// without waiting for store writes and their fsyncs. The staged row stays
// the source every reader takes until the periodic collection has checked
// that the store holds the same content; only then is it deleted. So a
// store write that lands late (a job superseded on another node, still
// writing an older content) is undone by that check instead of being
// believed.

// readSource returns an article's source: the staged one while there is
// one, else the store's. q is the caller's transaction when it holds the
// article's row.
func (c *core) readSource(ctx context.Context, q sqldb.Conn, id string) (Source, error) {
	src, _, err := c.readSourceVersion(ctx, q, id)
	return src, err
}

// readSourceVersion is readSource that also names the staged content it
// read by its token ("" when it came from the store).
func (c *core) readSourceVersion(ctx context.Context, q sqldb.Conn, id string) (Source, string, error) {
	var src Source
	staged, err := q.StagedSource(ctx, id)
	switch {
	case err == nil:
		if err := json.Unmarshal(staged.Body, &src); err != nil {
			return Source{}, "", fmt.Errorf("staged source of %s: %w", id, err)
		}
		return src, staged.Token, nil
	case !errors.Is(err, sqldb.ErrNotFound):
		return Source{}, "", err
	}
	if _, err := storage.GetJSON(ctx, c.store, sourceKey(id), &src); err != nil {
		return Source{}, "", fmt.Errorf("read source of %s: %w", id, err)
	}
	return src, "", nil
}

// sourceTag names the version of an article's source a page was extracted
// from: the store's ETag, or the staged content's token until it is stored.
func (c *core) sourceTag(ctx context.Context, id string) (string, error) {
	token, etag, err := c.db.Conn().StagedSourceTag(ctx, id)
	switch {
	case err == nil && etag != "":
		return etag, nil
	case err == nil:
		return "staged:" + token, nil
	case !errors.Is(err, sqldb.ErrNotFound):
		return "", err
	}
	info, err := c.store.Stat(ctx, sourceKey(id))
	if err != nil {
		return "", fmt.Errorf("read source of %s: %w", id, err)
	}
	return info.ETag, nil
}

// stageSource makes src the article's source in tx, which holds the
// article's row.
func (c *core) stageSource(ctx context.Context, tx sqldb.Conn, src Source) error {
	staged, err := c.staged(src)
	if err != nil {
		return err
	}
	return tx.StageSource(ctx, src.ID, staged.Token, staged.Body, staged.StagedAt)
}

// staged is src as a staged row, under a new token.
func (c *core) staged(src Source) (sqldb.StagedSource, error) {
	body, err := json.Marshal(src)
	if err != nil {
		return sqldb.StagedSource{}, fmt.Errorf("encode source of %s: %w", src.ID, err)
	}
	var token [8]byte
	if _, err := rand.Read(token[:]); err != nil {
		return sqldb.StagedSource{}, err
	}
	return sqldb.StagedSource{ArticleID: src.ID, Token: hex.EncodeToString(token[:]), Body: body, StagedAt: c.now().UTC()}, nil
}

// storeStagedSource writes the article's staged source to the store, if
// it has one not stored yet. doc, when the caller has extracted the
// staged content named by token, is stored as its page (else the first
// view extracts it).
func (c *core) storeStagedSource(ctx context.Context, id, token string, doc *text.Document) error {
	staged, err := c.db.Conn().StagedSource(ctx, id)
	if errors.Is(err, sqldb.ErrNotFound) {
		return nil
	}
	if err != nil || staged.ETag != "" {
		return err
	}
	if staged.Token != token {
		doc = nil // changed since the caller read it
	}
	return c.storeStaged(ctx, staged, doc)
}

func (c *core) storeStaged(ctx context.Context, staged sqldb.StagedSource, doc *text.Document) error {
	id := staged.ArticleID
	info, err := storage.PutBytes(ctx, c.store, sourceKey(id), staged.Body, storage.PutOptions{ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("store source of %s: %w", id, err)
	}
	// The page goes before the mark: once marked, a deletion that follows
	// finds both objects; unmarked, both are checked below.
	if doc != nil {
		c.savePage(ctx, id, *doc, info.ETag)
	}
	marked, err := c.db.Conn().MarkSourceStored(ctx, id, staged.Token, info.ETag, c.now().UTC())
	if err != nil || marked {
		return err
	}
	// Changed meanwhile: the newer content is staged and stored in its
	// turn. Deleted meanwhile: these writes must not outlive the article.
	return c.dropIfDeleted(ctx, id, sourceKey(id), pageKey(id))
}

// dropIfDeleted deletes objects just written for an article if it is gone.
// It waits for a deletion in flight: a read beside it would still see the
// row, while the deletion's own listing of the article's objects may have
// come before these writes.
func (c *core) dropIfDeleted(ctx context.Context, id string, keys ...string) error {
	err := c.db.InTx(ctx, func(tx sqldb.Conn) error {
		_, err := tx.LockArticle(ctx, id)
		return err
	})
	if !errors.Is(err, sqldb.ErrNotFound) {
		return err
	}
	for _, key := range keys {
		if err := c.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("delete %s of deleted %s: %w", key, id, err)
		}
	}
	return nil
}

// settleStagedSources stores the staged sources older than cutoff that no
// job stored (an on-demand failure has none; a job may have died first),
// and deletes the rows the store was found to hold. A row whose stored
// content the store no longer holds (a late write of older content) is
// stored again. cutoff is a job's longest run ago, so no write that began
// before a row was stored can still land after the check.
func (c *core) settleStagedSources(ctx context.Context, cutoff time.Time, limit int) error {
	rows, err := c.db.Conn().StagedSourcesBefore(ctx, cutoff, limit)
	if err != nil {
		return err
	}
	for _, staged := range rows {
		if staged.ETag != "" {
			info, err := c.store.Stat(ctx, sourceKey(staged.ArticleID))
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("check source of %s: %w", staged.ArticleID, err)
			}
			if err == nil && info.ETag == staged.ETag {
				if _, err := c.db.Conn().DropStagedSource(ctx, staged.ArticleID, staged.Token, staged.ETag); err != nil {
					return err
				}
				continue
			}
		}
		if err := c.storeStaged(ctx, staged, nil); err != nil {
			return err
		}
	}
	return nil
}
