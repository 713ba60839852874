// Package storagetest is the conformance suite every storage.Store must
// pass. Run it with a constructor that returns a fresh, empty store for each
// subtest (its own folder, bucket or prefix), cleaned up by the constructor.
//
//	func TestLocal(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			s, err := storage.OpenLocal(t.TempDir())
//			...
//		})
//	}
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
)

// LargeObjectSize is big enough to need several parts on an S3 store whose
// part size is 5 MiB.
const LargeObjectSize = 12<<20 + 123

// Racers is how many goroutines race for one key in the concurrency tests.
const Racers = 16

// Quirk names a known way a store's server breaks the contract. The
// affected test still runs and still fails on anything else, but reports
// the quirk with its evidence as a skip instead of a failure.
type Quirk string

const (
	// GetMetadataRace: a Get racing an overwrite may return one version's
	// bytes with another version's ETag. versitygw 1.8.0 (posix) reads the
	// ETag attribute before it opens the file. The bytes are never torn,
	// and the ETag is the older one, so Update's If-Match fails safely.
	GetMetadataRace Quirk = "get-metadata-race"
)

type quirks []Quirk

func (q quirks) has(x Quirk) bool { return slices.Contains(q, x) }

// Run runs every conformance test against stores made by newStore. List a
// server's known quirks to report them without failing.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store, known ...Quirk) {
	q := quirks(known)
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGetStat", testPutGetStat},
		{"DefaultContentType", testDefaultContentType},
		{"ContentTypes", testContentTypes},
		{"EmptyObject", testEmptyObject},
		{"Overwrite", testOverwrite},
		{"ETagFollowsContent", testETagFollowsContent},
		{"Ranges", testRanges},
		{"Missing", testMissing},
		{"Delete", testDelete},
		{"ListOrder", testListOrder},
		{"ListPagination", testListPagination},
		{"UnicodeKeys", testUnicodeKeys},
		{"InvalidKeys", testInvalidKeys},
		{"InvalidArguments", testInvalidArguments},
		{"ShortBody", testShortBody},
		{"UnknownSize", testUnknownSize},
		{"IfNoneMatch", testIfNoneMatch},
		{"IfMatch", testIfMatch},
		{"RaceCreate", testRaceCreate},
		{"RaceIfMatch", testRaceIfMatch},
		{"UpdateCounter", testUpdateCounter},
		{"LargeObject", testLargeObject},
		{"LargeConditional", testLargeConditional},
		{"AtomicReplace", func(t *testing.T, s storage.Store) { testAtomicReplace(t, s, q) }},
		{"ServeContent", testServeContent},
		{"Helpers", testHelpers},
		{"CanceledContext", testCanceledContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, s storage.Store, key string, data []byte, opts storage.PutOptions) storage.Info {
	t.Helper()
	info, err := storage.PutBytes(ctxT(t), s, key, data, opts)
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

func get(t *testing.T, s storage.Store, key string, rng *storage.Range) ([]byte, storage.Info) {
	t.Helper()
	rc, info, err := s.Get(ctxT(t), key, rng)
	if err != nil {
		t.Fatalf("get %s %+v: %v", key, rng, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, info
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func testPutGetStat(t *testing.T, s storage.Store) {
	data := []byte("xin chào, Loa")
	before := time.Now().Add(-time.Minute)
	pi := put(t, s, "articles/1/source.json", data, storage.PutOptions{ContentType: "application/json", CacheControl: "no-cache"})
	if pi.Key != "articles/1/source.json" || pi.Size != int64(len(data)) || pi.ETag == "" {
		t.Errorf("put info = %+v", pi)
	}
	got, gi := get(t, s, "articles/1/source.json", nil)
	if !bytes.Equal(got, data) {
		t.Errorf("get = %q, want %q", got, data)
	}
	si, err := s.Stat(ctxT(t), "articles/1/source.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, info := range map[string]storage.Info{"get": gi, "stat": si} {
		if info.Key != pi.Key || info.Size != pi.Size || info.ETag != pi.ETag {
			t.Errorf("%s info %+v disagrees with put info %+v", name, info, pi)
		}
		if info.ContentType != "application/json" {
			t.Errorf("%s content type = %q", name, info.ContentType)
		}
		if info.CacheControl != "no-cache" {
			t.Errorf("%s cache control = %q", name, info.CacheControl)
		}
		if info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s mod time %v is not about now", name, info.ModTime)
		}
	}
}

func testDefaultContentType(t *testing.T, s storage.Store) {
	put(t, s, "blob", []byte{1, 2, 3}, storage.PutOptions{})
	si, err := s.Stat(ctxT(t), "blob")
	if err != nil {
		t.Fatal(err)
	}
	if si.ContentType != storage.DefaultContentType {
		t.Errorf("content type = %q, want %q", si.ContentType, storage.DefaultContentType)
	}
}

func testContentTypes(t *testing.T, s storage.Store) {
	for i, ct := range []string{"audio/mpeg", "application/json; charset=utf-8", "text/vtt", "image/svg+xml"} {
		key := fmt.Sprintf("ct/%d", i)
		put(t, s, key, []byte(ct), storage.PutOptions{ContentType: ct})
		_, gi := get(t, s, key, nil)
		si, err := s.Stat(ctxT(t), key)
		if err != nil {
			t.Fatal(err)
		}
		if gi.ContentType != ct || si.ContentType != ct {
			t.Errorf("content type %q came back as %q (get) / %q (stat)", ct, gi.ContentType, si.ContentType)
		}
	}
}

func testEmptyObject(t *testing.T, s storage.Store) {
	pi := put(t, s, "empty", nil, storage.PutOptions{})
	if pi.Size != 0 {
		t.Errorf("size = %d", pi.Size)
	}
	got, info := get(t, s, "empty", nil)
	if len(got) != 0 || info.Size != 0 {
		t.Errorf("get = %d bytes, info %+v", len(got), info)
	}
	got, info = get(t, s, "empty", &storage.Range{Offset: 0, Length: 10})
	if len(got) != 0 || info.Size != 0 {
		t.Errorf("ranged get of empty object = %d bytes, info %+v", len(got), info)
	}
}

func testOverwrite(t *testing.T, s storage.Store) {
	put(t, s, "k", []byte("first version, longer"), storage.PutOptions{ContentType: "text/plain"})
	put(t, s, "k", []byte("second"), storage.PutOptions{ContentType: "text/csv"})
	got, info := get(t, s, "k", nil)
	if string(got) != "second" || info.Size != 6 || info.ContentType != "text/csv" {
		t.Errorf("after overwrite: %q %+v", got, info)
	}
}

func testETagFollowsContent(t *testing.T, s storage.Store) {
	a := put(t, s, "k", []byte("version A"), storage.PutOptions{})
	b := put(t, s, "k", []byte("version B"), storage.PutOptions{})
	if a.ETag == b.ETag {
		t.Errorf("ETag %q did not change with the content", a.ETag)
	}
	si, err := s.Stat(ctxT(t), "k")
	if err != nil {
		t.Fatal(err)
	}
	if si.ETag != b.ETag {
		t.Errorf("stat ETag %q, put returned %q", si.ETag, b.ETag)
	}
}

func testRanges(t *testing.T, s storage.Store) {
	data := pattern(1000)
	put(t, s, "r", data, storage.PutOptions{})
	cases := []struct {
		rng      storage.Range
		from, to int
	}{
		{storage.Range{Offset: 0, Length: -1}, 0, 1000},
		{storage.Range{Offset: 0, Length: 10}, 0, 10},
		{storage.Range{Offset: 10, Length: -1}, 10, 1000},
		{storage.Range{Offset: 500, Length: 1}, 500, 501},
		{storage.Range{Offset: 999, Length: 1}, 999, 1000},
		{storage.Range{Offset: 990, Length: 100}, 990, 1000},
		{storage.Range{Offset: 0, Length: 0}, 0, 0},
		{storage.Range{Offset: 1000, Length: 10}, 1000, 1000},
		{storage.Range{Offset: 5000, Length: -1}, 1000, 1000},
	}
	for _, tc := range cases {
		got, info := get(t, s, "r", &tc.rng)
		if !bytes.Equal(got, data[tc.from:tc.to]) {
			t.Errorf("range %+v: got %d bytes, want bytes [%d,%d)", tc.rng, len(got), tc.from, tc.to)
		}
		if info.Size != 1000 {
			t.Errorf("range %+v: info size %d, want the whole object's 1000", tc.rng, info.Size)
		}
	}
}

func testMissing(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	if _, _, err := s.Get(ctx, "no/such/key", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("get missing: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, "no/such/key", &storage.Range{Offset: 5, Length: 5}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("ranged get missing: %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "no/such/key"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("stat missing: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "no/such/key"); err != nil {
		t.Errorf("delete missing: %v, want nil", err)
	}
	put(t, s, "dir/obj", []byte("x"), storage.PutOptions{})
	if _, err := s.Stat(ctx, "dir"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("stat of a prefix: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Get(ctx, "dir/obj/below", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("get below an object: %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	put(t, s, "a/b/c", []byte("deep"), storage.PutOptions{})
	put(t, s, "a/keep", []byte("stays"), storage.PutOptions{})
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "a/b/c"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("stat after delete: %v", err)
	}
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"a/keep"}) {
		t.Errorf("list after delete = %q", keys)
	}
	// The key's former folder must not block an object of that name.
	put(t, s, "a/b", []byte("now a file"), storage.PutOptions{})
	if got, _ := get(t, s, "a/b", nil); string(got) != "now a file" {
		t.Errorf("get a/b = %q", got)
	}
}

func listKeys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	all, err := storage.ListAll(ctxT(t), s, prefix)
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	keys := make([]string, len(all))
	for i, it := range all {
		keys[i] = it.Key
	}
	return keys
}

func testListOrder(t *testing.T, s storage.Store) {
	keys := []string{"a/1", "a/2", "a/b/c", "a-b", "a.txt", "ab", "b/1", "a0"}
	sizes := map[string]int{}
	for i, k := range keys {
		data := pattern(i + 1)
		sizes[k] = len(data)
		put(t, s, k, data, storage.PutOptions{})
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted) // byte order: "a-b" < "a.txt" < "a/1" < "a0" < "ab"
	if got := listKeys(t, s, ""); !slices.Equal(got, sorted) {
		t.Errorf("list all = %q, want %q", got, sorted)
	}
	if got := listKeys(t, s, "a/"); !slices.Equal(got, []string{"a/1", "a/2", "a/b/c"}) {
		t.Errorf("list a/ = %q", got)
	}
	if got := listKeys(t, s, "a"); !slices.Equal(got, []string{"a-b", "a.txt", "a/1", "a/2", "a/b/c", "a0", "ab"}) {
		t.Errorf("list a = %q", got)
	}
	if got := listKeys(t, s, "a/b"); !slices.Equal(got, []string{"a/b/c"}) {
		t.Errorf("list a/b = %q", got)
	}
	if got := listKeys(t, s, "nothing/"); len(got) != 0 {
		t.Errorf("list nothing/ = %q", got)
	}
	page, err := s.List(ctxT(t), "", storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		si, err := s.Stat(ctxT(t), it.Key)
		if err != nil {
			t.Fatal(err)
		}
		if it.Size != int64(sizes[it.Key]) || it.ETag != si.ETag || it.ModTime.IsZero() {
			t.Errorf("list item %+v disagrees with stat %+v", it, si)
		}
	}
}

func testListPagination(t *testing.T, s storage.Store) {
	var want []string
	for i := range 25 {
		k := fmt.Sprintf("jobs/%03d.json", i)
		want = append(want, k)
		put(t, s, k, []byte(k), storage.PutOptions{})
	}
	put(t, s, "other/x", []byte("x"), storage.PutOptions{})
	var got []string
	var sizes []int
	opts := storage.ListOptions{Limit: 7}
	for range 10 {
		page, err := s.List(ctxT(t), "jobs/", opts)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		for _, it := range page.Items {
			got = append(got, it.Key)
		}
		if page.Next == "" {
			break
		}
		if page.Next != page.Items[len(page.Items)-1].Key {
			t.Errorf("Next %q is not the page's last key", page.Next)
		}
		opts.StartAfter = page.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged list = %q, want %q", got, want)
	}
	if !slices.Equal(sizes, []int{7, 7, 7, 4}) {
		t.Errorf("page sizes = %v, want [7 7 7 4]", sizes)
	}
	page, err := s.List(ctxT(t), "jobs/", storage.ListOptions{StartAfter: "jobs/010.jsoo", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || page.Items[0].Key != "jobs/011.json" {
		t.Errorf("start after a missing key: %+v", page.Items)
	}
	page, err = s.List(ctxT(t), "jobs/", storage.ListOptions{Limit: 25})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 25 || page.Next != "" {
		t.Errorf("exact-size page: %d items, Next %q", len(page.Items), page.Next)
	}
}

func testUnicodeKeys(t *testing.T, s storage.Store) {
	keys := []string{"bài viết/Tiếng Việt có dấu.json", "bài viết/đường phố (1).mp3", "lexicons/người-dùng+ký_hiệu=1.json"}
	for _, k := range keys {
		put(t, s, k, []byte(k), storage.PutOptions{})
		if got, _ := get(t, s, k, nil); string(got) != k {
			t.Errorf("get %q = %q", k, got)
		}
	}
	want := slices.Sorted(slices.Values(keys[:2]))
	if got := listKeys(t, s, "bài viết/"); !slices.Equal(got, want) {
		t.Errorf("list = %q, want %q", got, want)
	}
}

// BadKeys are rejected by every store with ErrInvalidKey.
var BadKeys = []string{
	"", "/abs", "a//b", "a/../b", "..", "./a", "a/.", "dir/", `a\b`, "nul\x00", "tab\tkey",
	"new\nline", "del\x7f", "\xff\xfe", ".loa/meta/x", strings.Repeat("k", 1025), strings.Repeat("s", 256),
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	for _, k := range BadKeys {
		if _, err := storage.PutBytes(ctx, s, k, []byte("x"), storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("put %q: %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Get(ctx, k, nil); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("get %q: %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("stat %q: %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("delete %q: %v, want ErrInvalidKey", k, err)
		}
	}
	for _, p := range []string{"/abs", "../", "a//", "x\x00"} {
		if _, err := s.List(ctx, p, storage.ListOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("list %q: %v, want ErrInvalidKey", p, err)
		}
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Errorf("rejected keys left objects behind: %q", got)
	}
}

func testInvalidArguments(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	for _, opts := range []storage.PutOptions{
		{ContentType: "text/plain\r\nX-Evil: 1"},
		{CacheControl: "max-age=1\n"},
		{IfNoneMatch: true, IfMatch: "abc"},
	} {
		if _, err := storage.PutBytes(ctx, s, "k", []byte("x"), opts); !errors.Is(err, storage.ErrInvalidArgument) {
			t.Errorf("put with %+v: %v, want ErrInvalidArgument", opts, err)
		}
	}
	put(t, s, "k", []byte("x"), storage.PutOptions{})
	if _, _, err := s.Get(ctx, "k", &storage.Range{Offset: -1, Length: 2}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("negative offset: %v, want ErrInvalidArgument", err)
	}
}

// onlyReader hides every method but Read, as a network body would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func testShortBody(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	data := pattern(50)
	if _, err := s.Put(ctx, "short", onlyReader{bytes.NewReader(data)}, 100, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("streamed short body: %v, want ErrInvalidArgument", err)
	}
	if _, err := s.Put(ctx, "short", bytes.NewReader(data), 100, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidArgument) {
		t.Errorf("seekable short body: %v, want ErrInvalidArgument", err)
	}
	if _, err := s.Stat(ctx, "short"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a short body left an object: %v", err)
	}
}

func testUnknownSize(t *testing.T, s storage.Store) {
	data := pattern(3000)
	info, err := s.Put(ctxT(t), "unknown", onlyReader{bytes.NewReader(data)}, -1, storage.PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 3000 {
		t.Errorf("put info size = %d", info.Size)
	}
	if got, gi := get(t, s, "unknown", nil); !bytes.Equal(got, data) || gi.Size != 3000 {
		t.Errorf("get = %d bytes, info %+v", len(got), gi)
	}
}

func testIfNoneMatch(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	first := put(t, s, "lease", []byte("node-1"), storage.PutOptions{IfNoneMatch: true})
	_, err := storage.PutBytes(ctx, s, "lease", []byte("node-2"), storage.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second create: %v, want ErrConflict", err)
	}
	got, info := get(t, s, "lease", nil)
	if string(got) != "node-1" || info.ETag != first.ETag {
		t.Errorf("after failed create: %q %+v", got, info)
	}
	// After a delete the key can be created again.
	if err := s.Delete(ctx, "lease"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "lease", []byte("node-3"), storage.PutOptions{IfNoneMatch: true})
}

func testIfMatch(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	v1 := put(t, s, "job", []byte(`{"state":"queued"}`), storage.PutOptions{})
	v2 := put(t, s, "job", []byte(`{"state":"claimed"}`), storage.PutOptions{IfMatch: v1.ETag})
	if v2.ETag == v1.ETag {
		t.Fatal("ETag unchanged by a conditional update")
	}
	_, err := storage.PutBytes(ctx, s, "job", []byte(`{"state":"stolen"}`), storage.PutOptions{IfMatch: v1.ETag})
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("stale If-Match: %v, want ErrConflict", err)
	}
	if got, _ := get(t, s, "job", nil); string(got) != `{"state":"claimed"}` {
		t.Errorf("after stale update: %s", got)
	}
	_, err = storage.PutBytes(ctx, s, "absent", []byte("x"), storage.PutOptions{IfMatch: v1.ETag})
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("If-Match on a missing key: %v, want ErrConflict", err)
	}
	if _, err := s.Stat(ctx, "absent"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("failed If-Match created the key: %v", err)
	}
}

// race runs fn in Racers goroutines released at once and returns the
// indexes that succeeded; every failure must be ErrConflict.
func race(t *testing.T, fn func(i int) error) []int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		winners []int
	)
	for i := range Racers {
		wg.Go(func() {
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, i)
			case !errors.Is(err, storage.ErrConflict):
				t.Errorf("racer %d: %v, want nil or ErrConflict", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return winners
}

func testRaceCreate(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	winners := race(t, func(i int) error {
		_, err := storage.PutBytes(ctx, s, "race/create", []byte("racer "+strconv.Itoa(i)), storage.PutOptions{IfNoneMatch: true})
		return err
	})
	if len(winners) != 1 {
		t.Fatalf("%d racers created the key (%v), want exactly 1", len(winners), winners)
	}
	if got, _ := get(t, s, "race/create", nil); string(got) != "racer "+strconv.Itoa(winners[0]) {
		t.Errorf("stored %q, but racer %d won", got, winners[0])
	}
}

func testRaceIfMatch(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	base := put(t, s, "race/update", []byte("base"), storage.PutOptions{})
	winners := race(t, func(i int) error {
		_, err := storage.PutBytes(ctx, s, "race/update", []byte("racer "+strconv.Itoa(i)), storage.PutOptions{IfMatch: base.ETag})
		return err
	})
	if len(winners) != 1 {
		t.Fatalf("%d racers updated the key (%v), want exactly 1", len(winners), winners)
	}
	if got, _ := get(t, s, "race/update", nil); string(got) != "racer "+strconv.Itoa(winners[0]) {
		t.Errorf("stored %q, but racer %d won", got, winners[0])
	}
}

func testUpdateCounter(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	const perRacer = 3
	var calls atomic.Int64
	var wg sync.WaitGroup
	for range Racers {
		wg.Go(func() {
			for range perRacer {
				_, err := storage.Update(ctx, s, "counter", func(cur []byte, exists bool) ([]byte, error) {
					calls.Add(1)
					n := 0
					if exists {
						var err error
						if n, err = strconv.Atoi(string(cur)); err != nil {
							return nil, err
						}
					}
					return []byte(strconv.Itoa(n + 1)), nil
				})
				if err != nil {
					t.Errorf("update: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, _ := get(t, s, "counter", nil)
	if want := strconv.Itoa(Racers * perRacer); string(got) != want {
		t.Errorf("counter = %s, want %s (fn ran %d times)", got, want, calls.Load())
	}
	// Returning the bytes unchanged writes nothing.
	before, _ := s.Stat(ctx, "counter")
	after, err := storage.Update(ctx, s, "counter", func(cur []byte, _ bool) ([]byte, error) { return cur, nil })
	if err != nil || after.ETag != before.ETag {
		t.Errorf("no-op update: %+v, %v", after, err)
	}
	sentinel := errors.New("give up")
	if _, err := storage.Update(ctx, s, "counter", func([]byte, bool) ([]byte, error) { return nil, sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("fn error: %v, want it wrapped", err)
	}
}

func testLargeObject(t *testing.T, s storage.Store) {
	data := pattern(LargeObjectSize)
	sum := sha256.Sum256(data)
	info, err := s.Put(ctxT(t), "audio/big.mp3", onlyReader{bytes.NewReader(data)}, int64(len(data)), storage.PutOptions{ContentType: "audio/mpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("put size = %d", info.Size)
	}
	got, gi := get(t, s, "audio/big.mp3", nil)
	if sha256.Sum256(got) != sum || gi.Size != int64(len(data)) || gi.ContentType != "audio/mpeg" {
		t.Errorf("large object came back different: %d bytes, %+v", len(got), gi)
	}
	// A range across the 5 MiB part boundary.
	off := int64(5<<20 - 100)
	part, _ := get(t, s, "audio/big.mp3", &storage.Range{Offset: off, Length: 200})
	if !bytes.Equal(part, data[off:off+200]) {
		t.Error("range across a part boundary differs")
	}
	// Unknown size, streamed.
	if _, err := s.Put(ctxT(t), "audio/big2.mp3", onlyReader{bytes.NewReader(data)}, -1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ = get(t, s, "audio/big2.mp3", nil)
	if sha256.Sum256(got) != sum {
		t.Error("large object of unknown size came back different")
	}
}

func testLargeConditional(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	data := pattern(LargeObjectSize)
	first, err := s.Put(ctx, "big", onlyReader{bytes.NewReader(data)}, int64(len(data)), storage.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	data[0]++
	_, err = s.Put(ctx, "big", onlyReader{bytes.NewReader(data)}, int64(len(data)), storage.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("large create-if-absent over an existing key: %v, want ErrConflict", err)
	}
	_, err = s.Put(ctx, "big", onlyReader{bytes.NewReader(data)}, int64(len(data)), storage.PutOptions{IfMatch: "0123456789abcdef0123456789abcdef"})
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("large put with a wrong If-Match: %v, want ErrConflict", err)
	}
	if si, err := s.Stat(ctx, "big"); err != nil || si.ETag != first.ETag {
		t.Errorf("failed conditional puts changed the object: %+v %v", si, err)
	}
	if _, err := s.Put(ctx, "big", onlyReader{bytes.NewReader(data)}, int64(len(data)), storage.PutOptions{IfMatch: first.ETag}); err != nil {
		t.Errorf("large put with the right If-Match: %v", err)
	}
	got, _ := get(t, s, "big", nil)
	if !bytes.Equal(got, data) {
		t.Error("large conditional update not stored")
	}
}

// testAtomicReplace has one writer flip an object between two versions
// while readers check that every read is entirely one version, with the
// size and an ETag of that version.
func testAtomicReplace(t *testing.T, s storage.Store, q quirks) {
	const size = 256 << 10
	versions := [][]byte{bytes.Repeat([]byte{'a'}, size), bytes.Repeat([]byte{'b'}, size)}
	var mu sync.Mutex
	etags := map[string]byte{}
	record := func(info storage.Info, v byte) {
		mu.Lock()
		etags[info.ETag] = v
		mu.Unlock()
	}
	record(put(t, s, "audio/current.mp3", versions[0], storage.PutOptions{}), 'a')
	ctx, cancel := context.WithTimeout(ctxT(t), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var writes, reads, mixed atomic.Int64
	wg.Go(func() {
		for i := 1; ctx.Err() == nil; i++ {
			v := versions[i%2]
			info, err := storage.PutBytes(ctx, s, "audio/current.mp3", v, storage.PutOptions{})
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("write: %v", err)
				}
				return
			}
			record(info, v[0])
			writes.Add(1)
		}
	})
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				rc, info, err := s.Get(ctx, "audio/current.mp3", nil)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("read: %v", err)
					}
					return
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("read body: %v", err)
					}
					return
				}
				reads.Add(1)
				if len(b) != size || info.Size != size || bytes.Count(b, b[:1]) != size {
					t.Errorf("torn read: %d bytes (info size %d), %d of them %q", len(b), info.Size, bytes.Count(b, b[:1]), b[:1])
					return
				}
				// A version's ETag is recorded when its put returns, which
				// may be just after a reader already sees it.
				deadline := time.Now().Add(2 * time.Second)
				for {
					mu.Lock()
					v, known := etags[info.ETag]
					mu.Unlock()
					if known {
						if v != b[0] {
							mixed.Add(1)
							if !q.has(GetMetadataRace) {
								t.Errorf("ETag %s belongs to version %q, body is version %q", info.ETag, v, b[0])
							}
						}
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("ETag %s matches no written version", info.ETag)
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	if writes.Load() < 2 || reads.Load() < 4 {
		t.Errorf("only %d writes and %d reads happened; the test proves nothing", writes.Load(), reads.Load())
	}
	t.Logf("%d writes, %d reads, none torn", writes.Load(), reads.Load())
	if n := mixed.Load(); n > 0 && q.has(GetMetadataRace) && !t.Failed() {
		t.Skipf("known quirk %s: %d of %d reads returned one version's bytes with the other version's ETag", GetMetadataRace, n, reads.Load())
	}
}

func testServeContent(t *testing.T, s storage.Store) {
	data := pattern(300 << 10)
	put(t, s, "audio/ep.mp3", data, storage.PutOptions{ContentType: "audio/mpeg"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obj, err := storage.OpenSeeker(r.Context(), s, "audio/ep.mp3")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer obj.Close()
		w.Header().Set("ETag", `"`+obj.Info().ETag+`"`)
		w.Header().Set("Content-Type", obj.Info().ContentType)
		http.ServeContent(w, r, "ep.mp3", obj.Info().ModTime, obj)
	}))
	defer srv.Close()
	fetch := func(rangeHeader string) (int, []byte) {
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, srv.URL, nil)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	if code, b := fetch(""); code != http.StatusOK || !bytes.Equal(b, data) {
		t.Errorf("full GET: %d, %d bytes", code, len(b))
	}
	if code, b := fetch("bytes=1000-1999"); code != http.StatusPartialContent || !bytes.Equal(b, data[1000:2000]) {
		t.Errorf("ranged GET: %d, %d bytes", code, len(b))
	}
	if code, b := fetch("bytes=-500"); code != http.StatusPartialContent || !bytes.Equal(b, data[len(data)-500:]) {
		t.Errorf("suffix GET: %d, %d bytes", code, len(b))
	}
	if code, _ := fetch("bytes=999999999-"); code != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable range: %d, want 416", code)
	}

	// Seeking back and forth reads the right bytes.
	obj, err := storage.OpenSeeker(ctxT(t), s, "audio/ep.mp3")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	buf := make([]byte, 100)
	for _, off := range []int64{200 << 10, 0, 100, 250 << 10, 250<<10 + 1000, 5} {
		if _, err := obj.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(obj, buf); err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		if !bytes.Equal(buf, data[off:off+100]) {
			t.Errorf("bytes at %d differ", off)
		}
	}
	if end, _ := obj.Seek(0, io.SeekEnd); end != int64(len(data)) {
		t.Errorf("seek end = %d", end)
	}
	if n, err := obj.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read at end: %d, %v", n, err)
	}
	// A replaced object is not mixed into an open reader.
	if _, err := obj.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	put(t, s, "audio/ep.mp3", pattern(1000), storage.PutOptions{})
	rest, err := io.ReadAll(obj)
	switch {
	case err == nil && !bytes.Equal(rest, data):
		t.Errorf("read after replace returned %d bytes that are not the version opened", len(rest))
	case err != nil && !errors.Is(err, storage.ErrConflict):
		t.Errorf("read after replace: %v, want the old bytes or ErrConflict", err)
	}
	if _, err := storage.OpenSeeker(ctxT(t), s, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("open missing: %v", err)
	}
}

func testHelpers(t *testing.T, s storage.Store) {
	ctx := ctxT(t)
	type manifest struct {
		Status   string `json:"status"`
		Duration int    `json:"duration_ms"`
	}
	in := manifest{Status: "ready", Duration: 61234}
	info, err := storage.PutJSON(ctx, s, "articles/9/manifest.json", in, storage.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != storage.JSONContentType {
		t.Errorf("PutJSON content type = %q", info.ContentType)
	}
	var out manifest
	if _, err := storage.GetJSON(ctx, s, "articles/9/manifest.json", &out); err != nil || out != in {
		t.Errorf("GetJSON = %+v, %v", out, err)
	}
	put(t, s, "articles/9/bad.json", []byte("{not json"), storage.PutOptions{})
	if _, err := storage.GetJSON(ctx, s, "articles/9/bad.json", &out); err == nil {
		t.Error("GetJSON of bad JSON succeeded")
	}
	if ok, err := storage.Exists(ctx, s, "articles/9/manifest.json"); !ok || err != nil {
		t.Errorf("Exists(present) = %v, %v", ok, err)
	}
	if ok, err := storage.Exists(ctx, s, "articles/9/none.json"); ok || err != nil {
		t.Errorf("Exists(absent) = %v, %v", ok, err)
	}
	n := 0
	for it, err := range storage.Objects(ctx, s, "articles/") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(it.Key, "articles/9/") {
			t.Errorf("Objects yielded %q", it.Key)
		}
		n++
	}
	if n != 2 {
		t.Errorf("Objects yielded %d items, want 2", n)
	}
}

func testCanceledContext(t *testing.T, s storage.Store) {
	put(t, s, "k", []byte("x"), storage.PutOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := storage.PutBytes(ctx, s, "k2", []byte("y"), storage.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("put with canceled context: %v", err)
	}
	if _, _, err := s.Get(ctx, "k", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("get with canceled context: %v", err)
	}
	if _, err := s.List(ctx, "", storage.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("list with canceled context: %v", err)
	}
	if _, err := s.Stat(context.Background(), "k2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("canceled put stored an object: %v", err)
	}
}
