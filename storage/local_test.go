package storage_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/storagetest"
)

func newLocal(t testing.TB) *storage.LocalStore {
	t.Helper()
	s, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocalConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return newLocal(t) })
}

func TestLocalWithRetryConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return storage.WithRetry(newLocal(t), storage.RetryConfig{}) })
}

type failingReader struct {
	data []byte
	off  int
	fail int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.off >= f.fail {
		return 0, errBrokenBody
	}
	n := copy(p, f.data[f.off:f.fail])
	f.off += n
	return n, nil
}

var errBrokenBody = errors.New("body broke")

func TestLocalFailedWriteKeepsOldObject(t *testing.T) {
	s := newLocal(t)
	ctx := t.Context()
	old := []byte("the published episode")
	if _, err := storage.PutBytes(ctx, s, "audio/1.mp3", old, storage.PutOptions{ContentType: "audio/mpeg"}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{4 << 20, -1} {
		body := &failingReader{data: bytes.Repeat([]byte("x"), 4<<20), fail: 1 << 20}
		_, err := s.Put(ctx, "audio/1.mp3", body, size, storage.PutOptions{})
		if !errors.Is(err, errBrokenBody) {
			t.Fatalf("put with a failing body (size %d): %v, want the body's error wrapped", size, err)
		}
	}
	got, info, err := storage.GetBytes(ctx, s, "audio/1.mp3")
	if err != nil || !bytes.Equal(got, old) || info.ContentType != "audio/mpeg" {
		t.Errorf("old object after failed writes: %q %+v %v", got, info, err)
	}
	tmp, err := os.ReadDir(filepath.Join(s.Root(), ".loa", "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temp files left behind: %v %v", tmp, err)
	}
	if keys, _ := storage.ListAll(ctx, s, ""); len(keys) != 1 {
		t.Errorf("list = %+v, want just the old object", keys)
	}
}

func TestLocalKeysCannotBeFileAndFolder(t *testing.T) {
	s := newLocal(t)
	ctx := t.Context()
	if _, err := storage.PutBytes(ctx, s, "a/b", []byte("x"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := storage.PutBytes(ctx, s, "a", []byte("y"), storage.PutOptions{})
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("put over a folder of objects: %v, want ErrInvalidKey", err)
	}
	_, err = storage.PutBytes(ctx, s, "a/b/c", []byte("z"), storage.PutOptions{})
	if !errors.Is(err, storage.ErrInvalidKey) || !strings.Contains(err.Error(), `"a/b"`) {
		t.Errorf("put below an object: %v, want ErrInvalidKey naming a/b", err)
	}
	if got, _, err := storage.GetBytes(ctx, s, "a/b"); err != nil || string(got) != "x" {
		t.Errorf("a/b after refused puts: %q %v", got, err)
	}
}

func TestLocalInternalFilesStayHidden(t *testing.T) {
	s := newLocal(t)
	ctx := t.Context()
	storage.PutBytes(ctx, s, "k", []byte("x"), storage.PutOptions{})
	all, err := storage.ListAll(ctx, s, "")
	if err != nil || len(all) != 1 || all[0].Key != "k" {
		t.Errorf("list = %+v, %v; want only k", all, err)
	}
	for _, p := range []string{".", ".lo", ".loa", ".loa/"} {
		page, err := s.List(ctx, p, storage.ListOptions{})
		if err == nil && len(page.Items) != 0 {
			t.Errorf("list %q showed internal files: %+v", p, page.Items)
		}
	}
}

// TestLocalRepairsSidecar covers what a crash or an operator can leave
// behind: data replaced without its sidecar, a data folder copied to new
// inodes, and a file dropped in by hand.
func TestLocalRepairsSidecar(t *testing.T) {
	s := newLocal(t)
	ctx := t.Context()
	put := func(key, data, ct string) storage.Info {
		info, err := storage.PutBytes(ctx, s, key, []byte(data), storage.PutOptions{ContentType: ct})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	first := put("articles/1/manifest.json", `{"v":1}`, "application/json")

	// Crash between the data rename and the sidecar rename.
	replaceFile(t, filepath.Join(s.Root(), "articles/1/manifest.json"), `{"v":2,"longer":true}`)
	info, err := s.Stat(ctx, "articles/1/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(`{"v":2,"longer":true}`)) || info.ETag == first.ETag || info.ETag != md5hex(`{"v":2,"longer":true}`) {
		t.Errorf("stat after torn commit = %+v", info)
	}
	if got, gi, err := storage.GetBytes(ctx, s, "articles/1/manifest.json"); err != nil || string(got) != `{"v":2,"longer":true}` || gi.ETag != info.ETag {
		t.Errorf("get after torn commit = %q %+v %v", got, gi, err)
	}
	// An If-Match on the repaired ETag works.
	if _, err := storage.PutBytes(ctx, s, "articles/1/manifest.json", []byte(`{"v":3}`), storage.PutOptions{IfMatch: info.ETag}); err != nil {
		t.Errorf("If-Match after repair: %v", err)
	}

	// A copied data folder: new inodes, same bytes, content type kept.
	put("audio/1.mp3", "mp3 bytes", "audio/mpeg")
	copied := filepath.Join(t.TempDir(), "copy")
	copyTree(t, s.Root(), copied)
	c, err := storage.OpenLocal(copied)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Stat(ctx, "audio/1.mp3"); err != nil || info.ContentType != "audio/mpeg" || info.ETag != md5hex("mp3 bytes") {
		t.Errorf("stat in a copied folder = %+v %v", info, err)
	}

	// A file dropped in by hand shows up like any object.
	if err := os.WriteFile(filepath.Join(s.Root(), "dropped.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := storage.ListAll(ctx, s, "dropped")
	if err != nil || len(all) != 1 || all[0].ETag != md5hex("hello") || all[0].Size != 5 {
		t.Errorf("list of a dropped-in file = %+v %v", all, err)
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func replaceFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func TestLocalRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := storage.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Root(), ".loa", "tmp")
	stale, fresh := filepath.Join(tmp, "put-stale"), filepath.Join(tmp, "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.OpenLocal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file survived: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file (a writer in another process) was removed: %v", err)
	}
}

// Cross-process tests run copies of this test binary as workers.
const helperEnv = "LOA_STORAGE_HELPER"

func TestHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("runs only as a worker of the cross-process tests")
	}
	dir, rest, _ := strings.Cut(spec, "|")
	mode, id, _ := strings.Cut(rest, "|")
	s, err := storage.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	switch mode {
	case "create":
		_, err := storage.PutBytes(ctx, s, "lease", []byte(id), storage.PutOptions{IfNoneMatch: true})
		switch {
		case err == nil:
			fmt.Println("RESULT won")
		case errors.Is(err, storage.ErrConflict):
			fmt.Println("RESULT conflict")
		default:
			t.Fatal(err)
		}
	case "count":
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 5 {
					if _, err := storage.Update(ctx, s, "counter", increment); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
}

func increment(cur []byte, exists bool) ([]byte, error) {
	n := 0
	if exists {
		var err error
		if n, err = strconv.Atoi(string(cur)); err != nil {
			return nil, err
		}
	}
	return []byte(strconv.Itoa(n + 1)), nil
}

func runWorkers(t *testing.T, n int, spec func(i int) string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperEnv+"="+spec(i))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("worker %d: %v\n%s", i, err, out)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	return outs
}

func TestLocalConditionalPutAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	if _, err := storage.OpenLocal(dir); err != nil {
		t.Fatal(err)
	}
	const workers = 6
	outs := runWorkers(t, workers, func(i int) string { return fmt.Sprintf("%s|create|worker-%d", dir, i) })
	won := 0
	for _, out := range outs {
		switch {
		case strings.Contains(out, "RESULT won"):
			won++
		case !strings.Contains(out, "RESULT conflict"):
			t.Errorf("worker said neither won nor conflict:\n%s", out)
		}
	}
	if won != 1 {
		t.Errorf("%d processes created the key, want exactly 1", won)
	}

	outs = runWorkers(t, 4, func(int) string { return dir + "|count|" })
	s, _ := storage.OpenLocal(dir)
	got, _, err := storage.GetBytes(t.Context(), s, "counter")
	if err != nil || string(got) != "80" {
		t.Errorf("counter after 4 processes × 4 goroutines × 5 increments = %q (%v), want 80\n%s", got, err, strings.Join(outs, "\n"))
	}
}
