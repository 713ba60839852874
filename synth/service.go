package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"golang.org/x/sync/singleflight"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/pageurl"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// VoiceCatalog is what the service needs to know about voices.
type VoiceCatalog interface {
	Speaker
	Voices(ctx context.Context) []tts.VoiceStatus
}

// Notifier turns article lifecycle events into jobs (webhook deliveries).
// NotifyTx runs in the transaction of the change that caused ev, and the
// jobs it returns are inserted in that transaction too: they exist exactly
// when the change does, whichever node dies when.
type Notifier interface {
	NotifyTx(ctx context.Context, tx sqldb.Conn, ev article.Event) ([]river.InsertManyParams, error)
	JobPlugin // the workers of those jobs
}

// ServiceConfig wires the article service. Zero values mean the defaults
// given in the comments.
type ServiceConfig struct {
	Store    storage.Store
	DB       *sqldb.DB // the catalog and River's jobs
	Pipeline *Pipeline
	Voices   VoiceCatalog
	Lexicon  LexiconStore
	Listens  ListenStore
	Fetcher  *Fetcher // nil: URL submissions are refused
	OnDemand OnDemandConfig
	Notifier Notifier // nil: no webhooks
	NodeID   string   // names this process in River's job records; default: hostname
	Workers  int      // articles synthesized at once on this node; default 1
	// Lease is how long one synthesis may run; a job of a node that died
	// is rescued by another node after it.
	Lease        time.Duration // default 10m
	PollInterval time.Duration // how often idle nodes look for jobs without a notification; default 1s
	MaxAttempts  int           // retries of transient failures; default 5
	GCGrace      time.Duration // how long replaced audio stays playable; default 24h
	MaxArticle   int           // bytes of source text/HTML accepted; default 2 MB
	Publisher    string        // ID3 artist
	BaseURL      string        // for links in events; may be empty
	DefaultVoice string
	Logger       *slog.Logger
	Now          func() time.Time
	// Plugins add other packages' jobs (following sources) to this
	// service's River client.
	Plugins []JobPlugin
}

// Service is Loa's article service, split by job: the Editor changes
// articles, the Catalog answers what is stored, Playback serves what
// players fetch, the LexiconEditor keeps the pronunciation rules and the
// Worker runs synthesis and collection jobs. They share one core: the
// store, the database, the job queue and the listeners of changes.
type Service struct {
	*core
	Editor   *Editor
	Catalog  *Catalog
	Playback *Playback
	Lexicon  *LexiconEditor
	Worker   *Worker
}

// core is what every part of the service works with, and the few steps
// they all take: reading and changing an article in a transaction, queueing
// its jobs and telling listeners of a change.
type core struct {
	cfg      ServiceConfig
	store    storage.Store
	pipeline *Pipeline
	voices   VoiceCatalog
	db       *sqldb.DB
	river    *river.Client[*sql.Tx]
	broker   *broker
	stats    *listenStats
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	running map[string][]running // article → this node's jobs in flight

	listening atomic.Bool // PostgreSQL notifications reach this node
	metrics   *serviceMetrics

	cacheMu sync.Mutex
	cache   map[string]cachedManifest // listener-facing manifests

	pages singleflight.Group // page extractions in flight, by article and source version

	onDemandJobs *onDemandJobs
}

// Editor changes articles: create, update, resynthesize and delete, each
// one transaction, and previews what a submission will say.
type Editor struct {
	*core
	catalog *Catalog
	lexicon *LexiconEditor
}

// Catalog answers what is stored: an article's state and manifest, its
// page, listings and feed pages, and streams of its changes.
type Catalog struct {
	*core
	byURL    urlIDs
	onDemand *onDemandPages
}

// Playback serves what players fetch and report: a version's immutable
// files, the plan, segments and pauses of an article still being made, and
// listen counts.
type Playback struct {
	*core
}

// LexiconEditor keeps the editors' pronunciation rules.
type LexiconEditor struct {
	*core
	rules   LexiconStore
	catalog *Catalog
}

// Worker runs synthesis jobs and publishes their versions; its collector
// deletes what no version needs any more.
type Worker struct {
	*collector
	lexicon *LexiconEditor
	catalog *Catalog // relays other nodes' changes while the worker runs
}

// collector runs the collection jobs: retired versions, strays and unused
// segments.
type collector struct {
	*core
}

