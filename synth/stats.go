package synth

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// ListenStore keeps listen counts (sqldb.Listens).
type ListenStore interface {
	Add(ctx context.Context, counts map[string]map[string]int) error
	Get(ctx context.Context, id string) (map[string]int, error)
	Delete(ctx context.Context, id string) error
}

// listenStats counts anonymous player events per article. Counts gather in
// memory and are added to the database in one transaction every few
// seconds, so a burst of listeners costs one write, not one per event.
type listenStats struct {
	db      ListenStore
	flushMu sync.Mutex // a delete waits for a flush in flight, which could bring the counts back
	mu      sync.Mutex
	pending map[string]map[string]int
}

func (l *listenStats) add(id, event string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.merge(map[string]map[string]int{id: {event: 1}})
}

// merge adds counts to those pending; l.mu is held.
func (l *listenStats) merge(counts map[string]map[string]int) {
	for id, events := range counts {
		if l.pending[id] == nil {
			l.pending[id] = map[string]int{}
		}
		for ev, n := range events {
			l.pending[id][ev] += n
		}
	}
}

func (l *listenStats) flushLoop(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.flush(ctx); err != nil {
				log.WarnContext(ctx, "listen counts not saved; retrying with the next batch", "err", err)
			}
		}
	}
}

func (l *listenStats) flush(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	batch := l.pending
	l.pending = map[string]map[string]int{}
	l.mu.Unlock()
	if err := l.db.Add(ctx, batch); err != nil {
		// The batch is one transaction: nothing of it was counted, so it
		// goes back for the next flush.
		l.mu.Lock()
		l.merge(batch)
		l.mu.Unlock()
		return err
	}
	return nil
}

// get returns stored counts plus those not yet flushed.
func (l *listenStats) get(ctx context.Context, id string) (map[string]int, error) {
	out, err := l.db.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	for k, v := range l.pending[id] {
		out[k] += v
	}
	l.mu.Unlock()
	return out, nil
}

// forget drops an article's counts, stored and pending.
func (l *listenStats) forget(ctx context.Context, id string) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.mu.Lock()
	delete(l.pending, id)
	l.mu.Unlock()
	return l.db.Delete(ctx, id)
}
