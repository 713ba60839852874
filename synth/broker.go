package synth

import (
	"sync"

	"github.com/loa-audio/loa/synth/article"
)

// broker fans manifest changes out to local subscribers (Server-Sent
// Events). Other nodes' changes reach it through PostgreSQL notifications
// (see changed).
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan article.Manifest]struct{}
}

func newBroker() *broker { return &broker{subs: map[string]map[chan article.Manifest]struct{}{}} }

func (b *broker) subscribe(id string) (<-chan article.Manifest, func()) {
	ch := make(chan article.Manifest, 16)
	b.mu.Lock()
	if b.subs[id] == nil {
		b.subs[id] = map[chan article.Manifest]struct{}{}
	}
	b.subs[id][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[id], ch)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
		b.mu.Unlock()
	}
}

// publish never blocks: a slow subscriber misses intermediate states, not
// the latest one, because it re-reads the manifest on its next tick.
// Subscribers of "" receive every article's changes.
func (b *broker) publish(id string, m article.Manifest) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, key := range []string{id, ""} {
		for ch := range b.subs[key] {
			select {
			case ch <- m:
			default:
			}
		}
	}
}

// wanted reports whether anyone here listens to id's changes.
func (b *broker) wanted(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[id]) > 0 || len(b.subs[""]) > 0
}
