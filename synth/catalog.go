package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// Catalog answers what is stored: an article's state and manifest, its
// page, listings and feed pages, and streams of its changes.
type Catalog struct {
	*core
	byURL    urlIDs
	onDemand *onDemandPages
}

// Get returns an article's state.
func (s *Catalog) Get(ctx context.Context, id string) (article.State, error) {
	if err := article.ValidateID(id); err != nil {
		return article.State{}, err
	}
	m, err := s.manifest(ctx, id)
	if err != nil {
		return article.State{}, err
	}
	st := m.State()
	if st.Source, err = s.db.Conn().ArticleSource(ctx, id); err != nil {
		return article.State{}, err
	}
	return st, nil
}

// Manifest returns the manifest for serving listeners (audio, player). It
// may be up to manifestTTL old when another node changed it; this node's own
// changes are seen at once. Editors' reads (Get) always go to the store.
func (s *Catalog) Manifest(ctx context.Context, id string) (article.Manifest, error) {
	if err := article.ValidateID(id); err != nil {
		return article.Manifest{}, err
	}
	s.cacheMu.Lock()
	e, ok := s.cache[id]
	s.cacheMu.Unlock()
	if ok && s.now().Sub(e.at) < manifestTTL {
		return e.m, nil
	}
	m, err := s.manifest(ctx, id)
	if err != nil {
		return article.Manifest{}, err
	}
	s.remember(m)
	return m, nil
}

// Source returns what the editor sent.
func (s *Catalog) Source(ctx context.Context, id string) (Source, error) {
	if err := article.ValidateID(id); err != nil {
		return Source{}, err
	}
	src, err := s.readSource(ctx, s.db.Conn(), id)
	if errors.Is(err, storage.ErrNotFound) {
		return Source{}, fmt.Errorf("%w: article %q", article.ErrNotFound, id)
	}
	return src, err
}

// Document returns the extracted article as it will be spoken.
func (s *Catalog) Document(ctx context.Context, id string) (text.Document, error) {
	src, err := s.Source(ctx, id)
	if err != nil {
		return text.Document{}, err
	}
	return extract(src)
}

// Subscribe streams manifest changes of one article until cancel is called.
func (s *Catalog) Subscribe(id string) (<-chan article.Manifest, func()) {
	return s.broker.subscribe(id)
}

// Voices lists the configured voices and their status.
func (s *Catalog) Voices(ctx context.Context) []tts.VoiceStatus { return s.voices.Voices(ctx) }

// articleRow turns the article part of a manifest into its catalog row.
func articleRow(m article.Manifest, jobID int64, contentHash, sourceID string) sqldb.ArticleRow {
	r := sqldb.ArticleRow{
		ID: m.ID, SourceID: sourceID, CanonicalURL: m.URL, ContentHash: contentHash, Feed: m.Feed, Title: m.Title, Lead: m.Lead,
		Status: string(m.Status), Revision: m.Revision, Voice: m.Voice, Link: m.Link, GUID: m.GUID,
		SentencesTotal: m.SentencesTotal, SentencesDone: m.SentencesDone,
		SentencesSynthesized: m.SentencesSynthesized, SentencesCached: m.SentencesCached,
		Error: m.Error, Preflight: m.Preflight, JobID: jobID,
		PublishedAt: m.PublishedAt, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	if v := m.Current; v != nil {
		r.CurrentVersion, r.Bytes, r.DurationMS = v.ID, v.Bytes, v.DurationMS
	}
	return r
}

func versionFromRow(v sqldb.VersionRow) article.Version {
	out := article.Version{
		ID: v.ID, Revision: v.Revision, AudioKey: v.AudioKey, TimingsKey: v.TimingsKey, VTTKey: v.VTTKey,
		ChaptersKey: v.ChaptersKey, Bytes: v.Bytes, DurationMS: v.DurationMS, Sentences: v.Sentences,
		PublishedAt: v.PublishedAt, Preflight: v.Preflight,
	}
	if !v.RetiredAt.IsZero() {
		out.PublishedAt = v.RetiredAt // retirement time, for garbage collection
	}
	_ = json.Unmarshal([]byte(v.Voices), &out.Voices)
	return out
}

func versionRow(id string, v article.Version) sqldb.VersionRow {
	voices, _ := json.Marshal(v.Voices)
	if v.Voices == nil {
		voices = []byte("[]")
	}
	return sqldb.VersionRow{
		ArticleID: id, ID: v.ID, Revision: v.Revision, AudioKey: v.AudioKey, TimingsKey: v.TimingsKey, VTTKey: v.VTTKey,
		ChaptersKey: v.ChaptersKey, Bytes: v.Bytes, DurationMS: v.DurationMS, Sentences: v.Sentences,
		Voices: string(voices), Preflight: v.Preflight, PublishedAt: v.PublishedAt,
	}
}

// record is a catalog row with its versions, as a manifest.
type record struct {
	article.Manifest
	row sqldb.ArticleRow
}

func loadArticle(ctx context.Context, c sqldb.Conn, id string, lock bool) (record, error) {
	var r sqldb.ArticleRow
	var err error
	if lock {
		r, err = c.LockArticle(ctx, id)
	} else {
		r, err = c.Article(ctx, id)
	}
	if errors.Is(err, sqldb.ErrNotFound) {
		return record{}, fmt.Errorf("%w: article %q", article.ErrNotFound, id)
	}
	if err != nil {
		return record{}, err
	}
	m := article.Manifest{
		ID: r.ID, Status: article.Status(r.Status), Revision: r.Revision, Title: r.Title, Lead: r.Lead, Voice: r.Voice,
		Feed: r.Feed, Link: r.Link, URL: r.CanonicalURL, GUID: r.GUID, SentencesTotal: r.SentencesTotal, SentencesDone: r.SentencesDone,
		SentencesSynthesized: r.SentencesSynthesized, SentencesCached: r.SentencesCached, Error: r.Error,
		Preflight: r.Preflight, PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	vs, err := c.Versions(ctx, id)
	if err != nil {
		return record{}, err
	}
	for _, v := range vs {
		switch {
		case v.RetiredAt.IsZero() && v.ID == r.CurrentVersion:
			cur := versionFromRow(v)
			m.Current = &cur
		case !v.RetiredAt.IsZero():
			m.Retired = append(m.Retired, versionFromRow(v))
		}
	}
	return record{Manifest: m, row: r}, nil
}

// save writes the manifest's article fields back to its row.
func (a record) save(ctx context.Context, c sqldb.Conn) error {
	r := articleRow(a.Manifest, a.row.JobID, a.row.ContentHash, a.row.SourceID)
	return c.SaveArticle(ctx, r)
}
