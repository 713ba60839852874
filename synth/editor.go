package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/pageurl"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// Editor changes articles: create, update, resynthesize and delete, each
// one transaction, and previews what a submission will say.
type Editor struct {
	*core
	catalog *Catalog
	lexicon *LexiconEditor
}

// prepared is a validated submission with its extracted document.
type prepared struct {
	src       Source
	doc       text.Document
	canonical string // the page's canonical URL, normalised; "" when unknown
}

func (s *Editor) prepare(ctx context.Context, sub article.Submission) (prepared, error) {
	if err := checkFieldLimits(sub); err != nil {
		return prepared{}, err
	}
	given := 0
	for _, v := range []string{sub.HTML, sub.Text, sub.URL} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return prepared{}, article.Invalid(`article is empty: give one of "html", "text" or "url"`)
	case given > 1:
		return prepared{}, article.Invalid(`give only one of "html", "text" or "url"`)
	}
	if sub.ID != "" {
		if err := article.ValidateID(sub.ID); err != nil {
			return prepared{}, err
		}
	}
	if sub.Feed != "" && !article.ValidFeedName(sub.Feed) {
		return prepared{}, article.Invalid(`feed must be lowercase letters, digits and '-' (at most 64), and not "all"`)
	}
	if n := len(sub.HTML) + len(sub.Text); n > s.cfg.MaxArticle {
		return prepared{}, article.TooLarge(fmt.Sprintf("article is %d bytes; the limit is %d", n, s.cfg.MaxArticle))
	}
	if _, err := s.voices.Resolve(sub.Voice); err != nil {
		if errors.Is(err, tts.ErrUnknownVoice) {
			return prepared{}, article.Invalid(fmt.Sprintf("unknown voice %q", sub.Voice))
		}
		return prepared{}, fmt.Errorf("resolve voice: %w", err)
	}
	src := Source{
		SourceID: sub.SourceID,
		Title:    strings.TrimSpace(sub.Title),
		HTML:     sub.HTML,
		Text:     sub.Text,
		Voice:    sub.Voice,
		Feed:     sub.Feed,
		Link:     sub.Link,
	}
	if sub.URL != "" {
		if s.cfg.Fetcher == nil {
			return prepared{}, article.Invalid("URL submissions are disabled on this server")
		}
		page, err := s.cfg.Fetcher.Fetch(ctx, sub.URL)
		if err != nil {
			return prepared{}, err
		}
		src.URL, src.HTML, src.Text = page.URL, page.HTML, page.Text
		if src.Link == "" {
			src.Link = page.URL
		}
	}
	doc, err := extract(src)
	if err != nil {
		return prepared{}, err
	}
	canonical := pageurl.Normalize(src.Link)
	switch {
	case sub.URL != "":
		canonical = pageurl.Canonical(src.HTML, src.URL)
	case src.HTML != "":
		canonical = pageurl.Canonical(src.HTML, src.Link)
	}
	// Title and lead are copied into the catalog and listings;
	// the audio still reads them whole.
	doc.Title, doc.Lead = truncateUTF8(doc.Title, maxTitleBytes), truncateUTF8(doc.Lead, maxLeadBytes)
	if src.Title == "" {
		src.Title = doc.Title
	}
	if sub.PublishedAt != nil {
		src.PublishedAt = sub.PublishedAt.UTC()
	}
	return prepared{src: src, doc: doc, canonical: canonical}, nil
}

// extract turns a stored source into the document to speak. A title given
// by the editor for a plain-text article becomes its first block.
func extract(src Source) (text.Document, error) {
	var (
		doc text.Document
		err error
	)
	if src.HTML != "" {
		doc, err = text.ExtractHTML(strings.NewReader(src.HTML), text.ExtractOptions{URL: src.Link})
	} else {
		doc, err = text.ExtractText(src.Text)
	}
	if err != nil {
		if errors.Is(err, text.ErrTooLarge) {
			return text.Document{}, article.TooLarge("article: " + err.Error())
		}
		return text.Document{}, article.Invalid("article: " + err.Error())
	}
	if src.Title != "" && doc.Title == "" {
		doc.Title = src.Title
		doc.Blocks = append([]text.Block{{Kind: text.KindTitle, Text: src.Title}}, doc.Blocks...)
	}
	if len(text.Segment(doc)) == 0 {
		return text.Document{}, article.Invalid("article has no text to speak")
	}
	if !speakable(doc) {
		return text.Document{}, article.Invalid("article has nothing to speak: no letters or digits")
	}
	return doc, nil
}

