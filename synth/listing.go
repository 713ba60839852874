package synth

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
)

// Summary is one article as listings and feeds show it.
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
	PublishedAt time.Time `json:"published_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Published reports whether the article belongs in feeds: it has audio
// that passed preflight.
func (s Summary) Published() bool { return s.AudioKey != "" && s.Preflight == "" }

func summaryFromRow(r sqldb.ArticleWithVersion) Summary {
	return Summary{
		ID: r.ID, Title: r.Title, Lead: r.Lead, Status: Status(r.Status), Feed: r.Feed, Link: r.Link, GUID: r.GUID,
		Voice: r.Voice, Revision: r.Revision, Version: r.CurrentVersion, AudioKey: r.AudioKey, VTTKey: r.VTTKey,
		ChaptersKey: r.ChaptersKey, Bytes: r.Bytes, DurationMS: r.DurationMS, Preflight: r.VersionPreflight, Error: r.Error,
		PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// ListFilter selects articles for the editor listing.
type ListFilter struct {
	Status Status
	Feed   string
	Voice  string
	Since  time.Time // published at or after
	Until  time.Time // published before
	// Query matches title, lead and id, ignoring case and diacritics
	// ("ha noi" finds "Hà Nội"); every word must appear.
	Query  string
	Cursor string // next_cursor of the previous page; replaces Offset
	Offset int
	Limit  int // default 50, at most 500
}

// MaxListTotal bounds the count behind a listing's total: counting stops
// there, so the first page costs the same at 100,000 articles as at 10,000.
const MaxListTotal = 10_000

// MaxSearchTotal bounds the count behind a search's total. A broad query
// ("ha noi") matches a quarter of the archive, and counting 10,000 matches
// costs more than finding the page; an editor refines a search long before
// reading a thousand results, so "1,000+" says all that is needed.
const MaxSearchTotal = 1_000

// ListResult is one page of articles, newest first.
type ListResult struct {
	Articles []Summary `json:"articles"`
	Total    int       `json:"total"`
	// TotalCapped: more articles match than are counted (MaxListTotal, or
	// MaxSearchTotal for a search); Total is then that bound.
	TotalCapped bool   `json:"total_capped,omitempty"`
	Offset      int    `json:"offset"`
	Limit       int    `json:"limit"`
	NextCursor  string `json:"next_cursor,omitempty"`
}

func encodeCursor(s Summary) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(s.PublishedAt.UnixMicro(), 10) + ":" + s.ID))
}

func decodeCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		us, id, ok := strings.Cut(string(raw), ":")
		if n, perr := strconv.ParseInt(us, 10, 64); ok && perr == nil && id != "" {
			return time.UnixMicro(n).UTC(), id, nil
		}
	}
	return time.Time{}, "", invalid(fmt.Sprintf("cursor %q is not one this server gave (use next_cursor of the previous page)", c))
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
	countCap := MaxListTotal
	if strings.TrimSpace(f.Query) != "" {
		countCap = MaxSearchTotal
	}
	q := sqldb.ArticleFilter{
		Status: string(f.Status), Feed: f.Feed, Voice: f.Voice, Since: f.Since, Until: f.Until,
		Search: f.Query, Offset: f.Offset, Limit: f.Limit + 1, CountUpTo: countCap + 1,
	}
	if f.Cursor != "" {
		t, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return ListResult{}, err
		}
		q.AfterTime, q.AfterID, q.HasCursor, q.Offset = t, id, true, 0
		f.Offset = 0
	}
	rows, total, err := s.db.Conn().Articles(ctx, q)
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{Total: min(total, countCap), TotalCapped: total > countCap, Offset: f.Offset, Limit: f.Limit, Articles: make([]Summary, 0, len(rows))}
	for i, r := range rows {
		if i == f.Limit {
			res.NextCursor = encodeCursor(res.Articles[len(res.Articles)-1])
			break
		}
		res.Articles = append(res.Articles, summaryFromRow(r))
	}
	return res, nil
}

// FeedPage is one page of a feed's listed articles (published audio with a
// size and a duration), newest first, and the feed as a whole.
type FeedPage struct {
	Articles []Summary
	Items    int       // listed articles over all pages
	Updated  time.Time // newest update among them; zero when there is none
	Newest   time.Time // newest publication among them
}

// PublishedPage reads page number (1-based) of size articles of feed (""
// or "all" = every feed) from the catalog: only that page's rows and one
// aggregate, so a feed costs the same at 100,000 articles as at 100.
func (s *Service) PublishedPage(ctx context.Context, feed string, number, size int) (FeedPage, error) {
	if feed == "all" {
		feed = ""
	}
	if number < 1 || size < 1 {
		return FeedPage{}, invalid(fmt.Sprintf("feed page %d of size %d does not exist", number, size))
	}
	c := s.db.Conn()
	st, err := c.FeedStats(ctx, feed)
	if err != nil {
		return FeedPage{}, err
	}
	rows, _, err := c.Articles(ctx, sqldb.ArticleFilter{Feed: feed, Listed: true, Offset: (number - 1) * size, Limit: size})
	if err != nil {
		return FeedPage{}, err
	}
	out := FeedPage{Articles: make([]Summary, 0, len(rows)), Items: st.Items, Updated: st.Updated, Newest: st.Newest}
	for _, r := range rows {
		out.Articles = append(out.Articles, summaryFromRow(r))
	}
	return out, nil
}

// eachArticle calls fn for every article matching f, newest first, a page
// at a time, until fn returns false.
func (s *Service) eachArticle(ctx context.Context, f sqldb.ArticleFilter, fn func(Summary) bool) error {
	f.Limit = 500
	for {
		rows, _, err := s.db.Conn().Articles(ctx, f)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if !fn(summaryFromRow(r)) {
				return nil
			}
		}
		if len(rows) < f.Limit {
			return nil
		}
		last := rows[len(rows)-1]
		f.AfterTime, f.AfterID, f.HasCursor = last.PublishedAt, last.ID, true
	}
}

// Feeds names every feed that has at least one article.
func (s *Service) Feeds(ctx context.Context) ([]string, error) {
	return s.db.Conn().Feeds(ctx)
}
