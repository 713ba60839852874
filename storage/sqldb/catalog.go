package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold lowercases s and strips diacritics ("Hà Nội" → "ha noi", "Đà" →
// "da"): the form the search column and searches are compared in, the same
// on both engines.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(strings.NewReplacer("đ", "d", "Đ", "d").Replace(out))
}

// ArticleRow is one article in the catalog.
type ArticleRow struct {
	ID, SourceID, CanonicalURL, ContentHash string
	Feed, Title, Lead, Status               string
	Revision                                int
	Voice, Link, GUID, CurrentVersion       string
	Bytes, DurationMS                       int64
	SentencesTotal, SentencesDone           int
	SentencesSynthesized, SentencesCached   int
	Error, Preflight                        string
	JobID                                   int64
	Search                                  string // set on write from title, lead and id
	PublishedAt, CreatedAt, UpdatedAt       time.Time
}

// VersionRow is one rendering of an article; RetiredAt is zero while it is
// the article's current version.
type VersionRow struct {
	ArticleID, ID                             string
	Revision                                  int
	AudioKey, TimingsKey, VTTKey, ChaptersKey string
	Bytes, DurationMS                         int64
	Sentences                                 int
	Voices                                    string // JSON array
	Preflight                                 string
	PublishedAt, RetiredAt, GCAt              time.Time
}

const articleCols = `id, source_id, canonical_url, content_hash, feed, title, lead, status, revision, voice, link, guid,
current_version, bytes, duration_ms, sentences_total, sentences_done, sentences_synthesized, sentences_cached,
error, preflight, job_id, search, published_at, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanArticle(r scanner) (ArticleRow, error) {
	var a ArticleRow
	err := scanArticleInto(r, &a)
	return a, err
}

// scanArticleInto reads the article columns and then any more into extra.
func scanArticleInto(r scanner, a *ArticleRow, extra ...any) error {
	var pub, created, updated int64
	err := r.Scan(append([]any{&a.ID, &a.SourceID, &a.CanonicalURL, &a.ContentHash, &a.Feed, &a.Title, &a.Lead, &a.Status, &a.Revision,
		&a.Voice, &a.Link, &a.GUID, &a.CurrentVersion, &a.Bytes, &a.DurationMS, &a.SentencesTotal, &a.SentencesDone,
		&a.SentencesSynthesized, &a.SentencesCached, &a.Error, &a.Preflight, &a.JobID, &a.Search, &pub, &created, &updated}, extra...)...)
	a.PublishedAt, a.CreatedAt, a.UpdatedAt = fromMicros(pub), fromMicros(created), fromMicros(updated)
	return err
}

// collect reads every row of rows with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (a ArticleRow) values() []any {
	return []any{a.ID, a.SourceID, a.CanonicalURL, a.ContentHash, a.Feed, a.Title, a.Lead, a.Status, a.Revision,
		a.Voice, a.Link, a.GUID, a.CurrentVersion, a.Bytes, a.DurationMS, a.SentencesTotal, a.SentencesDone,
		a.SentencesSynthesized, a.SentencesCached, a.Error, a.Preflight, a.JobID, Fold(a.Title + " " + a.Lead + " " + a.ID),
		micros(a.PublishedAt), micros(a.CreatedAt), micros(a.UpdatedAt)}
}

// Article reads one article; ErrNotFound when there is none.
func (c Conn) Article(ctx context.Context, id string) (ArticleRow, error) {
	a, err := scanArticle(c.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE id = ?`, id))
	if isNoRows(err) {
		return ArticleRow{}, fmt.Errorf("%w: article %q", ErrNotFound, id)
	}
	if err != nil {
		return ArticleRow{}, fmt.Errorf("read article %s: %w", id, err)
	}
	return a, nil
}

// ArticleIDByURL is the id of the article stored under a canonical URL
// (the oldest when several share it); ErrNotFound when there is none.
func (c Conn) ArticleIDByURL(ctx context.Context, canonicalURL string) (string, error) {
	var id string
	err := c.QueryRow(ctx, `SELECT id FROM articles WHERE canonical_url = ? ORDER BY created_at, id LIMIT 1`, canonicalURL).Scan(&id)
	if isNoRows(err) {
		return "", fmt.Errorf("%w: article at %q", ErrNotFound, canonicalURL)
	}
	if err != nil {
		return "", fmt.Errorf("find article at %s: %w", canonicalURL, err)
	}
	return id, nil
}