// contentHash identifies what an editor sent, to make repeated submissions
// idempotent; the publication time is left out, since a repeat without one
// gets the time of its arrival.
func (src Source) contentHash() string {
	return hashStrings(src.Title, src.HTML, src.Text, src.URL, src.Voice, src.Feed, src.Link)
}

func idForURL(canonical string) string { return keyedID("url-", canonical) }

func idForSourceID(sourceID string) string { return keyedID("src-", sourceID) }

// keyedID is the article id a submission without one gets from the key
// that names it, the same on every node and every try.
func keyedID(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(sum[:10])
}

// Create stores a new article and queues its synthesis, in one
// transaction. Repeating a submission with the same id or source_id returns
// the existing article; a different article under a taken id is
// ErrConflict.
func (s *Editor) Create(ctx context.Context, sub article.Submission) (article.State, bool, error) {
	p, err := s.prepare(ctx, sub)
	if err != nil {
		return article.State{}, false, err
	}
	return s.createPrepared(ctx, sub, p)
}

func (s *Editor) createPrepared(ctx context.Context, sub article.Submission, p prepared) (article.State, bool, error) {
	var err error
	id := sub.ID
	switch {
	case id == "" && sub.SourceID != "":
		id = idForSourceID(sub.SourceID)
	case id == "" && p.canonical != "":
		// The page's URL names the article as a source_id would; an
		// article stored under it by an editor's own id is the same story.
		id, err = s.db.Conn().ArticleIDByURL(ctx, p.canonical)
		if errors.Is(err, sqldb.ErrNotFound) {
			id, err = idForURL(p.canonical), nil
		}
		if err != nil {
			return article.State{}, false, err
		}
	case id == "":
		id = strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	}
	return s.create(ctx, id, p)
}

func (s *Editor) create(ctx context.Context, id string, p prepared) (article.State, bool, error) {
	now := s.now().UTC()
	p.src.ID = id
	p.src.GUID = uuid.NewString()
	p.src.CreatedAt, p.src.UpdatedAt = now, now
	if p.src.PublishedAt.IsZero() {
		p.src.PublishedAt = now
	}
	m := article.Manifest{
		ID: id, Status: article.StatusQueued, Revision: 1,
		Title: p.doc.Title, Lead: p.doc.Lead, Voice: p.src.Voice, Feed: p.src.Feed, Link: p.src.Link, URL: p.canonical, GUID: p.src.GUID,
		PublishedAt: p.src.PublishedAt, CreatedAt: now, UpdatedAt: now,
	}
	row := articleRow(m, 0, p.src.contentHash(), p.src.SourceID)
	staged, err := s.staged(p.src)
	if err != nil {
		return article.State{}, false, err
	}
	for attempt := 0; ; attempt++ {
		err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
			// The job is queued first so that the row is written once, with
			// its job's id; a taken id rolls both back.
			jobID, err := s.enqueueTx(ctx, tx, m)
			if err != nil {
				return err
			}
			row.JobID = jobID
			// The row is locked until commit, so no other change of this id
			// interleaves with these writes.
			inserted, err := tx.CreateArticle(ctx, row, staged)
			if err != nil {
				return err
			}
			if !inserted {
				return errIDTaken
			}
			return s.changedTx(ctx, tx, m)
		})
		if !errors.Is(err, errIDTaken) {
			if err != nil {
				return article.State{}, false, err
			}
			return m.State(), true, nil
		}
		cur, err := s.existing(ctx, id, row.ContentHash)
		if errors.Is(err, article.ErrNotFound) && attempt == 0 {
			continue // deleted meanwhile: the id is free again
		}
		if err != nil {
			return article.State{}, false, err
		}
		return cur.State(), false, nil
	}
}

// errIDTaken rolls back a creation whose id another article holds.
var errIDTaken = errors.New("article id taken")

