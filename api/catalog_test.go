package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
	"github.com/loa-audio/loa/synth/article"
)

type listPage struct {
	Articles []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Voice string `json:"voice"`
	} `json:"articles"`
	Total       int    `json:"total"`
	TotalCapped bool   `json:"total_capped"`
	NextCursor  string `json:"next_cursor"`
	Next        string `json:"next"`
}

func (p listPage) ids() []string {
	var out []string
	for _, a := range p.Articles {
		out = append(out, a.ID)
	}
	return out
}

// TestEditorsFindArticles: diacritic-insensitive search over title, lead
// and id, filters, and keyset pages that neither skip nor repeat, on both
// engines.
func TestEditorsFindArticles(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, NoWorkers: true})
		const voice = "vi-vn-x-south" // one of espeak's, not the default
		day := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		for i, a := range []map[string]string{
			{"id": "hn-1", "title": "Hà Nội mưa lớn", "text": "Mưa suốt đêm."},
			{"id": "dn-1", "title": "Đà Nẵng nắng đẹp", "text": "Trời trong xanh.", "feed": "mien-trung"},
			{"id": "kt-1", "html": "<html><body><article><h1>Kinh tế</h1><p><b>Giá vàng ở Hà Nội tăng.</b></p><p>Người mua đông.</p></article></body></html>", "voice": voice},
			{"id": "hcm-1", "title": "Sài Gòn kẹt xe", "text": "Đường đông."},
			{"id": "x-1", "text": "Một."}, {"id": "x-2", "text": "Hai."}, {"id": "x-3", "text": "Ba."},
		} {
			a["published_at"] = day.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
			if code := h.Do("POST", "/api/v1/articles", a, nil); code != 202 {
				t.Fatalf("POST %s: %d", a["id"], code)
			}
		}
		list := func(q url.Values) listPage {
			t.Helper()
			var p listPage
			if code := h.Do("GET", "/api/v1/articles?"+q.Encode(), nil, &p); code != 200 {
				t.Fatalf("GET ?%s: %d", q.Encode(), code)
			}
			return p
		}
		for q, want := range map[string][]string{
			"ha noi":   {"kt-1", "hn-1"}, // the lead of one, the title of the other
			"HÀ NỘI":   {"kt-1", "hn-1"},
			"da nang":  {"dn-1"},
			"hcm":      {"hcm-1"}, // the id
			"mua lon":  {"hn-1"},
			"noi gion": nil,
		} {
			if got := list(url.Values{"q": {q}}).ids(); !slices.Equal(got, want) {
				t.Errorf("q=%q: %v, want %v", q, got, want)
			}
		}
		if got := list(url.Values{"feed": {"mien-trung"}}).ids(); !slices.Equal(got, []string{"dn-1"}) {
			t.Errorf("feed filter: %v", got)
		}
		if got := list(url.Values{"voice": {voice}}).ids(); !slices.Equal(got, []string{"kt-1"}) {
			t.Errorf("voice filter: %v", got)
		}
		if got := list(url.Values{"since": {day.Add(time.Hour).Format(time.RFC3339)}, "until": {day.Add(3 * time.Hour).Format(time.RFC3339)}}).ids(); !slices.Equal(got, []string{"kt-1", "dn-1"}) {
			t.Errorf("date range: %v", got)
		}
		if got := list(url.Values{"status": {"queued"}}); got.Total != 7 {
			t.Errorf("status filter: %d queued", got.Total)
		}

		// Keyset pages: newest first, each article once, the last page
		// without a cursor.
		var seen []string
		q := url.Values{"limit": {"3"}}
		for pages := 0; ; pages++ {
			p := list(q)
			seen = append(seen, p.ids()...)
			if p.NextCursor == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pages never end")
			}
			q.Set("cursor", p.NextCursor)
		}
		if want := []string{"x-3", "x-2", "x-1", "hcm-1", "kt-1", "dn-1", "hn-1"}; !slices.Equal(seen, want) {
			t.Errorf("pages: %v, want %v", seen, want)
		}
		var e struct{ Error string }
		if code := h.Do("GET", "/api/v1/articles?cursor=bm90LWEtY3Vyc29y", nil, &e); code != 400 || e.Error == "" {
			t.Errorf("bad cursor: %d %q", code, e.Error)
		}
	})
}

