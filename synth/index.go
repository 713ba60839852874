package synth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/loa-audio/loa/storage"
)

// Summary is one article's entry in the index that listings and feeds read.
type Summary struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Lead        string    `json:"lead,omitempty"`
	Status      Status    `json:"status"`
	Feed        string    `json:"feed,omitempty"`
	Link        string    `json:"link,omitempty"`
	GUID        string    `json:"guid"`
	Voice       string    `json:"voice,omitempty"`
	Revision    int       `json:"revision"`
	Version     string    `json:"version,omitempty"`
	AudioKey    string    `json:"audio_key,omitempty"`
	VTTKey      string    `json:"vtt_key,omitempty"`
	ChaptersKey string    `json:"chapters_key,omitempty"`
	Bytes       int64     `json:"bytes,omitempty"`
	DurationMS  int64     `json:"duration_ms,omitempty"`
	Preflight   string    `json:"preflight,omitempty"`
	Error       string    `json:"error,omitempty"`
	Retired     int       `json:"retired,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Published reports whether the article belongs in feeds: it has audio
// that passed preflight.
func (s Summary) Published() bool { return s.AudioKey != "" && s.Preflight == "" }

func summarize(m Manifest) Summary {
	s := Summary{
		ID: m.ID, Title: m.Title, Lead: m.Lead, Status: m.Status, Feed: m.Feed, Link: m.Link, GUID: m.GUID,
		Voice: m.Voice, Revision: m.Revision, Error: m.Error, Retired: len(m.Retired),
		PublishedAt: m.PublishedAt, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if v := m.Current; v != nil {
		s.Version, s.AudioKey, s.VTTKey, s.ChaptersKey = v.ID, v.AudioKey, v.VTTKey, v.ChaptersKey
		s.Bytes, s.DurationMS, s.Preflight = v.Bytes, v.DurationMS, v.Preflight
	}
	return s
}

const indexKey = "index/articles.json"

// indexDoc is the stored index: every article's summary in one object, so a
// listing or a feed is one read, shared by every node through the store.
type indexDoc struct {
	Articles map[string]Summary `json:"articles"`
}

// index caches the stored index by ETag; writes go through compare-and-swap.
type index struct {
	store storage.Store
	mu    sync.Mutex
	etag  string
	doc   indexDoc
	read  time.Time
}

func (x *index) put(ctx context.Context, s Summary) error {
	return x.update(ctx, func(d *indexDoc) { d.Articles[s.ID] = s })
}

func (x *index) remove(ctx context.Context, id string) error {
	return x.update(ctx, func(d *indexDoc) { delete(d.Articles, id) })
}

func (x *index) update(ctx context.Context, fn func(*indexDoc)) error {
	var saved indexDoc
	info, err := updateJSON(ctx, x.store, indexKey, func(d *indexDoc, _ bool) error {
		if d.Articles == nil {
			d.Articles = map[string]Summary{}
		}
		fn(d)
		saved = *d
		return nil
	})
	if err != nil {
		return fmt.Errorf("update article index: %w", err)
	}
	x.mu.Lock()
	x.doc, x.etag, x.read = saved, info.ETag, time.Now()
	x.mu.Unlock()
	return nil
}

// snapshot returns the index, re-reading it only when its ETag changed (and
// at most every 200 ms), since other nodes write it too.
func (x *index) snapshot(ctx context.Context) (indexDoc, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.doc.Articles != nil && time.Since(x.read) < 200*time.Millisecond {
		return x.doc, nil
	}
	info, err := x.store.Stat(ctx, indexKey)
	if errors.Is(err, storage.ErrNotFound) {
		x.doc, x.etag, x.read = indexDoc{Articles: map[string]Summary{}}, "", time.Now()
		return x.doc, nil
	}
	if err != nil {
		return indexDoc{}, fmt.Errorf("stat article index: %w", err)
	}
	if info.ETag == x.etag && x.doc.Articles != nil {
		x.read = time.Now()
		return x.doc, nil
	}
	var d indexDoc
	info, err = storage.GetJSON(ctx, x.store, indexKey, &d)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return indexDoc{}, fmt.Errorf("read article index: %w", err)
	}
	if d.Articles == nil {
		d.Articles = map[string]Summary{}
	}
	x.doc, x.etag, x.read = d, info.ETag, time.Now()
	return d, nil
}

func (x *index) all(ctx context.Context) ([]Summary, error) {
	d, err := x.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(d.Articles))
	for _, s := range d.Articles {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PublishedAt.Equal(out[j].PublishedAt) {
			return out[i].PublishedAt.After(out[j].PublishedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// ListFilter selects articles for the editor listing.
type ListFilter struct {
	Status Status
	Feed   string
	Since  time.Time // published at or after
	Until  time.Time // published before
	Query  string    // case-insensitive substring of the title or id
	Offset int
	Limit  int // default 50, at most 500
}

// ListResult is one page of articles, newest first.
type ListResult struct {
	Articles []Summary `json:"articles"`
	Total    int       `json:"total"`
	Offset   int       `json:"offset"`
	Limit    int       `json:"limit"`
}

// List returns articles matching f, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) (ListResult, error) {
	switch f.Status {
	case "", StatusQueued, StatusSynthesizing, StatusReady, StatusFailed:
	default:
		return ListResult{}, invalid(fmt.Sprintf("unknown status %q (queued, synthesizing, ready, failed)", f.Status))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		return ListResult{}, invalid("limit must be at most 500")
	}
	if f.Offset < 0 {
		return ListResult{}, invalid("offset must not be negative")
	}
	all, err := s.index.all(ctx)
	if err != nil {
		return ListResult{}, err
	}
	q := strings.ToLower(f.Query)
	var hits []Summary
	for _, a := range all {
		if (f.Status != "" && a.Status != f.Status) || (f.Feed != "" && a.Feed != f.Feed) ||
			(!f.Since.IsZero() && a.PublishedAt.Before(f.Since)) || (!f.Until.IsZero() && !a.PublishedAt.Before(f.Until)) ||
			(q != "" && !strings.Contains(strings.ToLower(a.Title), q) && !strings.Contains(strings.ToLower(a.ID), q)) {
			continue
		}
		hits = append(hits, a)
	}
	res := ListResult{Total: len(hits), Offset: f.Offset, Limit: f.Limit, Articles: []Summary{}}
	if f.Offset < len(hits) {
		res.Articles = hits[f.Offset:min(len(hits), f.Offset+f.Limit)]
	}
	return res, nil
}

// Published returns every article with audio that passed preflight, newest
// first, optionally only those of one feed ("" or "all" = every feed).
func (s *Service) Published(ctx context.Context, feed string) ([]Summary, error) {
	all, err := s.index.all(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, a := range all {
		if a.Published() && (feed == "" || feed == "all" || a.Feed == feed) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Feeds names every feed that has at least one article.
func (s *Service) Feeds(ctx context.Context) ([]string, error) {
	all, err := s.index.all(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range all {
		if a.Feed != "" && !seen[a.Feed] {
			seen[a.Feed] = true
			out = append(out, a.Feed)
		}
	}
	sort.Strings(out)
	return out, nil
}