// onDemandPages makes articles of unknown pages on listed origins when a
// player first asks for them.
type onDemandPages struct {
	*Editor
	catalog *Catalog
}

// Jobs is the River client, for the operators' view of the queue.
func (s *Service) Jobs() *river.Client[*sql.Tx] { return s.river }

// NewService checks the configuration and fills in defaults.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Store == nil || cfg.DB == nil || cfg.Pipeline == nil || cfg.Voices == nil || cfg.Lexicon == nil || cfg.Listens == nil {
		return nil, errors.New("synth: service needs a store, a database, a pipeline, voices, a lexicon and listen counts")
	}
	var err error
	if cfg.NodeID == "" {
		h, _ := os.Hostname()
		cfg.NodeID = h
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.GCGrace <= 0 {
		cfg.GCGrace = 24 * time.Hour
	}
	if cfg.MaxArticle <= 0 {
		cfg.MaxArticle = 2 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &core{
		cfg:      cfg,
		store:    cfg.Store,
		pipeline: cfg.Pipeline,
		voices:   cfg.Voices,
		db:       cfg.DB,
		broker:   newBroker(),
		log:      cfg.Logger,
		now:      cfg.Now,
		running:  map[string][]running{},
		cache:    map[string]cachedManifest{},
		metrics:  newServiceMetrics(),

		onDemandJobs: newOnDemand(cfg.OnDemand),
	}
	c.stats = &listenStats{db: cfg.Listens, pending: map[string]map[string]int{}}
	s := &Service{core: c, Catalog: &Catalog{core: c}, Playback: &Playback{core: c}}
	s.Lexicon = &LexiconEditor{core: c, rules: cfg.Lexicon, catalog: s.Catalog}
	s.Editor = &Editor{core: c, catalog: s.Catalog, lexicon: s.Lexicon}
	s.Catalog.onDemand = &onDemandPages{Editor: s.Editor, catalog: s.Catalog}
	s.Worker = &Worker{collector: &collector{core: c}, lexicon: s.Lexicon, catalog: s.Catalog}
	if c.river, err = newRiver(s.Worker); err != nil {
		return nil, err
	}
	return s, nil
}

// Store exposes the service's store to the HTTP layer for serving objects.
func (s *Service) Store() storage.Store { return s.store }

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
	var (
		out     article.Manifest
		created bool
	)
	// A new id's source is stored before the transaction, create-only, so
	// that the transaction does not wait for the store: on SQLite it holds
	// the one write connection, and every writer would wait with it. The
	// put fails when the id has a source (an existing article, or one
	// being created or deleted); then the source is written in the
	// transaction, as it is when a deletion removed this one meanwhile.
	srcInfo, err := storage.PutJSON(ctx, s.store, sourceKey(id), p.src, storage.PutOptions{ContentType: "application/json", IfNoneMatch: true})
	switch {
	case errors.Is(err, storage.ErrConflict):
		srcInfo = storage.Info{}
	case err != nil:
		return article.State{}, false, fmt.Errorf("store source of %s: %w", id, err)
	}
	err = s.db.InTx(ctx, func(tx sqldb.Conn) error {
		row := articleRow(m, 0, p.src.contentHash(), p.src.SourceID)
		inserted, err := tx.InsertArticle(ctx, row)
		if err != nil {
			return err
		}
		if !inserted {
			cur, err := loadArticle(ctx, tx, id, false)
			if err != nil {
				return err
			}
			hash := cur.row.ContentHash
			if hash == "" { // imported from an older Loa: ask the source
				var src Source
				if _, err := storage.GetJSON(ctx, s.store, sourceKey(id), &src); err != nil {
					return fmt.Errorf("read source of %s: %w", id, err)
				}
				hash = src.contentHash()
			}
			if hash != row.ContentHash {
				return fmt.Errorf("%w: article %q already exists with different content; use PUT /api/v1/articles/%s to update it", article.ErrConflict, id, id)
			}
			out, created = cur.Manifest, false
			return nil
		}
		// The row is locked until commit, so no other change of this id
		// interleaves with these checks and writes.
		if !s.sourceIs(ctx, id, srcInfo.ETag) {
			if srcInfo, err = storage.PutJSON(ctx, s.store, sourceKey(id), p.src, storage.PutOptions{ContentType: "application/json"}); err != nil {
				return fmt.Errorf("store source of %s: %w", id, err)
			}
		}
		jobID, err := s.enqueueTx(ctx, tx, m)
		if err != nil {
			return err
		}
		row.JobID = jobID
		if err := tx.SaveArticle(ctx, row); err != nil {
			return err
		}
		out, created = m, true
		return nil
	})
	if err != nil {
		return article.State{}, false, err
	}
	if created {
		// The page is a cache of the source version it names, so it is
		// written after the commit: on SQLite the transaction holds the
		// one write connection, and every store write in it makes all
		// other writers wait.
		s.savePage(ctx, id, p.doc, srcInfo.ETag)
		s.afterChange(ctx, out)
	}
	return out.State(), created, nil
}

