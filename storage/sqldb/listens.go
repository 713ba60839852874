package sqldb

import (
	"context"
	"fmt"
	"sort"
)

// Listens counts anonymous player events per article.
type Listens struct{ db *DB }

// Listens returns the listen counters.
func (d *DB) Listens() Listens { return Listens{d} }

// Add adds counts (article id → event → n) in one transaction.
func (l Listens) Add(ctx context.Context, counts map[string]map[string]int) error {
	if len(counts) == 0 {
		return nil
	}
	// A fixed order keeps two nodes' batches from locking rows in
	// opposite orders.
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return l.db.InTx(ctx, func(tx Conn) error {
		for _, id := range ids {
			events := make([]string, 0, len(counts[id]))
			for ev := range counts[id] {
				events = append(events, ev)
			}
			sort.Strings(events)
			for _, ev := range events {
				if _, err := tx.Exec(ctx, `INSERT INTO listens (article_id, event, n) VALUES (?, ?, ?)
ON CONFLICT (article_id, event) DO UPDATE SET n = listens.n + excluded.n`, id, ev, counts[id][ev]); err != nil {
					return fmt.Errorf("save listen counts of %s: %w", id, err)
				}
			}
		}
		return nil
	})
}

// Get returns an article's counts by event.
func (l Listens) Get(ctx context.Context, id string) (map[string]int, error) {
	rows, err := l.db.Conn().Query(ctx, `SELECT event, n FROM listens WHERE article_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("read listen counts of %s: %w", id, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var ev string
		var n int
		if err := rows.Scan(&ev, &n); err != nil {
			return nil, fmt.Errorf("read listen counts of %s: %w", id, err)
		}
		out[ev] = n
	}
	return out, rows.Err()
}

// Delete forgets an article's counts.
func (l Listens) Delete(ctx context.Context, id string) error {
	if _, err := l.db.Conn().Exec(ctx, `DELETE FROM listens WHERE article_id = ?`, id); err != nil {
		return fmt.Errorf("delete listen counts of %s: %w", id, err)
	}
	return nil
}
