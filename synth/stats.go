package synth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/loa-audio/loa/storage"
)

// listenStats counts anonymous player events per article. Counts gather in
// memory and are added to stats/<id>.json with compare-and-swap every few
// seconds, so several nodes can count the same article.
type listenStats struct {
	store   storage.Store
	mu      sync.Mutex
	pending map[string]map[string]int
}

func statsKey(id string) string { return "stats/" + id + ".json" }

func (l *listenStats) add(id, event string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending[id] == nil {
		l.pending[id] = map[string]int{}
	}
	l.pending[id][event]++
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
				log.WarnContext(ctx, "listen counts not saved", "err", err)
			}
		}
	}
}

func (l *listenStats) flush(ctx context.Context) error {
	l.mu.Lock()
	batch := l.pending
	l.pending = map[string]map[string]int{}
	l.mu.Unlock()
	var firstErr error
	for id, counts := range batch {
		_, err := updateJSON(ctx, l.store, statsKey(id), func(m *map[string]int, _ bool) error {
			if *m == nil {
				*m = map[string]int{}
			}
			for k, v := range counts {
				(*m)[k] += v
			}
			return nil
		})
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("save listen counts of %s: %w", id, err)
		}
	}
	return firstErr
}

// get returns stored counts plus those not yet flushed.
func (l *listenStats) get(ctx context.Context, id string) (map[string]int, error) {
	out := map[string]int{}
	if _, err := storage.GetJSON(ctx, l.store, statsKey(id), &out); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("read listen counts of %s: %w", id, err)
	}
	l.mu.Lock()
	for k, v := range l.pending[id] {
		out[k] += v
	}
	l.mu.Unlock()
	return out, nil
}
