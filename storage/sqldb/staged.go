package sqldb

import (
	"context"
	"fmt"
	"time"
)

// StagedSource is an article's source waiting in the catalog until it is
// in the blob store (ETag set) and the store is checked to hold it.
type StagedSource struct {
	ArticleID, Token string
	Body             []byte
	StagedAt         time.Time
	ETag             string // "" until stored
	StoredAt         time.Time
}

// StageSource makes body the article's source, under a new token; the
// article's row must exist (the caller's transaction holds it).
func (c Conn) StageSource(ctx context.Context, id, token string, body []byte, at time.Time) error {
	_, err := c.Exec(ctx, `INSERT INTO staged_sources (article_id, token, body, staged_at) VALUES (?, ?, ?, ?)
ON CONFLICT (article_id) DO UPDATE SET token = excluded.token, body = excluded.body, staged_at = excluded.staged_at, etag = '', stored_at = 0`,
		id, token, string(body), micros(at))
	if err != nil {
		return fmt.Errorf("stage source of %s: %w", id, err)
	}
	return nil
}

// StagedSource reads an article's staged source; ErrNotFound when the
// store alone holds it.
func (c Conn) StagedSource(ctx context.Context, id string) (StagedSource, error) {
	s, err := scanStaged(c.QueryRow(ctx, `SELECT `+stagedCols+` FROM staged_sources WHERE article_id = ?`, id))
	if isNoRows(err) {
		return StagedSource{}, fmt.Errorf("%w: staged source of %q", ErrNotFound, id)
	}
	if err != nil {
		return StagedSource{}, fmt.Errorf("read staged source of %s: %w", id, err)
	}
	return s, nil
}

// StagedSourceTag says which staged content an article has, without its
// body: its ETag once stored, else its token; ErrNotFound when the store
// alone holds the source.
func (c Conn) StagedSourceTag(ctx context.Context, id string) (token, etag string, err error) {
	err = c.QueryRow(ctx, `SELECT token, etag FROM staged_sources WHERE article_id = ?`, id).Scan(&token, &etag)
	if isNoRows(err) {
		return "", "", fmt.Errorf("%w: staged source of %q", ErrNotFound, id)
	}
	if err != nil {
		return "", "", fmt.Errorf("read staged source of %s: %w", id, err)
	}
	return token, etag, nil
}

// MarkSourceStored records that the staged content named by token is in the
// store under etag; false when the article has other content meanwhile (or
// none).
func (c Conn) MarkSourceStored(ctx context.Context, id, token, etag string, at time.Time) (bool, error) {
	res, err := c.Exec(ctx, `UPDATE staged_sources SET etag = ?, stored_at = ? WHERE article_id = ? AND token = ?`, etag, micros(at), id, token)
	if err != nil {
		return false, fmt.Errorf("mark source of %s stored: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// StagedSourcesBefore lists up to limit staged sources that were staged,
// or stored, before cutoff: those the collection checks or stores.
func (c Conn) StagedSourcesBefore(ctx context.Context, cutoff time.Time, limit int) ([]StagedSource, error) {
	rows, err := c.Query(ctx, `SELECT `+stagedCols+` FROM staged_sources
WHERE staged_at < ? AND stored_at < ? ORDER BY staged_at LIMIT ?`, micros(cutoff), micros(cutoff), limit)
	if err != nil {
		return nil, fmt.Errorf("list staged sources: %w", err)
	}
	defer rows.Close()
	var out []StagedSource
	for rows.Next() {
		s, err := scanStaged(rows)
		if err != nil {
			return nil, fmt.Errorf("list staged sources: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DropStagedSource deletes a staged source the store was found to hold
// (token and etag unchanged); false when it changed meanwhile.
func (c Conn) DropStagedSource(ctx context.Context, id, token, etag string) (bool, error) {
	res, err := c.Exec(ctx, `DELETE FROM staged_sources WHERE article_id = ? AND token = ? AND etag = ? AND etag <> ''`, id, token, etag)
	if err != nil {
		return false, fmt.Errorf("drop staged source of %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const stagedCols = `article_id, token, body, staged_at, etag, stored_at`

func scanStaged(r scanner) (StagedSource, error) {
	var (
		s             StagedSource
		body          string
		staged, store int64
	)
	err := r.Scan(&s.ArticleID, &s.Token, &body, &staged, &s.ETag, &store)
	s.Body, s.StagedAt, s.StoredAt = []byte(body), fromMicros(staged), fromMicros(store)
	return s, err
}
