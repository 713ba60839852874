package api

import (
	"context"
	"sync"
	"testing"
	"time"
)

// racingSessions is a store whose session read is held up until a
// sign-out has deleted the row, so that the read is stale when it returns.
type racingSessions struct {
	TokenStore
	mu      sync.Mutex
	expires map[string]time.Time
	reading chan struct{} // closed when the held-up read has read
	release chan struct{} // closed to let it return
}

func (r *racingSessions) Session(ctx context.Context, d string) (time.Time, error) {
	r.mu.Lock()
	exp := r.expires[d]
	r.mu.Unlock()
	if r.reading != nil {
		close(r.reading)
		r.reading = nil
		<-r.release
	}
	return exp, nil
}

func (r *racingSessions) EndSession(ctx context.Context, d string) error {
	r.mu.Lock()
	delete(r.expires, d)
	r.mu.Unlock()
	return nil
}

// TestSignOutBeatsAStaleRead: a check of the session that read it before
// this node signed it out must not cache it as valid, or the signed-out
// cookie would open the view again for the cache window.
func TestSignOutBeatsAStaleRead(t *testing.T) {
	tok := NewTokens(nil, "", "adm")
	const v = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	d, _ := tok.sessionDigest(v)
	store := &racingSessions{expires: map[string]time.Time{d: time.Now().Add(time.Hour)},
		reading: make(chan struct{}), release: make(chan struct{})}
	tok.store = store
	reading := store.reading
	stale := make(chan bool)
	go func() {
		ok, _ := tok.validSession(context.Background(), v)
		stale <- ok
	}()
	<-reading
	if err := tok.endSession(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	close(store.release)
	if !<-stale {
		t.Fatal("the read before sign-out saw no session: the race was not set up")
	}
	if ok, err := tok.validSession(context.Background(), v); ok || err != nil {
		t.Fatalf("after sign-out on this node the session is %v (%v), want ended", ok, err)
	}
}
