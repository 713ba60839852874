package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

const (
	// checkpointIdle paces checkpointLoop while nothing is written.
	checkpointIdle = time.Second
	// checkpointBusy paces it while writes come in. A checkpoint holds up
	// the commits that run beside it for about as long as it lasts, so
	// small ones often beat large ones seldom: one-article commits on a
	// 100,000-article catalog, a checkpoint each second: 3-9 of 5,000
	// over 10 ms, p99.9 8.7-35 ms; every 100 ms: 3-4, 5.2-7.4 ms.
	checkpointBusy = 100 * time.Millisecond
	// backstopCheckpointPages is when the writer checkpoints by itself
	// (40 MB of WAL at 4 KB pages).
	backstopCheckpointPages = 10_000
)

// checkpointLoop copies the WAL into the database file on db, a
// connection of its own, until the returned stop is called; stop closes
// db. A PASSIVE checkpoint takes no lock a writer or reader waits for: it
// copies what no reader still needs, and the next one the rest.
func checkpointLoop(db *sql.DB) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		wait, seen := checkpointIdle, int64(-1)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			// data_version changes when another connection commits.
			var version int64
			if err := db.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
				version = seen
			}
			wait = checkpointIdle
			if version != seen {
				wait = checkpointBusy
			}
			seen = version
			// A failure (disk full, a lock held by another process)
			// leaves the WAL for the next try or the writer's backstop.
			_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	})
	return func() error {
		cancel()
		wg.Wait()
		return db.Close()
	}
}
