package synth

import (
	"context"
	"errors"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

// articleChannel carries the id of every changed article between nodes.
const articleChannel = "loa_articles"

// changed tells the event streams of every node that an article changed.
// On PostgreSQL the change goes out as a notification that every node,
// this one included, answers by reading the committed article; on SQLite
// (one node), or before the listener is up, it is published in process.
func (s *core) changed(ctx context.Context, m article.Manifest) {
	if s.listening.Load() {
		if err := s.db.Notify(context.WithoutCancel(ctx), articleChannel, m.ID); err == nil {
			return
		}
	}
	s.broker.publish(m.ID, m)
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