// existing is the article stored under id when a submission of the
// content hashed contentHash repeats it; another article is ErrConflict.
func (s *Editor) existing(ctx context.Context, id, contentHash string) (article.Manifest, error) {
	conn := s.db.Conn()
	cur, err := loadArticle(ctx, conn, id, false)
	if err != nil {
		return article.Manifest{}, err
	}
	hash := cur.row.ContentHash
	if hash == "" { // imported from an older Loa: ask the source
		src, err := s.readSource(ctx, conn, id)
		if err != nil {
			return article.Manifest{}, err
		}
		hash = src.contentHash()
	}
	if hash != contentHash {
		return article.Manifest{}, fmt.Errorf("%w: article %q already exists with different content; use PUT /api/v1/articles/%s to update it", article.ErrConflict, id, id)
	}
	return cur.Manifest, nil
}

// Update replaces an article's content (or creates it) and queues a new
// synthesis; unchanged sentences come from the segment cache.
func (s *Editor) Update(ctx context.Context, id string, sub article.Submission) (article.State, bool, error) {
	if err := article.ValidateID(id); err != nil {
		return article.State{}, false, err
	}
	if sub.ID != "" && sub.ID != id {
		return article.State{}, false, article.Invalid(fmt.Sprintf("body id %q does not match the URL's %q", sub.ID, id))
	}
	sub.ID = id
	p, err := s.prepare(ctx, sub)
	if err != nil {
		return article.State{}, false, err
	}
	return s.update(ctx, id, sub, p)
}

func (s *Editor) update(ctx context.Context, id string, sub article.Submission, p prepared) (article.State, bool, error) {
	for attempt := 0; ; attempt++ {
		m, err := s.requeue(ctx, id, func(tx sqldb.Conn, a *record) error {
			cur, err := s.readSource(ctx, tx, id)
			if err != nil {
				return err
			}
			now := s.now().UTC()
			next := p.src
			next.ID, next.GUID, next.CreatedAt, next.UpdatedAt = id, cur.GUID, cur.CreatedAt, now
			if sub.SourceID == "" {
				next.SourceID = cur.SourceID
			}
			if sub.PublishedAt == nil {
				next.PublishedAt = cur.PublishedAt
			}
			if err := s.stageSource(ctx, tx, next); err != nil {
				return err
			}
			a.Title, a.Lead, a.Voice, a.Feed, a.Link, a.PublishedAt = p.doc.Title, p.doc.Lead, next.Voice, next.Feed, next.Link, next.PublishedAt
			a.row.ContentHash, a.row.SourceID, a.URL = next.contentHash(), next.SourceID, p.canonical
			return nil
		})
		if errors.Is(err, article.ErrNotFound) {
			st, created, err := s.create(ctx, id, p)
			if errors.Is(err, article.ErrConflict) && attempt == 0 {
				continue // created by another request meanwhile: update it
			}
			return st, created, err
		}
		if err != nil {
			return article.State{}, false, err
		}
		return m.State(), false, nil
	}
}

// Resynthesize queues a new synthesis of the stored content (after a
// lexicon change or a failure), optionally with another voice; the stored
// article itself is kept as sent.
func (s *Editor) Resynthesize(ctx context.Context, id, voice string) (article.State, error) {
	if err := article.ValidateID(id); err != nil {
		return article.State{}, err
	}
	if voice != "" {
		if _, err := s.voices.Resolve(voice); err != nil {
			if errors.Is(err, tts.ErrUnknownVoice) {
				return article.State{}, article.Invalid(fmt.Sprintf("unknown voice %q", voice))
			}
			return article.State{}, fmt.Errorf("resolve voice: %w", err)
		}
	}
	m, err := s.requeue(ctx, id, func(tx sqldb.Conn, a *record) error {
		if voice == "" {
			return nil
		}
		src, err := s.readSource(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("change voice of %s: %w", id, err)
		}
		src.Voice, src.UpdatedAt = voice, s.now().UTC()
		if err := s.stageSource(ctx, tx, src); err != nil {
			return err
		}
		a.row.ContentHash = src.contentHash()
		a.Voice = voice
		return nil
	})
	if err != nil {
		return article.State{}, err
	}
	return m.State(), nil
}

