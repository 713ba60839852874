package synth

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// countingStore counts the objects List returns and the keys deleted,
// per prefix ("audio/", "segments/").
type countingStore struct {
	storage.Store
	mu      sync.Mutex
	listed  map[string]int
	deleted map[string][]string
}

func (s *countingStore) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListPage, error) {
	page, err := s.Store.List(ctx, prefix, opts)
	s.mu.Lock()
	s.listed[prefix] += len(page.Items)
	s.mu.Unlock()
	return page, err
}

func (s *countingStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	top := key[:strings.Index(key, "/")+1]
	s.deleted[top] = append(s.deleted[top], key)
	s.mu.Unlock()
	return s.Store.Delete(ctx, key)
}

func (s *countingStore) reset() {
	s.mu.Lock()
	s.listed, s.deleted = map[string]int{}, map[string][]string{}
	s.mu.Unlock()
}

// TestCollectionSweepsABoundedPartPerRun: each periodic collection lists
// and checks at most GCSweep objects of audio/ and of segments/, going on
// from where the previous run stopped and starting again after the end;
// after enough runs every stray and orphan segment is gone, while what a
// version names or uses, and what is younger than the cutoff, stays.
func TestCollectionSweepsABoundedPartPerRun(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		local, err := storage.OpenLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store := &countingStore{Store: local}
		const budget = 5
		now := time.Now()
		c := &collector{core: &core{cfg: ServiceConfig{GCGrace: time.Hour, Lease: time.Minute, GCSweep: budget},
			store: store, db: db, log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}}
		old := now.Add(-48 * time.Hour)
		put := func(key string, aged bool) {
			t.Helper()
			if _, err := storage.PutBytes(ctx, local, key, []byte(key), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if aged {
				if err := os.Chtimes(filepath.Join(local.Root(), filepath.FromSlash(key)), old, old); err != nil {
					t.Fatal(err)
				}
			}
		}
		hash := func(i int) string { return fmt.Sprintf("%02x%030d", i*37%256, i) }
		segment := func(h string) []string { return []string{segmentKey(h), segmentMetaKey(h)} }

		// What must stay: the current version's audio and segment, a
		// retired version still within its grace, and leftovers younger
		// than the cutoff.
		current := sqldb.VersionRow{ArticleID: "keep", ID: "v2", Revision: 2, AudioKey: "audio/keep/v2.mp3", PublishedAt: old}
		if err := db.Conn().PublishVersion(ctx, current, []string{hash(0)}, old); err != nil {
			t.Fatal(err)
		}
		if err := db.Conn().RecordRetired(ctx, sqldb.VersionRow{ArticleID: "keep", ID: "v1", Revision: 1, AudioKey: "audio/keep/v1.mp3", PublishedAt: old}, now); err != nil {
			t.Fatal(err)
		}
		stay := []string{"audio/keep/v2.mp3", "audio/keep/v2.json", "audio/keep/v2.vtt", "audio/keep/v1.mp3"}
		stay = append(stay, segment(hash(0))...)
		for _, k := range stay {
			put(k, true)
		}
		young := append([]string{"audio/young/v1.mp3"}, segment(hash(1))...)
		for _, k := range young {
			put(k, false)
		}
		stay = append(stay, young...)

		// Leftovers: more stray audio and orphan segments than one run's
		// budget.
		var strays, orphans []string
		for i := range 7 {
			strays = append(strays, fmt.Sprintf("audio/s%d/x.mp3", i), fmt.Sprintf("audio/s%d/x.json", i))
		}
		for i := 2; i < 10; i++ {
			orphans = append(orphans, segment(hash(i))...)
		}
		for _, k := range append(slices.Clone(strays), orphans...) {
			put(k, true)
		}
		exists := func(keys []string) (n int) {
			for _, k := range keys {
				if ok, err := storage.Exists(ctx, local, k); err != nil {
					t.Fatal(err)
				} else if ok {
					n++
				}
			}
			return n
		}
		run := func() {
			t.Helper()
			store.reset()
			if err := c.collectJob(ctx, "", time.Time{}); err != nil {
				t.Fatal(err)
			}
			for _, prefix := range []string{"audio/", "segments/"} {
				if store.listed[prefix] > budget {
					t.Errorf("one run listed %d objects of %s; budget %d", store.listed[prefix], prefix, budget)
				}
			}
			if n := len(store.deleted["audio/"]); n > budget {
				t.Errorf("one run deleted %d audio objects; it may look at %d", n, budget)
			}
			// A segment is two objects; its .json may have been looked at
			// by the run before.
			if n := len(store.deleted["segments/"]); n > 2*budget {
				t.Errorf("one run deleted %d segment objects; it may look at %d", n, budget)
			}
		}

		run()
		if n := exists(strays) + exists(orphans); n == 0 || n == len(strays)+len(orphans) {
			t.Fatalf("after one run %d of %d leftovers remain; want some deleted, not all", n, len(strays)+len(orphans))
		}
		// 19 audio objects and 20 segment objects: four runs of 5 reach
		// the end of both.
		for range 3 {
			run()
		}
		if n := exists(strays) + exists(orphans); n != 0 {
			t.Fatalf("after four runs %d leftovers remain", n)
		}
		if n := exists(stay); n != len(stay) {
			t.Fatalf("%d of %d objects that must stay were deleted", len(stay)-n, len(stay))
		}

		// The sweep reached the end, so the next run starts again at the
		// beginning and finds leftovers sorting before where it was.
		late := append([]string{"audio/a/x.mp3"}, segment("00"+hash(20))...)
		for _, k := range late {
			put(k, true)
		}
		run()
		if n := exists(late); n != 0 {
			t.Fatalf("the run after the end left %d leftovers at the beginning", n)
		}
		if n := exists(stay); n != len(stay) {
			t.Fatalf("%d of %d objects that must stay were deleted", len(stay)-n, len(stay))
		}
	})
}
