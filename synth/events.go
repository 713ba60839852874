package synth

import (
	"context"
	"errors"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

// articleChannel carries the id of every changed article between nodes.
const articleChannel = "loa_articles"

// announce tells the event streams of every node that an article changed,
// once tx, the change's transaction, commits. On PostgreSQL the change goes
// out as a notification sent by the commit itself (no round trip after it,
// nothing for a change rolled back), which every node, this one included,
// answers by reading the committed article; on SQLite (one node), or
// before the listener is up, it is published in process after the commit.
func (s *core) announce(ctx context.Context, tx sqldb.Conn, m article.Manifest) error {
	if s.listening.Load() {
		return tx.Notify(ctx, articleChannel, m.ID)
	}
	tx.AfterCommit(func() { s.broker.publish(m.ID, m) })
	return nil
}

// announceProgress tells the event streams that an article's progress,
// written outside any transaction, changed. Every node reads the article
// itself on a notification, so this one reads it only for a subscriber of
// its own, and only on SQLite.
func (s *core) announceProgress(ctx context.Context, id string) {
	if s.listening.Load() {
		_ = s.db.Conn().Notify(ctx, articleChannel, id) // progress only: the next report or the outcome follows
		return
	}
	if !s.broker.wanted(id) {
		return
	}
	if m, err := s.manifest(ctx, id); err == nil {
		s.broker.publish(id, m)
	}
}

// Listen relays other nodes' (and this node's) changes to local
// subscribers until ctx ends; PostgreSQL only. Run starts it.
func (s *Catalog) Listen(ctx context.Context) {
	if s.db.Engine() != sqldb.Postgres {
		return
	}
	defer s.listening.Store(false)
	_ = s.db.Listen(ctx, articleChannel, func() { s.listening.Store(true) }, func(id string) {
		if !s.broker.wanted(id) {
			return
		}
		m, err := s.manifest(ctx, id)
		switch {
		case errors.Is(err, article.ErrNotFound):
			s.broker.publish(id, article.Manifest{ID: id, Status: "deleted"})
		case err == nil:
			s.broker.publish(id, m)
		}
	})
}