// LockArticle reads an article and holds its row until the transaction
// ends, so concurrent changes to one id queue up. On PostgreSQL the read
// takes the row lock itself (FOR UPDATE writes no row version, unlike an
// UPDATE); a SQLite transaction holds the whole file from its start.
func (c Conn) LockArticle(ctx context.Context, id string) (ArticleRow, error) {
	if c.engine != Postgres {
		return c.Article(ctx, id)
	}
	a, err := scanArticle(c.QueryRow(ctx, `SELECT `+articleCols+` FROM articles WHERE id = ? FOR UPDATE`, id))
	if isNoRows(err) {
		return ArticleRow{}, fmt.Errorf("%w: article %q", ErrNotFound, id)
	}
	if err != nil {
		return ArticleRow{}, fmt.Errorf("lock article %s: %w", id, err)
	}
	return a, nil
}

// CreateArticle adds an article with its staged source; false when the id
// is taken (nothing is written then). On PostgreSQL the two rows go in one
// statement: one round trip of a submission's few.
func (c Conn) CreateArticle(ctx context.Context, a ArticleRow, src StagedSource) (bool, error) {
	if c.engine != Postgres {
		inserted, err := c.InsertArticle(ctx, a)
		if err != nil || !inserted {
			return inserted, err
		}
		return true, c.StageSource(ctx, a.ID, src.Token, src.Body, src.StagedAt)
	}
	res, err := c.Exec(ctx, `WITH created AS (`+insertArticle+` RETURNING id)
INSERT INTO staged_sources (article_id, token, body, staged_at) SELECT id, ?, ?, ? FROM created`,
		append(a.values(), src.Token, string(src.Body), micros(src.StagedAt))...)
	if err != nil {
		return false, fmt.Errorf("create article %s: %w", a.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// insertArticle adds an article row (ArticleRow.values) unless its id is
// taken.
var insertArticle = `INSERT INTO articles (` + articleCols + `) VALUES (` +
	strings.TrimSuffix(strings.Repeat("?, ", 26), ", ") + `) ON CONFLICT (id) DO NOTHING`

// InsertArticle adds an article; false when the id is taken (then the
// existing row stays locked until the transaction ends on PostgreSQL).
func (c Conn) InsertArticle(ctx context.Context, a ArticleRow) (bool, error) {
	res, err := c.Exec(ctx, insertArticle, a.values()...)
	if err != nil {
		return false, fmt.Errorf("insert article %s: %w", a.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SaveArticle writes every field of an existing article.
func (c Conn) SaveArticle(ctx context.Context, a ArticleRow) error {
	cols := strings.Split(strings.ReplaceAll(articleCols, "\n", " "), ",")
	sets := make([]string, 0, len(cols)-1)
	for _, col := range cols[1:] {
		sets = append(sets, strings.TrimSpace(col)+" = ?")
	}
	vals := a.values()
	res, err := c.Exec(ctx, `UPDATE articles SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(vals[1:], a.ID)...)
	if err != nil {
		return fmt.Errorf("save article %s: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: article %q", ErrNotFound, a.ID)
	}
	return nil
}

// SetProgress records sentences done while the revision is synthesizing;
// false when the article moved on. Progress is not a change of the article:
// updated_at stays, and because no indexed column changes, PostgreSQL
// rewrites the row in place (HOT) instead of adding an entry to each of
// the table's indexes, the search index's trigrams included, per report.
func (c Conn) SetProgress(ctx context.Context, id string, revision, done, total int) (bool, error) {
	res, err := c.Exec(ctx, `UPDATE articles SET sentences_done = ?, sentences_total = ?
WHERE id = ? AND revision = ? AND status = 'synthesizing'`, done, total, id, revision)
	if err != nil {
		return false, fmt.Errorf("record progress of %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteArticle removes the article row and retires its versions at
// retiredAt (the takedown collects them); false when there was none.
func (c Conn) DeleteArticle(ctx context.Context, id string, retiredAt time.Time) (bool, error) {
	res, err := c.Exec(ctx, `DELETE FROM articles WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("delete article %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := c.Exec(ctx, `UPDATE versions SET retired_at = ? WHERE article_id = ? AND retired_at = 0`, micros(retiredAt), id); err != nil {
		return false, fmt.Errorf("retire versions of %s: %w", id, err)
	}
	return true, nil
}

const versionCols = `article_id, id, revision, audio_key, timings_key, vtt_key, chapters_key, bytes, duration_ms,
sentences, voices, preflight, published_at, retired_at, gc_at`

func scanVersion(r scanner) (VersionRow, error) {
	var v VersionRow
	var pub, ret, gc int64
	err := r.Scan(&v.ArticleID, &v.ID, &v.Revision, &v.AudioKey, &v.TimingsKey, &v.VTTKey, &v.ChaptersKey, &v.Bytes,
		&v.DurationMS, &v.Sentences, &v.Voices, &v.Preflight, &pub, &ret, &gc)
	v.PublishedAt, v.RetiredAt, v.GCAt = fromMicros(pub), fromMicros(ret), fromMicros(gc)
	return v, err
}

func (c Conn) versions(ctx context.Context, where string, args ...any) ([]VersionRow, error) {
	rows, err := c.Query(ctx, `SELECT `+versionCols+` FROM versions WHERE `+where, args...)
	out, err := collect(rows, err, scanVersion)
	if err != nil {
		return nil, fmt.Errorf("read versions: %w", err)
	}
	return out, nil
}

// Versions lists an article's versions, current first, then retired ones
// oldest first.
func (c Conn) Versions(ctx context.Context, articleID string) ([]VersionRow, error) {
	return c.versions(ctx, `article_id = ? ORDER BY retired_at = 0 DESC, retired_at, id`, articleID)
}

// ErrCollecting means the version's objects are being deleted; publishing
// the same content must wait until they are gone and render it again.
var ErrCollecting = fmt.Errorf("%w: version is being garbage-collected", ErrConflict)

// PublishVersion makes v the article's current version and retires the
// previous one at now; segments are the hashes v's audio is made of.
func (c Conn) PublishVersion(ctx context.Context, v VersionRow, segments []string, now time.Time) error {
	var gcAt int64
	err := c.QueryRow(ctx, `SELECT gc_at FROM versions WHERE article_id = ? AND id = ?`, v.ArticleID, v.ID).Scan(&gcAt)
	switch {
	case err == nil && gcAt != 0:
		return ErrCollecting
	case err != nil && !isNoRows(err):
		return fmt.Errorf("read version %s of %s: %w", v.ID, v.ArticleID, err)
	}
	if _, err := c.Exec(ctx, `UPDATE versions SET retired_at = ? WHERE article_id = ? AND retired_at = 0 AND id <> ?`, micros(now), v.ArticleID, v.ID); err != nil {
		return fmt.Errorf("retire versions of %s: %w", v.ArticleID, err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO versions (`+versionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)
ON CONFLICT (article_id, id) DO UPDATE SET revision = excluded.revision, audio_key = excluded.audio_key,
timings_key = excluded.timings_key, vtt_key = excluded.vtt_key, chapters_key = excluded.chapters_key, bytes = excluded.bytes,
duration_ms = excluded.duration_ms, sentences = excluded.sentences, voices = excluded.voices, preflight = excluded.preflight,
published_at = excluded.published_at, retired_at = 0`,
		v.ArticleID, v.ID, v.Revision, v.AudioKey, v.TimingsKey, v.VTTKey, v.ChaptersKey, v.Bytes, v.DurationMS,
		v.Sentences, v.Voices, v.Preflight, micros(v.PublishedAt)); err != nil {
		return fmt.Errorf("save version %s of %s: %w", v.ID, v.ArticleID, err)
	}
	for _, h := range segments {
		if _, err := c.Exec(ctx, `INSERT INTO version_segments (article_id, version_id, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, v.ArticleID, v.ID, h); err != nil {
			return fmt.Errorf("save segments of %s: %w", v.ArticleID, err)
		}
	}
	return nil
}

// InsertVersion records a version as it is (the upgrade import).
func (c Conn) InsertVersion(ctx context.Context, v VersionRow) error {
	_, err := c.Exec(ctx, `INSERT INTO versions (`+versionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`,
		v.ArticleID, v.ID, v.Revision, v.AudioKey, v.TimingsKey, v.VTTKey, v.ChaptersKey, v.Bytes, v.DurationMS,
		v.Sentences, v.Voices, v.Preflight, micros(v.PublishedAt), micros(v.RetiredAt))
	if err != nil {
		return fmt.Errorf("save version %s of %s: %w", v.ID, v.ArticleID, err)
	}
	return nil
}

// RecordRetired records a version that was rendered but never published as
// retired at now, unless the article has it already (then it stays as it
// is: current, or retired earlier).
func (c Conn) RecordRetired(ctx context.Context, v VersionRow, now time.Time) error {
	v.RetiredAt = now
	return c.InsertVersion(ctx, v)
}

// VersionKey names one version of an article.
type VersionKey struct{ ArticleID, ID string }

// maxValues bounds the rows of one valuesTable: far below both engines'
// limits on bound parameters.
const maxValues = 500

// valuesTable is "(VALUES (?, …), …) AS t" of rows rows of width values:
// the caller's values as a table, columns column1, column2, … on both
// engines. Joined with EXISTS, each row is one index probe that stops at
// the first match, however many rows match.
func valuesTable(rows, width int) string {
	row := "(?" + strings.Repeat(", ?", width-1) + ")"
	return "(VALUES " + row + strings.Repeat(", "+row, rows-1) + ") AS t"
}

// ExistingVersions reports which of keys the catalog has a row for, a few
// queries for any number of keys.
func (c Conn) ExistingVersions(ctx context.Context, keys []VersionKey) (map[VersionKey]bool, error) {
	out := map[VersionKey]bool{}
	for batch := range slices.Chunk(keys, maxValues) {
		args := make([]any, 0, 2*len(batch))
		for _, k := range batch {
			args = append(args, k.ArticleID, k.ID)
		}
		rows, err := c.Query(ctx, `SELECT t.column1, t.column2 FROM `+valuesTable(len(batch), 2)+`
WHERE EXISTS (SELECT 1 FROM versions v WHERE v.article_id = t.column1 AND v.id = t.column2)`, args...)
		found, err := collect(rows, err, func(r scanner) (VersionKey, error) {
			var k VersionKey
			err := r.Scan(&k.ArticleID, &k.ID)
			return k, err
		})
		if err != nil {
			return nil, fmt.Errorf("check versions: %w", err)
		}
		for _, k := range found {
			out[k] = true
		}
	}
	return out, nil
}

// Collectable lists retired versions retired before cutoff (of one article,
// or of every article when articleID is empty), and versions whose
// collection started before stuckBefore but never finished.
func (c Conn) Collectable(ctx context.Context, articleID string, cutoff, stuckBefore time.Time, limit int) ([]VersionRow, error) {
	where := `retired_at <> 0 AND ((gc_at = 0 AND retired_at < ?) OR (gc_at <> 0 AND gc_at < ?))`
	args := []any{micros(cutoff), micros(stuckBefore)}
	if articleID != "" {
		where += ` AND article_id = ?`
		args = append(args, articleID)
	}
	return c.versions(ctx, where+` ORDER BY retired_at LIMIT ?`, append(args, limit)...)
}

// StartCollecting marks a retired version as being collected; false when
// it was published again meanwhile.
func (c Conn) StartCollecting(ctx context.Context, articleID, id string, now time.Time) (bool, error) {
	res, err := c.Exec(ctx, `UPDATE versions SET gc_at = ? WHERE article_id = ? AND id = ? AND retired_at <> 0`, micros(now), articleID, id)
	if err != nil {
		return false, fmt.Errorf("mark version %s of %s: %w", id, articleID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishCollecting forgets a collected version and its segment uses.
func (c Conn) FinishCollecting(ctx context.Context, articleID, id string) error {
	if _, err := c.Exec(ctx, `DELETE FROM version_segments WHERE article_id = ? AND version_id = ?`, articleID, id); err != nil {
		return fmt.Errorf("forget segments of %s: %w", articleID, err)
	}
	if _, err := c.Exec(ctx, `DELETE FROM versions WHERE article_id = ? AND id = ? AND gc_at <> 0`, articleID, id); err != nil {
		return fmt.Errorf("forget version %s of %s: %w", id, articleID, err)
	}
	return nil
}

// VersionSegments lists the segment hashes a version uses.
func (c Conn) VersionSegments(ctx context.Context, articleID, id string) ([]string, error) {
	return c.strings(ctx, `SELECT hash FROM version_segments WHERE article_id = ? AND version_id = ? ORDER BY hash`, articleID, id)
}

// UnusedSegments returns those of hashes no version uses, a few queries
// for any number of hashes.
func (c Conn) UnusedSegments(ctx context.Context, hashes []string) ([]string, error) {
	var out []string
	for batch := range slices.Chunk(hashes, maxValues) {
		args := make([]any, len(batch))
		for i, h := range batch {
			args[i] = h
		}
		unused, err := c.strings(ctx, `SELECT t.column1 FROM `+valuesTable(len(batch), 1)+`
WHERE NOT EXISTS (SELECT 1 FROM version_segments v WHERE v.hash = t.column1)`, args...)
		if err != nil {
			return nil, fmt.Errorf("check segments: %w", err)
		}
		out = append(out, unused...)
	}
	return out, nil
}

func (c Conn) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := c.Query(ctx, query, args...)
	return collect(rows, err, func(r scanner) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	})
}

// ArticleFilter selects articles for listings and feeds, newest first by
// (published_at, id). After is the keyset cursor: the last row of the
// previous page.
type ArticleFilter struct {
	Status    string
	Feed      string
	Voice     string
	Since     time.Time
	Until     time.Time
	Search    string // words that must each appear in title, lead or id, ignoring case and diacritics
	Published bool   // only articles with audio that passed preflight
	Listed    bool   // only published articles podcast apps may be offered (audio with a size and a duration)
	AfterTime time.Time
	AfterID   string
	HasCursor bool
	Offset    int
	Limit     int
	// CountUpTo > 0 counts matching articles, stopping at CountUpTo: an
	// exact COUNT(*) walks every match, which at 100,000 articles costs the
	// editors' first page more than the page itself.
	CountUpTo int
}

// ArticleWithVersion is a listing row: the article and its current
// version's object keys (empty without one).
type ArticleWithVersion struct {
	ArticleRow
	AudioKey, VTTKey, ChaptersKey, VersionPreflight string
}

// Articles lists articles matching f and, when asked, how many match (at
// most f.CountUpTo).
func (c Conn) Articles(ctx context.Context, f ArticleFilter) ([]ArticleWithVersion, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Status != "" {
		add(`a.status = ?`, f.Status)
	}
	if f.Feed != "" {
		add(`a.feed = ?`, f.Feed)
	}
	if f.Voice != "" {
		add(`a.voice = ?`, f.Voice)
	}
	if !f.Since.IsZero() {
		add(`a.published_at >= ?`, micros(f.Since))
	}
	if !f.Until.IsZero() {
		add(`a.published_at < ?`, micros(f.Until))
	}
	if f.Published || f.Listed {
		// A version becomes current only after passing preflight.
		add(`a.current_version <> ''`)
	}
	if f.Listed {
		add(listedCond)
	}
	// Then the search (the trigram index narrowing, LIKE deciding) and
	// the cursor, which the count leaves out.
	filters, filterArgs := slices.Clone(where), slices.Clone(args)
	words := strings.Fields(Fold(f.Search))
	match := c.trigramMatch(words)
	from := ` FROM articles a`
	if match != "" {
		// Joined, not IN (subquery): the index's rows stream, so a count
		// stops at its bound instead of first collecting every match.
		from = ` FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid`
		add(`articles_fts MATCH ?`, match)
	}
	// search tests every word on a row; rowChecks is what remains of it
	// once the index has matched.
	var search, rowChecks []string
	var searchArgs, rowArgs []any
	for _, w := range words {
		cond, arg := `a.search LIKE ? ESCAPE '\'`, any("%"+escapeLike(w)+"%")
		if !trigrams(w) {
			// A word shorter than a trigram as LIKE would make PostgreSQL
			// read the whole pg_trgm index (a pattern with no trigram
			// matches every entry): checked on the rows instead, a plain
			// substring test as the text and the word are both folded.
			cond, arg = c.containsCond(), w
		}
		search, searchArgs = append(search, cond), append(searchArgs, arg)
		if trigrams(w) && match != "" {
			// FTS5's trigram MATCH of a quoted word is itself the
			// substring test: testing it again on each candidate cost a
			// search's count at 100,000 articles a sixth of its time.
			// (pg_trgm's index only narrows; there LIKE decides.)
			continue
		}
		rowChecks, rowArgs = append(rowChecks, cond), append(rowArgs, arg)
	}
	where = append(where, rowChecks...)
	args = append(args, rowArgs...)
	if len(words) > 0 && c.engine == Postgres {
		// pgx prepares statements, and after five runs PostgreSQL may keep
		// a generic plan it estimates cheaper. For a LIKE pattern a generic
		// plan cannot tell a common word from a rare one: it read every
		// match through the trigram index, and at 1,000,000 articles the
		// search's count took 57 ms instead of 9 (a scan that stops at the
		// count's bound). A search is planned for its words on every run.
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	total := -1
	if f.CountUpTo > 0 {
		q := `SELECT COUNT(*) FROM (SELECT 1` + from + whereClause(where) + ` LIMIT ?) m`
		if err := c.QueryRow(ctx, q, append(slices.Clip(args), f.CountUpTo)...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count articles: %w", err)
		}
	}
	if f.HasCursor {
		// The first term lets the index start at the cursor; the OR alone
		// is checked row by row from the newest.
		t := micros(f.AfterTime)
		cursor := `a.published_at <= ? AND (a.published_at < ? OR (a.published_at = ? AND a.id > ?))`
		filters = append(filters, cursor)
		filterArgs = append(filterArgs, t, t, t, f.AfterID)
		add(cursor, t, t, t, f.AfterID)
	}
	cols := `SELECT ` + prefixed("a.", articleCols) + `, COALESCE(v.audio_key, ''), COALESCE(v.vtt_key, ''), COALESCE(v.chapters_key, ''), COALESCE(v.preflight, '')`
	const join = ` LEFT JOIN versions v ON v.article_id = a.id AND v.id = a.current_version`
	const order = ` ORDER BY a.published_at DESC, a.id`
	if match != "" {
		// SQLite's planner drives a search from the trigram index and sorts
		// every match, which costs as much as there are matches. When the
		// newest rows hold a page of matches, reading them in order is
		// cheaper: try that on a bounded window first; a full page from it
		// is exactly the page, else the index answers.
		q := cols + ` FROM (SELECT * FROM articles a` + whereClause(filters) + order + ` LIMIT ?) a` + join +
			whereClause(search) + order + ` LIMIT ? OFFSET ?`
		out, err := c.articlePage(ctx, q, slices.Concat(filterArgs, []any{searchProbeRows}, searchArgs, []any{f.Limit, f.Offset}))
		if err != nil || len(out) == f.Limit {
			return out, total, err
		}
	}
	out, err := c.articlePage(ctx, cols+from+join+whereClause(where)+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset))
	return out, total, err
}

// searchProbeRows is how many of the newest rows a search reads in order
// before it asks the trigram index: a few milliseconds' worth.
const searchProbeRows = 2000

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

func (c Conn) articlePage(ctx context.Context, q string, args []any) ([]ArticleWithVersion, error) {
	rows, err := c.Query(ctx, q, args...)
	out, err := collect(rows, err, func(sc scanner) (ArticleWithVersion, error) {
		var r ArticleWithVersion
		err := scanArticleInto(sc, &r.ArticleRow, &r.AudioKey, &r.VTTKey, &r.ChaptersKey, &r.VersionPreflight)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// trigramMatch is the FTS5 query finding, on SQLite, the rows that hold
// every word of three characters or more (a trigram index knows nothing
// shorter); "" when there is none, or on PostgreSQL, where pg_trgm's index
// serves the LIKE conditions themselves.
func (c Conn) trigramMatch(words []string) string {
	if c.engine != SQLite {
		return ""
	}
	var phrases []string
	for _, w := range words {
		if trigrams(w) {
			phrases = append(phrases, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
		}
	}
	return strings.Join(phrases, " AND ")
}

// trigrams reports whether a trigram index can find w: it has three
// characters or more.
func trigrams(w string) bool { return utf8.RuneCountInString(w) >= 3 }

// containsCond checks that a.search holds the argument as a substring
// without the help of an index.
func (c Conn) containsCond() string {
	if c.engine == Postgres {
		return `strpos(a.search, ?) > 0`
	}
	return `instr(a.search, ?) > 0`
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const listedCond = `a.bytes > 0 AND a.duration_ms > 0`

// FeedStats describes a feed's listed articles as a whole.
type FeedStats struct {
	Items           int
	Updated, Newest time.Time // zero when there is no item
}

// FeedStats counts the listed articles of feed ("" = every feed) and finds
// the newest update and publication among them, without reading them: the
// counts are kept per feed by triggers as articles change (migration
// 00005), the times come from partial indexes over listed articles.
func (c Conn) FeedStats(ctx context.Context, feed string) (FeedStats, error) {
	countWhere, listedWhere := "", ""
	var args []any
	if feed != "" {
		countWhere, listedWhere = ` WHERE feed = ?`, ` AND a.feed = ?`
		args = []any{feed, feed, feed}
	}
	newest := func(col string) string {
		return `COALESCE((SELECT a.` + col + ` FROM articles a WHERE a.current_version <> '' AND ` + listedCond + listedWhere +
			` ORDER BY a.` + col + ` DESC LIMIT 1), 0)`
	}
	q := `SELECT (SELECT CAST(COALESCE(SUM(items), 0) AS BIGINT) FROM feed_counts` + countWhere + `), ` +
		newest("updated_at") + `, ` + newest("published_at")
	var st FeedStats
	var updated, published int64
	if err := c.QueryRow(ctx, q, args...).Scan(&st.Items, &updated, &published); err != nil {
		return FeedStats{}, fmt.Errorf("feed stats: %w", err)
	}
	if st.Items > 0 {
		st.Updated, st.Newest = fromMicros(updated), fromMicros(published)
	}
	return st, nil
}

// Feeds names every feed that has an article.
func (c Conn) Feeds(ctx context.Context) ([]string, error) {
	return c.strings(ctx, `SELECT DISTINCT feed FROM articles WHERE feed <> '' ORDER BY feed`)
}

// StatusCounts counts articles by status.
func (c Conn) StatusCounts(ctx context.Context) (map[string]int, error) {
	rows, err := c.Query(ctx, `SELECT status, COUNT(*) FROM articles GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count articles: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// QueueDepth counts River jobs of kind waiting or running.
func (c Conn) QueueDepth(ctx context.Context, kind string) (int, error) {
	var n int
	err := c.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = ? AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled')`, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// LostJob is an article still waiting for a synthesis job that River has
// finished with: discarded after its last attempt (a node died during it,
// and River's rescuer gave up), cancelled or completed without it.
type LostJob struct {
	ArticleID string
	Revision  int
	GUID      string
	JobState  string
	Attempts  int
}

// LostJobs lists up to limit articles queued or synthesizing whose River
// job has ended.
func (c Conn) LostJobs(ctx context.Context, limit int) ([]LostJob, error) {
	rows, err := c.Query(ctx, `SELECT a.id, a.revision, a.guid, j.state, j.attempt FROM articles a
JOIN river_job j ON j.id = a.job_id
WHERE a.status IN ('queued', 'synthesizing') AND j.state IN ('discarded', 'cancelled', 'completed')
ORDER BY a.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("find lost jobs: %w", err)
	}
	defer rows.Close()
	var out []LostJob
	for rows.Next() {
		var l LostJob
		if err := rows.Scan(&l.ArticleID, &l.Revision, &l.GUID, &l.JobState, &l.Attempts); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Tx is the database/sql transaction behind a Conn inside InTx (nil
// outside one): River inserts jobs through it, in the same transaction as
// the catalog change.
func (c Conn) Tx() *sql.Tx {
	tx, _ := c.q.(*sql.Tx)
	return tx
}
