package sqldb

import (
	"context"
	"fmt"
)

// HistoryBytes is the space the lexicon history takes: PostgreSQL's size
// of the table with its indexes and TOAST; on SQLite the pages of the table
// and its index (from dbstat), or the database file's used pages when
// dbstat is missing.
func (d *DB) HistoryBytes(ctx context.Context) (int64, error) {
	var n int64
	var err error
	if d.engine == Postgres {
		err = d.Conn().QueryRow(ctx, `SELECT pg_total_relation_size('lexicon_changes')`).Scan(&n)
	} else {
		err = d.Conn().QueryRow(ctx, `SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ('lexicon_changes', 'lexicon_changes_rule', 'sqlite_autoindex_lexicon_changes_1')`).Scan(&n)
		if err != nil {
			err = d.Conn().QueryRow(ctx, `SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`).Scan(&n)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("measure lexicon history: %w", err)
	}
	return n, nil
}
