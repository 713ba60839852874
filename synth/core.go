package synth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/singleflight"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

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
		if err := a.save(ctx, tx); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, out)
	})
	if err != nil {
		if errors.Is(err, article.ErrNotFound) || errors.Is(err, errStale) {
			return article.Manifest{}, err
		}
		return article.Manifest{}, fmt.Errorf("update article %s: %w", id, err)
	}
	return out, nil
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

// changedTx records m as the article's state once tx commits: in this
// node's cache and on every node's event streams.
func (s *core) changedTx(ctx context.Context, tx sqldb.Conn, m article.Manifest) error {
	tx.AfterCommit(func() { s.remember(m) })
	return s.announce(ctx, tx, m)
}
