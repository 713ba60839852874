package tts

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// UsageStore keeps the daily counters every node shares (sqldb.Usage):
// Add is one atomic increment returning the day's new total.
type UsageStore interface {
	Used(ctx context.Context, backend, day string) (int64, error)
	Add(ctx context.Context, backend, day, unit string, n int64, at time.Time) (int64, error)
}

// Usage is what one backend instance was billed for on one UTC day.
type Usage struct {
	Backend   string    `json:"backend"`
	Day       string    `json:"day"`  // YYYY-MM-DD, UTC
	Unit      string    `json:"unit"` // "characters" or "bytes"
	Used      int64     `json:"used"`
	Requests  int64     `json:"requests"`
	UpdatedAt time.Time `json:"updated_at"`
}

// billed is what text costs under unit.
func billed(unit, text string) int64 {
	if unit == "bytes" {
		return int64(len(text))
	}
	return int64(utf8.RuneCountInString(text))
}

// meter keeps one backend's usage: the database is the truth shared by
// every node; the in-memory copy answers budget checks between writes.
type meter struct {
	backend string
	unit    string
	budget  int64
	store   UsageStore // nil = count in memory only
	log     *slog.Logger

	mu     sync.Mutex
	day    string
	used   int64
	loaded bool
}

// rollover starts a new day's count; m.mu is held.
func (m *meter) rollover(day string) {
	if m.day != day {
		m.day, m.used, m.loaded = day, 0, false
	}
}

// current returns today's usage, reading the database once per day (and
// learning other nodes' spending from the total every write returns).
func (m *meter) current(ctx context.Context, now time.Time) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	day := now.UTC().Format(time.DateOnly)
	m.rollover(day)
	if !m.loaded && m.store != nil {
		used, err := m.store.Used(ctx, m.backend, day)
		if err != nil {
			// Fail open: a database outage must not silence every article,
			// and the next successful write corrects the count.
			m.log.WarnContext(ctx, "tts usage unreadable", "backend", m.backend, "err", err)
			return m.used
		}
		m.used = max(m.used, used)
	}
	m.loaded = true
	return m.used
}

// overBudget reports whether spending cost now would exceed the budget.
func (m *meter) overBudget(ctx context.Context, now time.Time, cost int64) (used int64, over bool) {
	used = m.current(ctx, now)
	return used, m.budget > 0 && used+cost > m.budget
}

// add records n billed units, returning today's new total.
func (m *meter) add(ctx context.Context, now time.Time, n int64) int64 {
	day := now.UTC().Format(time.DateOnly)
	if m.store == nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.rollover(day)
		m.used += n
		m.loaded = true
		return m.used
	}
	total, err := m.store.Add(ctx, m.backend, day, m.unit, n, now.UTC())
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollover(day)
	if err != nil {
		m.log.WarnContext(ctx, "tts usage not recorded", "backend", m.backend, "units", n, "err", err)
		m.used += n
		return m.used
	}
	// Writes of this node finish in any order: the largest total is the
	// latest.
	m.used, m.loaded = max(m.used, total), true
	return m.used
}
