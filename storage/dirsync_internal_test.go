package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every caller returns only after an fsync that began after it asked, and
// callers that wait together share fsyncs.
func TestDirSyncerSharesFsyncs(t *testing.T) {
	type counts struct{ started, finished atomic.Int64 }
	byDir := map[string]*counts{"/a": {}, "/b": {}}
	d := newDirSyncer()
	d.fsync = func(dir string) {
		byDir[dir].started.Add(1)
		time.Sleep(2 * time.Millisecond)
		byDir[dir].finished.Add(1)
	}
	const callers = 64
	var wg sync.WaitGroup
	var late atomic.Int64
	for i := range callers {
		wg.Go(func() {
			c := byDir["/a"]
			dir := "/a"
			if i%4 == 0 {
				c, dir = byDir["/b"], "/b"
			}
			// An fsync of the folder that had begun before this call must
			// not count for it: afterwards more must have finished than
			// had begun.
			before := c.started.Load()
			d.sync(dir)
			if c.finished.Load() <= before {
				late.Add(1)
			}
		})
	}
	wg.Wait()
	if n := late.Load(); n > 0 {
		t.Errorf("%d callers returned before an fsync that began after they asked", n)
	}
	n := byDir["/a"].started.Load() + byDir["/b"].started.Load()
	if n >= callers || n < 2 {
		t.Errorf("%d callers on 2 folders made %d fsyncs; want at least 2 and fewer than %d", callers, n, callers)
	}
	if len(d.dirs) != 0 {
		t.Errorf("%d folders still tracked after every caller returned", len(d.dirs))
	}
}

// Only disposable puts skip the fsyncs; both read back alike.
func TestLocalDisposablePutSkipsFsync(t *testing.T) {
	s, err := OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var files, dirs atomic.Int64
	s.fsync = func(f *os.File) error { files.Add(1); return f.Sync() }
	s.dirs.fsync = func(dir string) { dirs.Add(1); fsyncDir(dir) }
	ctx := context.Background()
	put := func(key string, disposable bool) {
		t.Helper()
		body := []byte(fmt.Sprintf(`{"key":%q}`, key))
		if _, err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), PutOptions{ContentType: "application/json", Disposable: disposable}); err != nil {
			t.Fatal(err)
		}
		rc, info, err := s.Get(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil || string(got) != string(body) || info.ContentType != "application/json" {
			t.Errorf("%s reads back %q (%s, %v)", key, got, info.ContentType, err)
		}
	}
	put("articles/a/page.json", true)
	if files.Load() != 0 || dirs.Load() != 0 {
		t.Errorf("disposable put made %d file and %d folder fsyncs, want none", files.Load(), dirs.Load())
	}
	put("articles/a/source.json", false)
	if files.Load() != 2 || dirs.Load() != 2 {
		t.Errorf("durable put made %d file and %d folder fsyncs, want 2 (data and sidecar) and 2 (their folders)", files.Load(), dirs.Load())
	}
}
