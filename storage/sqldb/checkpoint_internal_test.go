package sqldb

import (
	"context"
	"encoding/binary"
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
	d, path := openBlobs(t)
	var pages int
	if err := d.sql.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != backstopCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", pages, backstopCheckpointPages)
	}
	c := d.Conn()
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
	if time.Since(start) < checkpointIdle/2 && size() >= written {
		t.Errorf("the database file holds %d bytes right after the writes: the writer checkpointed", size())
	}
	deadline := time.Now().Add(5 * checkpointIdle)
	for size() < written {
		if time.Now().After(deadline) {
			t.Fatalf("after %v the database file holds %d bytes, want ≥ %d: no checkpoint ran", 5*checkpointIdle, size(), written)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM blobs`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("count = %d, %v; want 1000", n, err)
	}
}

// While writes come in, checkpoints follow at the busy pace: the frames
// not yet copied into the database file are never much more than
// checkpointBusy's worth of writes.
func TestCheckpointsFollowWrites(t *testing.T) {
	ctx := context.Background()
	d, path := openBlobs(t)
	c := d.Conn()
	// The frames written to the WAL and not yet copied into the database
	// file, as the wal-index in the -shm file tells every connection:
	// mxFrame at offset 16 of its header, nBackfill at 96 (native byte
	// order).
	behind := func() int {
		b, err := os.ReadFile(path + "-shm")
		if err != nil || len(b) < 100 {
			t.Fatalf("read the wal-index: %v", err)
		}
		return int(binary.NativeEndian.Uint32(b[16:20])) - int(binary.NativeEndian.Uint32(b[96:100]))
	}
	chunk := strings.Repeat("x", 6000)
	start := time.Now()
	commits, most := 0, 0
	for time.Since(start) < 3*checkpointIdle {
		if _, err := c.Exec(ctx, `INSERT INTO blobs (b) VALUES (?)`, chunk); err != nil {
			t.Fatal(err)
		}
		commits++
		// The first checkpoint comes at the idle pace: from then on,
		// writes are known to come in.
		if time.Since(start) > checkpointIdle+5*checkpointBusy {
			most = max(most, behind())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Each commit adds three frames (two pages of row, one of table).
	perIdle := commits * 3 * int(checkpointIdle) / int(time.Since(start))
	if most == 0 || most > perIdle/3 {
		t.Fatalf("up to %d frames waited for a checkpoint; %d commits in %v wrote %d frames per %v", most, commits, time.Since(start).Round(time.Millisecond), perIdle, checkpointIdle)
	}
	t.Logf("up to %d frames waited for a checkpoint; %d written per %v", most, perIdle, checkpointIdle)
}

// openBlobs opens a SQLite database in a temporary folder with an empty
// table blobs (id, b) and returns it and its file's path.
func openBlobs(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blobs.db")
	d, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Conn().Exec(context.Background(), `CREATE TABLE blobs (id INTEGER PRIMARY KEY, b TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return d, path
}
