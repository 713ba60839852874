package sqldb

import (
	"context"
	"fmt"
	"time"
)

// SourceRow is one followed feed or sitemap. Settings and State are JSON
// the caller owns; ItemsSeen and ArticlesCreated are counted on read.
type SourceRow struct {
	ID, URL, Settings, State string
	Paused                   bool
	LastPoll, NextPoll       time.Time
	LastError                string
	ItemsSeen                int
	ArticlesCreated          int
	CreatedAt, UpdatedAt     time.Time
}

// SourceItemRow is one item a source listed and what became of it.
type SourceItemRow struct {
	SourceID, GUID, URL, ArticleID string
	Created                        bool
	ContentHash                    string
	ETag, LastModified             string
	SeenAt                         time.Time
}

const sourceCols = `s.id, s.url, s.settings, s.state, s.paused, s.last_poll, s.next_poll, s.last_error, s.created_at, s.updated_at,
(SELECT COUNT(*) FROM source_items i WHERE i.source_id = s.id),
(SELECT COUNT(*) FROM source_items i WHERE i.source_id = s.id AND i.created = 1)`

func scanSource(r scanner) (SourceRow, error) {
	var s SourceRow
	var paused, last, next, created, updated int64
	err := r.Scan(&s.ID, &s.URL, &s.Settings, &s.State, &paused, &last, &next, &s.LastError, &created, &updated, &s.ItemsSeen, &s.ArticlesCreated)
	s.Paused = paused != 0
	s.LastPoll, s.NextPoll, s.CreatedAt, s.UpdatedAt = fromMicros(last), fromMicros(next), fromMicros(created), fromMicros(updated)
	return s, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// InsertSource adds a source; a taken id is ErrConflict.
func (c Conn) InsertSource(ctx context.Context, s SourceRow) error {
	_, err := c.Exec(ctx, `INSERT INTO sources (id, url, settings, paused, state, last_poll, next_poll, last_error, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.URL, s.Settings, boolInt(s.Paused), s.State, micros(s.LastPoll), micros(s.NextPoll), s.LastError,
		micros(s.CreatedAt), micros(s.UpdatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: source %s exists", ErrConflict, s.ID)
	}
	if err != nil {
		return fmt.Errorf("insert source %s: %w", s.ID, err)
	}
	return nil
}

// Source reads one source; ErrNotFound when there is none.
func (c Conn) Source(ctx context.Context, id string) (SourceRow, error) {
	s, err := scanSource(c.QueryRow(ctx, `SELECT `+sourceCols+` FROM sources s WHERE s.id = ?`, id))
	if isNoRows(err) {
		return SourceRow{}, fmt.Errorf("%w: source %q", ErrNotFound, id)
	}
	if err != nil {
		return SourceRow{}, fmt.Errorf("read source %s: %w", id, err)
	}
	return s, nil
}

// LockSource reads a source and holds its row until the transaction ends,
// so an editor's change and a poll's bookkeeping never interleave.
func (c Conn) LockSource(ctx context.Context, id string) (SourceRow, error) {
	res, err := c.Exec(ctx, `UPDATE sources SET updated_at = updated_at WHERE id = ?`, id)
	if err != nil {
		return SourceRow{}, fmt.Errorf("lock source %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return SourceRow{}, fmt.Errorf("%w: source %q", ErrNotFound, id)
	}
	return c.Source(ctx, id)
}

// Sources lists every source, oldest first.
func (c Conn) Sources(ctx context.Context) ([]SourceRow, error) {
	rows, err := c.Query(ctx, `SELECT `+sourceCols+` FROM sources s ORDER BY s.created_at, s.id`)
	out, err := collect(rows, err, scanSource)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// SaveSource writes a source's settings, state and poll bookkeeping.
func (c Conn) SaveSource(ctx context.Context, s SourceRow) error {
	res, err := c.Exec(ctx, `UPDATE sources SET url = ?, settings = ?, paused = ?, state = ?, last_poll = ?, next_poll = ?, last_error = ?, updated_at = ?
WHERE id = ?`, s.URL, s.Settings, boolInt(s.Paused), s.State, micros(s.LastPoll), micros(s.NextPoll), s.LastError, micros(s.UpdatedAt), s.ID)
	if err != nil {
		return fmt.Errorf("save source %s: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: source %q", ErrNotFound, s.ID)
	}
	return nil
}

// DeleteSource removes a source and its items; the articles it made stay.
func (c Conn) DeleteSource(ctx context.Context, id string) error {
	res, err := c.Exec(ctx, `DELETE FROM sources WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: source %q", ErrNotFound, id)
	}
	if _, err := c.Exec(ctx, `DELETE FROM source_items WHERE source_id = ?`, id); err != nil {
		return fmt.Errorf("delete items of source %s: %w", id, err)
	}
	return nil
}

// FollowedSources lists the unpaused sources with when each is next due
// (only ID and NextPoll are read), the earliest first.
func (c Conn) FollowedSources(ctx context.Context) ([]SourceRow, error) {
	rows, err := c.Query(ctx, `SELECT id, next_poll FROM sources WHERE paused = 0 ORDER BY next_poll, id`)
	out, err := collect(rows, err, func(r scanner) (SourceRow, error) {
		var s SourceRow
		var next int64
		err := r.Scan(&s.ID, &next)
		s.NextPoll = fromMicros(next)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("followed sources: %w", err)
	}
	return out, nil
}

// SourceItems returns what a source remembers of its items, by GUID.
func (c Conn) SourceItems(ctx context.Context, sourceID string) (map[string]SourceItemRow, error) {
	rows, err := c.Query(ctx, `SELECT source_id, guid, url, article_id, created, content_hash, etag, last_modified, seen_at
FROM source_items WHERE source_id = ?`, sourceID)
	items, err := collect(rows, err, func(r scanner) (SourceItemRow, error) {
		var it SourceItemRow
		var created, seen int64
		err := r.Scan(&it.SourceID, &it.GUID, &it.URL, &it.ArticleID, &created, &it.ContentHash, &it.ETag, &it.LastModified, &seen)
		it.Created, it.SeenAt = created != 0, fromMicros(seen)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("items of source %s: %w", sourceID, err)
	}
	out := make(map[string]SourceItemRow, len(items))
	for _, it := range items {
		out[it.GUID] = it
	}
	return out, nil
}

// SaveSourceItem records an item; nothing happens when its source has
// been deleted meanwhile.
func (c Conn) SaveSourceItem(ctx context.Context, it SourceItemRow) error {
	_, err := c.Exec(ctx, `INSERT INTO source_items (source_id, guid, url, article_id, created, content_hash, etag, last_modified, seen_at)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sources WHERE id = ?)
ON CONFLICT (source_id, guid) DO UPDATE SET url = excluded.url, article_id = excluded.article_id, created = excluded.created,
content_hash = excluded.content_hash, etag = excluded.etag, last_modified = excluded.last_modified, seen_at = excluded.seen_at`,
		it.SourceID, it.GUID, it.URL, it.ArticleID, boolInt(it.Created), it.ContentHash, it.ETag, it.LastModified, micros(it.SeenAt), it.SourceID)
	if err != nil {
		return fmt.Errorf("save item %s of source %s: %w", it.GUID, it.SourceID, err)
	}
	return nil
}

// ArticleSource is the id of the source that made an article; "" when an
// editor made it.
func (c Conn) ArticleSource(ctx context.Context, articleID string) (string, error) {
	var id string
	err := c.QueryRow(ctx, `SELECT source_id FROM source_items WHERE article_id = ? AND created = 1 ORDER BY seen_at, source_id LIMIT 1`, articleID).Scan(&id)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("source of article %s: %w", articleID, err)
	}
	return id, nil
}
