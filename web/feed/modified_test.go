package feed

import (
	"testing"
	"time"
)

func TestLastModifiedNeverRepeatsForNewContent(t *testing.T) {
	var m modTracker
	m.seen = map[string]seenBody{}
	now := time.Date(2025, 3, 1, 8, 0, 0, 400_000_000, time.UTC)
	updated := now.Add(-time.Hour)

	first := m.at("all|1", `"a"`, updated, now)
	if !first.Equal(now.Truncate(time.Second)) {
		t.Fatalf("first sight: %v, want %v", first, now.Truncate(time.Second))
	}
	if again := m.at("all|1", `"a"`, updated, now.Add(time.Hour)); !again.Equal(first) {
		t.Errorf("same body later: %v, want it unchanged at %v", again, first)
	}
	// A deletion makes the body change without a newer article update; a
	// change within the same second must still move Last-Modified forward.
	changed := m.at("all|1", `"b"`, updated, now.Add(300*time.Millisecond))
	if !changed.After(first) {
		t.Errorf("changed body: %v, want after %v", changed, first)
	}
	if other := m.at("all|2", `"a"`, updated, now); !other.Equal(first) {
		t.Errorf("another page: %v", other)
	}
	// An article updated later than the body was first seen (another node's
	// clock) moves Last-Modified forward.
	future := now.Add(time.Minute)
	if got := m.at("all|1", `"b"`, future, now); !got.Equal(future) {
		t.Errorf("newer article update: %v, want %v", got, future)
	}
	for i := range maxTracked + 10 {
		m.at(string(rune('a'+i%26))+time.Duration(i).String(), `"x"`, updated, now)
	}
	if len(m.seen) > maxTracked {
		t.Errorf("tracker holds %d bodies, bound is %d", len(m.seen), maxTracked)
	}
}
