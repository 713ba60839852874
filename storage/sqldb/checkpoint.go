package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

const (
	// checkpointEvery paces checkpointLoop: about SQLite's default
	// threshold of 1,000 pages of WAL at the write rate of a busy node.
	checkpointEvery = time.Second
	// backstopCheckpointPages is when the writer checkpoints by itself
	// (40 MB of WAL at 4 KB pages).
	backstopCheckpointPages = 10_000
)

// checkpointLoop copies the WAL into the database file every interval on
// db, a connection of its own, until the returned stop is called; stop
// closes db. A PASSIVE checkpoint takes no lock a writer or reader waits
// for: it copies what no reader still needs, and the next one the rest.
func checkpointLoop(db *sql.DB, interval time.Duration) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// A failure (disk full, a lock held by another
				// process) leaves the WAL for the next try or the
				// writer's backstop.
				_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	})
	return func() error {
		cancel()
		wg.Wait()
		return db.Close()
	}
}
