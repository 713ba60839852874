package sqldb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The writer does not stop for a checkpoint where SQLite's default would
// (1,000 pages of WAL); the checkpoint loop copies the WAL into the
// database file soon after.
func TestCheckpointsLeaveTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	d, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var pages int
	if err := d.sql.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != backstopCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", pages, backstopCheckpointPages)
	}
	c := d.Conn()
	if _, err := c.Exec(ctx, `CREATE TABLE blobs (id INTEGER PRIMARY KEY, b TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// 1,500 pages in separate commits, written faster than the loop's
	// interval, so the loop has not run in between (most likely).
	chunk := strings.Repeat("x", 6000)
	start := time.Now()
	for i := range 1000 {
		if _, err := c.Exec(ctx, `INSERT INTO blobs (id, b) VALUES (?, ?)`, i, chunk); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	const written = 1000 * 6000
	if time.Since(start) < checkpointEvery/2 && size() >= written {
		t.Errorf("the database file holds %d bytes right after the writes: the writer checkpointed", size())
	}
	deadline := time.Now().Add(5 * checkpointEvery)
	for size() < written {
		if time.Now().After(deadline) {
			t.Fatalf("after %v the database file holds %d bytes, want ≥ %d: no checkpoint ran", 5*checkpointEvery, size(), written)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM blobs`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("count = %d, %v; want 1000", n, err)
	}
}