// TestDeleteTakesDownEverything: DELETE removes the article's source,
// page, audio and timings, and the segments no other article uses, while
// a segment another article shares stays; on both engines.
func TestDeleteTakesDownEverything(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db})
		ctx := context.Background()
		h.Do("POST", "/api/v1/articles", map[string]string{"id": "keep", "text": "Giá xăng tăng mạnh."}, nil)
		h.Do("POST", "/api/v1/articles", map[string]string{"id": "gone", "text": "Giá xăng tăng mạnh. Hà Nội mưa lớn."}, nil)
		keep := h.WaitStatus("keep", article.StatusReady, time.Minute)
		gone := h.WaitStatus("gone", article.StatusReady, time.Minute)
		keepSegs, _ := db.Conn().VersionSegments(ctx, "keep", keep.Version)
		goneSegs, _ := db.Conn().VersionSegments(ctx, "gone", gone.Version)
		var only []string
		for _, s := range goneSegs {
			if !slices.Contains(keepSegs, s) {
				only = append(only, s)
			}
		}
		if len(keepSegs) == 0 || len(only) == 0 || len(only) == len(goneSegs) {
			t.Fatalf("segments: keep %v, gone %v", keepSegs, goneSegs)
		}
		if code := h.Do("DELETE", "/api/v1/articles/gone", nil, nil); code != 204 {
			t.Fatalf("DELETE: %d", code)
		}
		left := func() []string {
			var out []string
			for _, prefix := range []string{"articles/gone/", "audio/gone/"} {
				infos, err := storage.ListAll(ctx, h.Store, prefix)
				if err != nil {
					t.Fatal(err)
				}
				for _, i := range infos {
					out = append(out, i.Key)
				}
			}
			for _, s := range only {
				if ok, _ := storage.Exists(ctx, h.Store, "segments/"+s[:2]+"/"+s+".mp3"); ok {
					out = append(out, s)
				}
			}
			return out
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(left()) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("after DELETE these remain: %v", left())
			}
			time.Sleep(100 * time.Millisecond)
		}
		for _, s := range keepSegs {
			if ok, _ := storage.Exists(ctx, h.Store, "segments/"+s[:2]+"/"+s+".mp3"); !ok {
				t.Errorf("segment %s of the kept article was deleted", s)
			}
		}
		if resp, body := get(t, h.URL+"/audio/keep.mp3"); resp.StatusCode != 200 || int64(len(body)) != keep.Bytes {
			t.Fatalf("kept article's audio: %d", resp.StatusCode)
		}
		if code := h.Do("GET", "/api/v1/articles/gone", nil, nil); code != 404 {
			t.Fatalf("deleted article: %d", code)
		}
	})
}

// TestListingTotalsStopCounting: a listing counts up to MaxListTotal, a
// search only up to MaxSearchTotal (a broad query must not cost a count of
// the archive); below the bound the total is exact.
func TestListingTotalsStopCounting(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		h := apitest.New(t, apitest.Options{DB: db, NoWorkers: true})
		ctx := context.Background()
		n := article.MaxSearchTotal + 50
		err := db.InTx(ctx, func(tx sqldb.Conn) error {
			for i := range n {
				at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
				a := sqldb.ArticleRow{ID: fmt.Sprintf("dem-%05d", i), Title: "Hà Nội đếm " + fmt.Sprint(i), Status: "ready", Revision: 1,
					GUID: fmt.Sprint(i), PublishedAt: at, CreatedAt: at, UpdatedAt: at}
				if _, err := tx.InsertArticle(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]listPage{
			"":                             {Total: n},
			"q=ha+noi":                     {Total: article.MaxSearchTotal, TotalCapped: true},
			"q=dem-0010":                   {Total: 10}, // dem-00100 … dem-00109
			fmt.Sprintf("q=dem-%05d", n-1): {Total: 1},
		} {
			var p listPage
			if code := h.Do("GET", "/api/v1/articles?"+q, nil, &p); code != 200 {
				t.Fatalf("GET ?%s: %d", q, code)
			}
			if p.Total != want.Total || p.TotalCapped != want.TotalCapped {
				t.Errorf("?%s: total %d capped %v, want %d capped %v", q, p.Total, p.TotalCapped, want.Total, want.TotalCapped)
			}
		}
	})
}
