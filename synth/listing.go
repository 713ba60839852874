package synth

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

func summaryFromRow(r sqldb.ArticleWithVersion) article.Summary {
	return article.Summary{
		ID: r.ID, Title: r.Title, Lead: r.Lead, Status: article.Status(r.Status), Feed: r.Feed, Link: r.Link, GUID: r.GUID,
		Voice: r.Voice, Revision: r.Revision, Version: r.CurrentVersion, AudioKey: r.AudioKey, VTTKey: r.VTTKey,
		ChaptersKey: r.ChaptersKey, Bytes: r.Bytes, DurationMS: r.DurationMS, Preflight: r.VersionPreflight, Error: r.Error,
		PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func encodeCursor(s article.Summary) string {
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
	return time.Time{}, "", article.Invalid(fmt.Sprintf("cursor %q is not one this server gave (use next_cursor of the previous page)", c))
}

// List returns articles matching f, newest first.
func (s *Catalog) List(ctx context.Context, f article.ListFilter) (article.ListResult, error) {
	switch f.Status {
	case "", article.StatusQueued, article.StatusSynthesizing, article.StatusReady, article.StatusFailed:
	default:
		return article.ListResult{}, article.Invalid(fmt.Sprintf("unknown status %q (queued, synthesizing, ready, failed)", f.Status))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		return article.ListResult{}, article.Invalid("limit must be at most 500")
	}
	if f.Offset < 0 {
		return article.ListResult{}, article.Invalid("offset must not be negative")
	}
	countCap := article.MaxListTotal
	if strings.TrimSpace(f.Query) != "" {
		countCap = article.MaxSearchTotal
	}
	q := sqldb.ArticleFilter{
		Status: string(f.Status), Feed: f.Feed, Voice: f.Voice, Since: f.Since, Until: f.Until,
		Search: f.Query, Offset: f.Offset, Limit: f.Limit + 1, CountUpTo: countCap + 1,
	}
	if f.Cursor != "" {
		t, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return article.ListResult{}, err
		}
		q.AfterTime, q.AfterID, q.HasCursor, q.Offset = t, id, true, 0
		f.Offset = 0
	}
	rows, total, err := s.db.Conn().Articles(ctx, q)
	if err != nil {
		return article.ListResult{}, err
	}
	res := article.ListResult{Total: min(total, countCap), TotalCapped: total > countCap, Offset: f.Offset, Limit: f.Limit, Articles: make([]article.Summary, 0, len(rows))}
	for i, r := range rows {
		if i == f.Limit {
			res.NextCursor = encodeCursor(res.Articles[len(res.Articles)-1])
			break
		}
		res.Articles = append(res.Articles, summaryFromRow(r))
	}
	return res, nil
}

// PublishedPage reads page number (1-based) of size articles of feed (""
// or "all" = every feed) from the catalog: only that page's rows and one
// aggregate, so a feed costs the same at 100,000 articles as at 100.
func (s *Catalog) PublishedPage(ctx context.Context, feed string, number, size int) (article.FeedPage, error) {
	if feed == "all" {
		feed = ""
	}
	if number < 1 || size < 1 {
		return article.FeedPage{}, article.Invalid(fmt.Sprintf("feed page %d of size %d does not exist", number, size))
	}
	c := s.db.Conn()
	st, err := c.FeedStats(ctx, feed)
	if err != nil {
		return article.FeedPage{}, err
	}
	rows, _, err := c.Articles(ctx, sqldb.ArticleFilter{Feed: feed, Listed: true, Offset: (number - 1) * size, Limit: size})
	if err != nil {
		return article.FeedPage{}, err
	}
	out := article.FeedPage{Articles: make([]article.Summary, 0, len(rows)), Items: st.Items, Updated: st.Updated, Newest: st.Newest}
	for _, r := range rows {
		out.Articles = append(out.Articles, summaryFromRow(r))
	}
	return out, nil
}

// eachArticle calls fn for every article matching f, newest first, a page
// at a time, until fn returns false.
func (s *Catalog) eachArticle(ctx context.Context, f sqldb.ArticleFilter, fn func(article.Summary) bool) error {
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
func (s *Catalog) Feeds(ctx context.Context) ([]string, error) {
	return s.db.Conn().Feeds(ctx)
}
