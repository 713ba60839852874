package feed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/web"
	"github.com/loa-audio/loa/web/feed"
)

// misreportingStore reports one article's audio one byte larger than it
// is, as a store with a broken upload would, so its preflight fails.
type misreportingStore struct {
	storage.Store
	prefix string
}

func (s misreportingStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	info, err := s.Store.Stat(ctx, key)
	if err == nil && strings.HasPrefix(key, s.prefix) && strings.HasSuffix(key, ".mp3") {
		info.Size++
	}
	return info, err
}

type recorder struct {
	mu     sync.Mutex
	events []article.Event
}

// NotifyTx records the event and queues nothing; the events it checks
// come from transactions that commit.
func (r *recorder) NotifyTx(_ context.Context, _ sqldb.Conn, ev article.Event) ([]river.InsertManyParams, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil, nil
}

func (r *recorder) ConfigureJobs(*river.Config) {}

func (r *recorder) has(typ, id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		if ev.Type == typ && ev.ArticleID == id {
			return true
		}
	}
	return false
}

func get(t *testing.T, method, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// checkHeadAndRange asserts what Apple checks on enclosures and artwork:
// HEAD gives the length, and Range: bytes=0-1 gives exactly two bytes.
func checkHeadAndRange(t *testing.T, url, ctype string, length int64) {
	t.Helper()
	resp, body := get(t, http.MethodHead, url, nil)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != length || resp.Header.Get("Content-Type") != ctype {
		t.Errorf("HEAD %s: %d, %d body bytes, Content-Length %d (want %d), type %q", url, resp.StatusCode, len(body), resp.ContentLength, length, resp.Header.Get("Content-Type"))
	}
	resp, body = get(t, http.MethodGet, url, map[string]string{"Range": "bytes=0-1"})
	if resp.StatusCode != http.StatusPartialContent || len(body) != 2 || resp.Header.Get("Content-Range") != "bytes 0-1/"+strconv.FormatInt(length, 10) {
		t.Errorf("GET %s Range 0-1: %d, %d bytes, Content-Range %q", url, resp.StatusCode, len(body), resp.Header.Get("Content-Range"))
	}
}

type feedArticle struct {
	id, title, feed, link string
	text, html            string
	at                    time.Time
}

func (a feedArticle) submission() map[string]any {
	sub := map[string]any{"id": a.id, "title": a.title, "published_at": a.at}
	if a.text != "" {
		sub["text"] = a.text
	} else {
		sub["html"] = a.html
	}
	if a.feed != "" {
		sub["feed"] = a.feed
	}
	if a.link != "" {
		sub["link"] = a.link
	}
	return sub
}

// TestFeedsEndToEnd runs the real service (espeak-ng, pipeline, store,
// API) and reads its feeds the way podcast apps and directories do.
func TestFeedsEndToEnd(t *testing.T) {
	ffprobe := testenv.LookPath(t, "ffprobe")
	local, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	events := &recorder{}
	settings := web.FeedSettings{
		Title: "Loa & <Tin nóng>", Description: "Tin tức đọc thành tiếng", Link: "https://news.example.vn/",
		Category: "News/Daily News", Author: "Toà soạn", OwnerName: "Ban biên tập", OwnerEmail: "podcast@example.vn",
		Copyright: "© 2025 Example", Type: "episodic", PageSize: 2, Locked: true, Publisher: "Example",
	}
	srv := apitest.New(t, apitest.Options{
		Store:    misreportingStore{Store: local, prefix: "audio/broken/"},
		Feeds:    settings,
		Notifier: events,
	})

	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	articles := []feedArticle{
		{id: "gia-vang", title: "Giá vàng & <USD> \"tăng\" 😀 שלום \x07", feed: "kinh-te", link: "https://news.example.vn/gia-vang",
			text: "Giá vàng hôm nay tăng mạnh. Người dân đổ xô đi mua.", at: t0},
		{id: "the-gioi-1", title: "Tin thế giới", feed: "the-gioi", at: t0.Add(time.Hour),
			html: "<article><h1>Tin thế giới</h1><p>Mở đầu bản tin.</p><h2>Châu Á</h2><p>Trời mưa lớn ở Hà Nội.</p><h2>Châu Âu</h2><p>Trời nắng ở Paris.</p></article>"},
		{id: "thoi-tiet", title: "Thời tiết", text: "Ngày mai trời nắng. Nhiệt độ cao nhất ba mươi độ.", at: t0.Add(2 * time.Hour)},
		{id: "broken", title: "Bài lỗi", text: "Bài này có âm thanh hỏng.", at: t0.Add(3 * time.Hour)},
	}
	for _, a := range articles {
		if code := srv.Do("POST", "/api/v1/articles", a.submission(), nil); code != http.StatusAccepted {
			t.Fatalf("create %s: status %d", a.id, code)
		}
	}
	for _, a := range articles {
		want := article.StatusReady
		if a.id == "broken" {
			want = article.StatusFailed // its audio never passes preflight
		}
		srv.WaitStatus(a.id, want, 90*time.Second)
	}

	t.Run("failed preflight keeps an article out and tells editors", func(t *testing.T) {
		var st article.State
		srv.Do("GET", "/api/v1/articles/broken", nil, &st)
		if !strings.Contains(st.Preflight, "bytes") {
			t.Errorf("editor view of the broken article: preflight %q, want the size mismatch", st.Preflight)
		}
		// The event follows the state change that WaitStatus saw.
		for deadline := time.Now().Add(10 * time.Second); !events.has("audio.failed", "broken") && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if !events.has("audio.failed", "broken") || events.has("audio.ready", "broken") {
			t.Error("no audio.failed event (or an audio.ready one) for the broken article")
		}
	})

	all := fetchAll(t, srv.URL+"/feeds/all.xml")
	if len(all) != 3 {
		t.Fatalf("all.xml lists %d articles over its pages, want 3 (the broken one left out)", len(all))
	}
	byID := map[string]feedItem{}
	for i, it := range all {
		want := articles[2-i] // newest first
		if !strings.Contains(it.link, want.id) && it.link != want.link {
			t.Errorf("item %d link %q, want article %s", i, it.link, want.id)
		}
		byID[articles[2-i].id] = it
	}
	published, err := srv.Service.Catalog.PublishedPage(context.Background(), "", 1, 100)
	if err != nil || published.Items != 3 || len(published.Articles) != 3 {
		t.Fatalf("published page: %+v, %v", published, err)
	}
	for _, s := range published.Articles {
		if it, ok := byID[s.ID]; !ok || it.guid != s.GUID {
			t.Errorf("article %s: feed guid %q, want its assigned guid %q", s.ID, it.guid, s.GUID)
		}
	}

	t.Run("enclosures are the stored objects and answer HEAD and Range", func(t *testing.T) {
		for id, it := range byID {
			key := strings.TrimPrefix(it.enclosure, srv.URL+"/")
			info, err := local.Stat(context.Background(), key)
			if err != nil {
				t.Fatalf("%s: enclosure %s is not a stored object: %v", id, it.enclosure, err)
			}
			if it.length != info.Size {
				t.Errorf("%s: enclosure length %d, object is %d bytes", id, it.length, info.Size)
			}
			checkHeadAndRange(t, it.enclosure, "audio/mpeg", info.Size)
			// The duration podcast apps show must be the audio's.
			out, err := exec.CommandContext(t.Context(), ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", it.enclosure).Output()
			if err != nil {
				t.Fatalf("ffprobe %s: %v", it.enclosure, err)
			}
			secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
			if err != nil || secs < 0.5 || abs(secs-float64(it.duration)) > 1 {
				t.Errorf("%s: itunes:duration %d s, ffprobe says %q", id, it.duration, out)
			}
		}
	})

	t.Run("transcripts and chapters are served with CORS", func(t *testing.T) {
		for id, it := range byID {
			resp, body := get(t, http.MethodGet, it.transcript, map[string]string{"Origin": "https://app.example"})
			if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "WEBVTT") || resp.Header.Get("Access-Control-Allow-Origin") == "" {
				t.Errorf("%s transcript %s: %d, CORS %q, body %.20q", id, it.transcript, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), body)
			}
		}
		chapters := byID["the-gioi-1"].chapters
		if chapters == "" {
			t.Fatal("the article with headings has no podcast:chapters")
		}
		resp, body := get(t, http.MethodGet, chapters, map[string]string{"Origin": "https://app.example"})
		var doc struct {
			Version  string `json:"version"`
			Chapters []struct {
				StartTime float64 `json:"startTime"`
				Title     string  `json:"title"`
			} `json:"chapters"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil || doc.Version == "" || len(doc.Chapters) < 2 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("chapters %s: %d %s", chapters, resp.StatusCode, body)
		}
		if byID["thoi-tiet"].chapters != "" {
			t.Error("an article without headings lists chapters")
		}
	})

	t.Run("hostile title survives escaped, without control characters", func(t *testing.T) {
		if got, want := byID["gia-vang"].title, "Giá vàng & <USD> \"tăng\" 😀 שלום"; got != want {
			t.Errorf("title %q, want %q", got, want)
		}
	})

	t.Run("named feeds", func(t *testing.T) {
		items := fetchAll(t, srv.URL+"/feeds/the-gioi.xml")
		if len(items) != 1 || items[0].guid != byID["the-gioi-1"].guid {
			t.Errorf("the-gioi.xml lists %+v", items)
		}
		for path, want := range map[string]int{
			"/feeds/khong-co.xml":      404, // a valid name without articles
			"/feeds/Kinh_Te.xml":       404,
			"/feeds/kinh-te":           404,
			"/feeds/all.xml?page=9":    404,
			"/feeds/all.xml?page=zero": 400,
			"/feeds/all.xml?page=0":    400,
		} {
			if resp, _ := get(t, http.MethodGet, srv.URL+path, nil); resp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})

	t.Run("HTTP caching, HEAD and Range on the feed", func(t *testing.T) {
		url := srv.URL + "/feeds/all.xml"
		resp, body := get(t, http.MethodGet, url, nil)
		etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.Header.Get("Content-Type") != "application/rss+xml; charset=utf-8" || etag == "" || modified == "" ||
			resp.Header.Get("Cache-Control") != "public, max-age=60" {
			t.Fatalf("feed headers %v", resp.Header)
		}
		for _, h := range []map[string]string{{"If-None-Match": etag}, {"If-Modified-Since": modified}} {
			if resp, body := get(t, http.MethodGet, url, h); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("conditional GET %v: %d with %d bytes, want 304", h, resp.StatusCode, len(body))
			}
		}
		if resp, _ := get(t, http.MethodGet, url, map[string]string{"If-None-Match": `"other"`}); resp.StatusCode != 200 {
			t.Errorf("GET with a stale ETag: %d, want 200", resp.StatusCode)
		}
		checkHeadAndRange(t, url, feed.ContentType, int64(len(body)))
	})

	t.Run("artwork", func(t *testing.T) {
		url := parseURL(t, srv.URL+"/feeds/all.xml").feed.ITunesExt.Image
		resp, body := get(t, http.MethodGet, url, nil)
		img, err := png.Decode(bytes.NewReader(body))
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("artwork %s: %d, %v", url, resp.StatusCode, err)
		}
		if b := img.Bounds(); b.Dx() != b.Dy() || b.Dx() < 1400 || b.Dx() > 3000 {
			t.Errorf("artwork is %v; Apple wants a square of 1400–3000 px", b)
		}
		if body[25] != 2 { // IHDR colour type: 2 is RGB without alpha
			t.Errorf("artwork PNG colour type %d, want 2 (RGB)", body[25])
		}
		checkHeadAndRange(t, url, "image/png", int64(len(body)))
	})

	t.Run("re-synthesis keeps the guid and moves the enclosure", func(t *testing.T) {
		before := byID["gia-vang"]
		oldTag, _ := get(t, http.MethodGet, srv.URL+"/feeds/all.xml?page=2", nil)
		edited := articles[0]
		edited.text = "Giá vàng hôm nay tăng rất mạnh. Người dân đổ xô đi mua vàng miếng."
		if code := srv.Do("PUT", "/api/v1/articles/gia-vang", edited.submission(), nil); code != http.StatusAccepted {
			t.Fatalf("update: status %d", code)
		}
		srv.WaitStatus("gia-vang", article.StatusReady, 90*time.Second)
		after := waitItem(t, srv.URL+"/feeds/all.xml?page=2", func(it feedItem) bool { return it.enclosure != before.enclosure })
		if after.guid != before.guid {
			t.Errorf("guid changed from %q to %q", before.guid, after.guid)
		}
		info, err := local.Stat(context.Background(), strings.TrimPrefix(after.enclosure, srv.URL+"/"))
		if err != nil || after.length != info.Size || after.length == before.length {
			t.Errorf("new enclosure %s: length %d, object %d (%v); old length %d", after.enclosure, after.length, info.Size, err, before.length)
		}
		for _, h := range []map[string]string{
			{"If-None-Match": oldTag.Header.Get("ETag")},
			{"If-Modified-Since": oldTag.Header.Get("Last-Modified")},
		} {
			if resp, _ := get(t, http.MethodGet, srv.URL+"/feeds/all.xml?page=2", h); resp.StatusCode != 200 {
				t.Errorf("feed answered %d to %v, the validator of its old content", resp.StatusCode, h)
			}
		}

		// Re-synthesizing unchanged text: same episode still.
		if code := srv.Do("POST", "/api/v1/articles/gia-vang/resynthesize", nil, nil); code/100 != 2 {
			t.Fatalf("resynthesize: status %d", code)
		}
		srv.WaitStatus("gia-vang", article.StatusReady, 90*time.Second)
		again := waitItem(t, srv.URL+"/feeds/all.xml?page=2", func(feedItem) bool { return true })
		if again.guid != before.guid {
			t.Errorf("guid changed on re-synthesis: %q, want %q", again.guid, before.guid)
		}
	})
}

func abs(x float64) float64 { return max(x, -x) }

// feedItem is what the end-to-end test follows of one item.
type feedItem struct {
	title, link, guid, enclosure, transcript, chapters string
	length, duration                                   int64
}

func parseURL(t *testing.T, url string) parsed {
	t.Helper()
	resp, body := get(t, http.MethodGet, url, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return parse(t, body)
}

// fetchAll walks a feed's pages by their rel="next" links, checking every
// page as a directory would, and returns the items in order.
func fetchAll(t *testing.T, url string) []feedItem {
	t.Helper()
	var out []feedItem
	first, _, _ := strings.Cut(url, "?") // every page names the podcast by its first page
	for page := 0; url != ""; page++ {
		if page > 10 {
			t.Fatal("rel=next links loop")
		}
		p := parseURL(t, url)
		appleChannel(t, p)
		pc := p.podcast.Channel
		if pc.GUID != wantGUID(first) || p.podcast.link("self") != url {
			t.Errorf("%s: podcast:guid %s (want %s), self %q", url, pc.GUID, wantGUID(first), p.podcast.link("self"))
		}
		if pc.Locked.Value != "yes" || pc.Medium != "podcast" {
			t.Errorf("%s: podcast:locked %q medium %q", url, pc.Locked.Value, pc.Medium)
		}
		if page > 0 && p.podcast.link("previous") == "" {
			t.Errorf("%s: no rel=previous link", url)
		}
		for i := range p.rss.Items {
			enc := appleItem(t, p, i)
			raw, pi := p.rss.Items[i], pc.Items[i]
			it := feedItem{title: raw.Title, link: raw.Link, guid: raw.GUID.Value, enclosure: enc.URL}
			it.length, _ = strconv.ParseInt(enc.Length, 10, 64)
			it.duration, _ = strconv.ParseInt(raw.ITunesExt.Duration, 10, 64)
			if len(pi.Transcript) != 1 || pi.Transcript[0].Type != "text/vtt" {
				t.Errorf("%s item %d transcript %+v", url, i, pi.Transcript)
			} else {
				it.transcript = pi.Transcript[0].URL
			}
			if len(pi.Chapters) == 1 {
				it.chapters = pi.Chapters[0].URL
			}
			out = append(out, it)
		}
		url = p.podcast.link("next")
	}
	return out
}

// waitItem polls a feed page until its last item satisfies ok: the article
// index is cached briefly, so a new version appears within a moment.
func waitItem(t *testing.T, url string, ok func(feedItem) bool) feedItem {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		items := fetchAll(t, url)
		if n := len(items); n > 0 && ok(items[n-1]) {
			return items[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no matching item after 10 s: %+v", url, items)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