// sourceIs reports whether id's stored source is the version etag.
func (s *Editor) sourceIs(ctx context.Context, id, etag string) bool {
	if etag == "" {
		return false
	}
	info, err := s.store.Stat(ctx, sourceKey(id))
	return err == nil && info.ETag == etag
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
		var srcETag string
		m, err := s.requeue(ctx, id, func(a *record) error {
			var cur Source
			if _, err := storage.GetJSON(ctx, s.store, sourceKey(id), &cur); err != nil {
				return fmt.Errorf("read source of %s: %w", id, err)
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
			srcInfo, err := storage.PutJSON(ctx, s.store, sourceKey(id), next, storage.PutOptions{ContentType: "application/json"})
			if err != nil {
				return fmt.Errorf("store source of %s: %w", id, err)
			}
			srcETag = srcInfo.ETag
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
		s.savePage(ctx, id, p.doc, srcETag) // after the commit, as in create
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
	m, err := s.requeue(ctx, id, func(a *record) error {
		if voice == "" {
			return nil
		}
		_, err := updateJSON(ctx, s.store, sourceKey(id), func(src *Source, exists bool) error {
			if !exists {
				return fmt.Errorf("%w: article %q", article.ErrNotFound, id)
			}
			src.Voice, src.UpdatedAt = voice, s.now().UTC()
			a.row.ContentHash = src.contentHash()
			return nil
		})
		if err != nil {
			return fmt.Errorf("change voice of %s: %w", id, err)
		}
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
func (s *Editor) requeue(ctx context.Context, id string, edit func(*record) error) (article.Manifest, error) {
	var out article.Manifest
	err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
		a, err := loadArticle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := edit(&a); err != nil {
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
		return nil
	})
	if err != nil {
		return article.Manifest{}, err
	}
	s.cancelRunning(id, out.Revision, errSuperseded)
	s.afterChange(ctx, out)
	return out, nil
}

var (
	errSuperseded = errors.New("a newer revision was requested")
	errDeleted    = errors.New("article deleted")
)

// running is a job in flight on this node.
type running struct {
	revision int
	cancel   context.CancelCauseFunc
}

// cancelRunning stops this node's jobs of id older than revision at once;
// other nodes' jobs learn it from River's cancellation and, at the latest,
// when their publish finds the revision changed.
func (s *core) cancelRunning(id string, revision int, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.running[id] {
		if r.revision < revision {
			r.cancel(cause)
		}
	}
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

// manifestTTL bounds how stale a listener-facing manifest can be; the
// stable audio URL is cached by browsers and CDNs for a minute anyway.
const manifestTTL = time.Second

type cachedManifest struct {
	m  article.Manifest
	at time.Time
}

func (s *core) remember(m article.Manifest) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if len(s.cache) >= 10000 {
		clear(s.cache)
	}
	s.cache[m.ID] = cachedManifest{m: m, at: s.now()}
}

func (s *core) forget(id string) {
	s.cacheMu.Lock()
	delete(s.cache, id)
	s.cacheMu.Unlock()
}

// Source returns what the editor sent.
func (s *Catalog) Source(ctx context.Context, id string) (Source, error) {
	if err := article.ValidateID(id); err != nil {
		return Source{}, err
	}
	var src Source
	if _, err := storage.GetJSON(ctx, s.store, sourceKey(id), &src); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Source{}, fmt.Errorf("%w: article %q", article.ErrNotFound, id)
		}
		return Source{}, fmt.Errorf("read source of %s: %w", id, err)
	}
	return src, nil
}

// Document returns the extracted article as it will be spoken.
func (s *Catalog) Document(ctx context.Context, id string) (text.Document, error) {
	src, err := s.Source(ctx, id)
	if err != nil {
		return text.Document{}, err
	}
	return extract(src)
}

func (s *core) manifest(ctx context.Context, id string) (article.Manifest, error) {
	a, err := loadArticle(ctx, s.db.Conn(), id, false)
	if err != nil {
		return article.Manifest{}, err
	}
	return a.Manifest, nil
}

// updateManifest applies fn to the article in a transaction that holds its
// row, so concurrent editors, workers and nodes never lose each other's
// changes.
func (s *core) updateManifest(ctx context.Context, id string, fn func(*article.Manifest) error) (article.Manifest, error) {
	return s.updateManifestTx(ctx, id, func(_ sqldb.Conn, m *article.Manifest) error { return fn(m) })
}

// updateManifestTx is updateManifest for changes that write more in the
// same transaction (the events they cause).
func (s *core) updateManifestTx(ctx context.Context, id string, fn func(sqldb.Conn, *article.Manifest) error) (article.Manifest, error) {
	var out article.Manifest
	err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
		a, err := loadArticle(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := fn(tx, &a.Manifest); err != nil {
			return err
		}
		a.UpdatedAt = s.now().UTC()
		out = a.Manifest
		return a.save(ctx, tx)
	})
	if err != nil {
		if errors.Is(err, article.ErrNotFound) || errors.Is(err, errStale) {
			return article.Manifest{}, err
		}
		return article.Manifest{}, fmt.Errorf("update article %s: %w", id, err)
	}
	return out, nil
}

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
		if _, err := tx.DeleteArticle(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		if err := s.cancelTx(ctx, tx, a.row.JobID); err != nil {
			return err
		}
		if err := s.collectTx(ctx, tx, id); err != nil {
			return err
		}
		if err := s.notifyTx(ctx, tx, article.Event{Type: "audio.deleted", ArticleID: id, Feed: m.Feed, Revision: m.Revision}); err != nil {
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
	s.changed(ctx, article.Manifest{ID: id, Status: "deleted"})
	return nil
}

// notifyTx queues the deliveries of ev in tx, the transaction of the
// change that caused it.
func (s *core) notifyTx(ctx context.Context, tx sqldb.Conn, ev article.Event) error {
	if s.cfg.Notifier == nil {
		return nil
	}
	ev.At = s.now().UTC()
	if ev.AudioURL == "" && ev.Type == "audio.ready" && s.cfg.BaseURL != "" {
		ev.AudioURL = strings.TrimRight(s.cfg.BaseURL, "/") + "/audio/" + ev.ArticleID + ".mp3"
	}
	jobs, err := s.cfg.Notifier.NotifyTx(ctx, tx, ev)
	if err != nil || len(jobs) == 0 {
		return err
	}
	if _, err := s.river.InsertManyTx(ctx, tx.Tx(), jobs); err != nil {
		return fmt.Errorf("queue %s of %s: %w", ev.Type, ev.ArticleID, err)
	}
	return nil
}

// afterChange tells listeners of a committed change.
func (s *core) afterChange(ctx context.Context, m article.Manifest) {
	s.remember(m)
	s.changed(ctx, m)
}

// Subscribe streams manifest changes of one article until cancel is called.
func (s *Catalog) Subscribe(id string) (<-chan article.Manifest, func()) {
	return s.broker.subscribe(id)
}

// Plan returns the part list of the revision in work (progressive playback).
func (s *Playback) Plan(ctx context.Context, id string) (article.Plan, error) {
	var p article.Plan
	if _, err := storage.GetJSON(ctx, s.store, planKey(id), &p); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return article.Plan{}, fmt.Errorf("%w: no synthesis plan for %q yet", article.ErrNotFound, id)
		}
		return article.Plan{}, fmt.Errorf("read plan of %s: %w", id, err)
	}
	return p, nil
}

// SegmentReady reports whether a planned segment is stored, with its size.
func (s *Playback) SegmentReady(ctx context.Context, hash string) (bool, error) {
	ok, err := storage.Exists(ctx, s.store, segmentMetaKey(hash))
	if err != nil {
		return false, fmt.Errorf("check segment %s: %w", hash, err)
	}
	return ok, nil
}

// Silence returns the pre-encoded pause of a plan part.
func (s *Playback) Silence(d time.Duration) ([]byte, error) {
	seg, err := s.pipeline.silence(d)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(seg.MP3), nil
}

// Profile is the MP3 profile of every file this service makes.
func (s *Playback) Profile() audio.Profile { return s.pipeline.profile }