// requeue moves an article to a new revision in one transaction: edit
// changes it (and may write its source while the row is locked), the job
// of the previous revision is cancelled and one for the new revision
// queued.
func (s *Editor) requeue(ctx context.Context, id string, edit func(sqldb.Conn, *record) error) (article.Manifest, error) {
	var out article.Manifest
	err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
		a, err := loadArticle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := edit(tx, &a); err != nil {
			return err
		}
		a.Revision++
		a.Status = article.StatusQueued
		a.SentencesDone, a.SentencesTotal, a.Error = 0, 0, ""
		a.UpdatedAt = s.now().UTC()
		if err := s.cancelTx(ctx, tx, a.row.JobID); err != nil {
			return err
		}
		if a.row.JobID, err = s.enqueueTx(ctx, tx, a.Manifest); err != nil {
			return err
		}
		if err := a.save(ctx, tx); err != nil {
			return err
		}
		out = a.Manifest
		return s.changedTx(ctx, tx, out)
	})
	if err != nil {
		return article.Manifest{}, err
	}
	s.cancelRunning(id, out.Revision, errSuperseded)
	return out, nil
}

var (
	errSuperseded = errors.New("a newer revision was requested")
	errDeleted    = errors.New("article deleted")
)

// Delete removes an article from the catalog and its source, page and plan
// from the store in one transaction, cancels its job and queues the
// takedown of its audio and of the segments no other article uses.
func (s *Editor) Delete(ctx context.Context, id string) error {
	if err := article.ValidateID(id); err != nil {
		return err
	}
	var m article.Manifest
	err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
		a, err := loadArticle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		m = a.Manifest
		deleted := s.now().UTC()
		if _, err := tx.DeleteArticle(ctx, id, deleted); err != nil {
			return err
		}
		if err := s.cancelTx(ctx, tx, a.row.JobID); err != nil {
			return err
		}
		if err := s.collectTx(ctx, tx, id, deleted); err != nil {
			return err
		}
		if err := s.notifyTx(ctx, tx, article.Event{Type: "audio.deleted", ArticleID: id, Feed: m.Feed, Revision: m.Revision}); err != nil {
			return err
		}
		if err := s.announce(ctx, tx, article.Manifest{ID: id, Status: "deleted"}); err != nil {
			return err
		}
		// While the row is locked nobody re-creates the id, so these are
		// this article's objects.
		infos, err := storage.ListAll(ctx, s.store, "articles/"+id+"/")
		if err != nil {
			return fmt.Errorf("list objects of %s: %w", id, err)
		}
		for _, info := range infos {
			if err := s.store.Delete(ctx, info.Key); err != nil {
				return fmt.Errorf("delete %s: %w", info.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.cancelRunning(id, m.Revision+1, errDeleted)
	if err := s.stats.forget(ctx, id); err != nil {
		return err
	}
	s.forget(id)
	return nil
}

// Preview returns what will be spoken for an article, sentence by sentence,
// with the rule behind every change.
func (s *Editor) Preview(ctx context.Context, sub article.Submission) (PreviewResult, error) {
	var doc text.Document
	if sub.ID != "" && sub.HTML == "" && sub.Text == "" && sub.URL == "" {
		d, err := s.catalog.Document(ctx, sub.ID)
		if err != nil {
			return PreviewResult{}, err
		}
		doc = d
		if sub.Feed == "" {
			if src, err := s.catalog.Source(ctx, sub.ID); err == nil {
				sub.Feed = src.Feed
			}
		}
	} else {
		sub.ID = ""
		p, err := s.prepare(ctx, sub)
		if err != nil {
			return PreviewResult{}, err
		}
		doc = p.doc
	}
	rules, err := s.lexicon.rulesFor(ctx, sub.Feed)
	if err != nil {
		return PreviewResult{}, err
	}
	opts := s.pipeline.normalize
	opts.Lexicon, opts.Feed = rules, sub.Feed
	norm := text.NewNormalizer(opts)
	return PreviewResult{Title: doc.Title, Blocks: doc.Blocks, Sentences: norm.Preview(doc)}, nil
}

// PreviewResult is the editor's "what will be spoken" view.
type PreviewResult struct {
	Title     string                 `json:"title"`
	Blocks    []text.Block           `json:"blocks"`
	Sentences []text.PreviewSentence `json:"sentences"`
}
