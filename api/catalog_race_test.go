package api_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth"
)

// TestParallelChangesLeaveNoGhosts: 50 parallel PUT/POST/DELETE/
// resynthesize requests on each of 10 ids, on both engines. Once the jobs
// have drained: no feed item without audio, no article stuck queued or
// synthesizing, and after GC no audio or segment that no article uses.
func TestParallelChangesLeaveNoGhosts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, Service: synth.ServiceConfig{Workers: 2, GCGrace: time.Second, Lease: 5 * time.Second}})
		texts := []string{"Giá xăng tăng mạnh.", "Hà Nội mưa lớn.", "Tăng trưởng cao."}
		type req struct{ method, id string }
		var reqs []req
		for i := range 10 {
			id := fmt.Sprintf("race-%d", i)
			for j := range 50 {
				reqs = append(reqs, req{[]string{"PUT", "POST", "DELETE", "RESYNTH"}[j%4], id})
			}
		}
		rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
		work := make(chan req)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range work {
					text := texts[rand.IntN(len(texts))]
					var code int
					switch r.method {
					case "PUT":
						code = h.Do("PUT", "/api/v1/articles/"+r.id, map[string]string{"text": text, "feed": "tin"}, nil)
					case "POST":
						code = h.Do("POST", "/api/v1/articles", map[string]string{"id": r.id, "text": text, "feed": "tin"}, nil)
					case "DELETE":
						code = h.Do("DELETE", "/api/v1/articles/"+r.id, nil, nil)
					case "RESYNTH":
						code = h.Do("POST", "/api/v1/articles/"+r.id+"/resynthesize", map[string]string{}, nil)
					}
					if code >= 500 {
						t.Errorf("%s %s: %d", r.method, r.id, code)
					}
					mu.Lock()
					codes[fmt.Sprintf("%s %d", r.method, code)]++
					mu.Unlock()
				}
			}()
		}
		for _, r := range reqs {
			work <- r
		}
		close(work)
		wg.Wait()
		t.Logf("answers: %v", codes)

		// Jobs drain: nothing stays queued or synthesizing.
		deadline := time.Now().Add(3 * time.Minute)
		for {
			var busy int
			for _, st := range []string{"queued", "synthesizing"} {
				var page struct{ Total int }
				h.Do("GET", "/api/v1/articles?status="+st, nil, &page)
				busy += page.Total
			}
			if busy == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d articles still queued or synthesizing after the jobs drained", busy)
			}
			time.Sleep(100 * time.Millisecond)
		}

		// Every feed item's audio answers.
		resp, err := http.Get(h.URL + "/feeds/all.xml")
		if err != nil {
			t.Fatal(err)
		}
		var feed struct {
			Items []struct {
				GUID      string `xml:"guid"`
				Enclosure struct {
					URL string `xml:"url,attr"`
				} `xml:"enclosure"`
			} `xml:"channel>item"`
		}
		err = xml.NewDecoder(resp.Body).Decode(&feed)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range feed.Items {
			r, err := http.Get(it.Enclosure.URL)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != 200 {
				t.Errorf("feed item %s: enclosure %s answers %d", it.GUID, it.Enclosure.URL, r.StatusCode)
			}
		}
		// The feed lists every ready article, and also a failed one whose
		// newer revision failed (a job that outlived its lease on a loaded
		// machine): it keeps serving the audio it had. Nothing else.
		var ready struct{ Total int }
		h.Do("GET", "/api/v1/articles?status=ready", nil, &ready)
		var keptAudio int
		rows, err := db.Conn().Query(context.Background(), `SELECT status, COUNT(*) FROM articles WHERE current_version <> '' GROUP BY status`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var status string
			var n int
			if err := rows.Scan(&status, &n); err != nil {
				t.Fatal(err)
			}
			switch status {
			case "ready":
			case "failed":
				keptAudio = n
			default:
				t.Errorf("%d %s articles name a current version", n, status)
			}
		}
		rows.Close()
		if len(feed.Items) != ready.Total+keptAudio {
			t.Errorf("%d feed items for %d ready articles and %d failed ones keeping their audio", len(feed.Items), ready.Total, keptAudio)
		}
		// The feed's kept count (its pages and links) agrees with its items.
		for _, name := range []string{"", "tin"} {
			if st, err := db.Conn().FeedStats(context.Background(), name); err != nil || st.Items != len(feed.Items) {
				t.Errorf("feed %q counts %d items, %v; the feed shows %d", name, st.Items, err, len(feed.Items))
			}
		}

		// After GC, the store holds only what the catalog names.
		ctx := context.Background()
		deadline = time.Now().Add(time.Minute)
		for {
			orphans := orphanObjects(t, ctx, h.Store, db)
			if len(orphans) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after GC, objects no article uses: %v", orphans)
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Logf("%d feed items; %d ready articles", len(feed.Items), ready.Total)
	})
}

// orphanObjects lists audio no current version names, segments no
// current version uses, sources of articles that are gone, and sources
// still staged in the catalog (settled by GC once stored).
func orphanObjects(t *testing.T, ctx context.Context, store storage.Store, db *sqldb.DB) []string {
	t.Helper()
	named := map[string]bool{}
	used := map[string]bool{}
	rows, err := db.Conn().Query(ctx, `SELECT v.audio_key, v.timings_key, v.vtt_key, v.chapters_key, v.article_id, v.id FROM versions v
JOIN articles a ON a.id = v.article_id AND a.current_version = v.id`)
	if err != nil {
		t.Fatal(err)
	}
	type ver struct{ article, id string }
	var current []ver
	for rows.Next() {
		var k [4]string
		var v ver
		if err := rows.Scan(&k[0], &k[1], &k[2], &k[3], &v.article, &v.id); err != nil {
			t.Fatal(err)
		}
		for _, key := range k {
			named[key] = true
		}
		current = append(current, v)
	}
	rows.Close()
	for _, v := range current {
		hashes, err := db.Conn().VersionSegments(ctx, v.article, v.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hashes {
			used[h] = true
		}
	}
	var out []string
	audio, err := storage.ListAll(ctx, store, "audio/")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range audio {
		if !named[info.Key] {
			out = append(out, info.Key)
		}
	}
	sources, err := storage.ListAll(ctx, store, "articles/")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range sources {
		id, file, _ := strings.Cut(strings.TrimPrefix(info.Key, "articles/"), "/")
		if file != "source.json" {
			continue
		}
		if _, err := db.Conn().Article(ctx, id); errors.Is(err, sqldb.ErrNotFound) {
			out = append(out, info.Key)
		} else if err != nil {
			t.Fatal(err)
		}
	}
	var staged int
	if err := db.Conn().QueryRow(ctx, `SELECT COUNT(*) FROM staged_sources`).Scan(&staged); err != nil {
		t.Fatal(err)
	}
	if staged > 0 {
		out = append(out, fmt.Sprintf("%d staged sources", staged))
	}
	segs, err := storage.ListAll(ctx, store, "segments/")
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range segs {
		name := info.Key[strings.LastIndex(info.Key, "/")+1:]
		if !used[strings.TrimSuffix(strings.TrimSuffix(name, ".mp3"), ".json")] {
			out = append(out, info.Key)
		}
	}
	return out
}
