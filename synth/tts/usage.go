package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/storage"
)

// UsageStore is the part of storage.Store the cost guard needs: reads and
// compare-and-swap writes (PutOptions.IfMatch / IfNoneMatch).
type UsageStore interface {
	Get(ctx context.Context, key string, rng *storage.Range) (io.ReadCloser, storage.Info, error)
	Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.Info, error)
}

// Usage is what one backend instance was billed for on one UTC day, as
// stored under UsageKey.
type Usage struct {
	Backend   string    `json:"backend"`
	Day       string    `json:"day"`  // YYYY-MM-DD, UTC
	Unit      string    `json:"unit"` // "characters" or "bytes"
	Used      int64     `json:"used"`
	Requests  int64     `json:"requests"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UsageKey is the store key of a backend's usage for the UTC day of t.
func UsageKey(backend string, t time.Time) string {
	return "usage/" + backend + "/" + t.UTC().Format(time.DateOnly) + ".json"
}

// billed is what text costs under unit.
func billed(unit, text string) int64 {
	if unit == "bytes" {
		return int64(len(text))
	}
	return int64(utf8.RuneCountInString(text))
}

// meter keeps one backend's usage: the store is the truth shared by every
// node; the in-memory copy answers budget checks between writes.
type meter struct {
	backend string
	unit    string
	budget  int64
	store   UsageStore // nil = count in memory only
	log     *slog.Logger

	mu     sync.Mutex // serializes this node's writes, so CAS conflicts come only from other nodes
	day    string
	used   int64
	loaded bool
}

// current returns today's usage, reading the store once per day (and after
// every write of ours, which re-reads it as part of the CAS).
func (m *meter) current(ctx context.Context, now time.Time) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	day := now.UTC().Format(time.DateOnly)
	if m.day != day {
		m.day, m.used, m.loaded = day, 0, false
	}
	if !m.loaded && m.store != nil {
		u, _, err := m.read(ctx, now)
		if err != nil {
			// Fail open: a store outage must not silence every article, and
			// the next successful write corrects the count.
			m.log.WarnContext(ctx, "tts usage unreadable", "backend", m.backend, "err", err)
			return m.used
		}
		m.used = u.Used
	}
	m.loaded = true
	return m.used
}

// overBudget reports whether spending cost now would exceed the budget.
func (m *meter) overBudget(ctx context.Context, now time.Time, cost int64) (used int64, over bool) {
	used = m.current(ctx, now)
	return used, m.budget > 0 && used+cost > m.budget
}

func (m *meter) read(ctx context.Context, now time.Time) (Usage, string, error) {
	key := UsageKey(m.backend, now)
	rc, info, err := m.store.Get(ctx, key, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return Usage{Backend: m.backend, Day: now.UTC().Format(time.DateOnly), Unit: m.unit}, "", nil
	}
	if err != nil {
		return Usage{}, "", fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	var u Usage
	if err := json.NewDecoder(io.LimitReader(rc, 1<<16)).Decode(&u); err != nil {
		return Usage{}, "", fmt.Errorf("decode %s: %w", key, err)
	}
	if info.ETag == "" {
		return Usage{}, "", fmt.Errorf("read %s: store gave no ETag for compare-and-swap", key)
	}
	return u, info.ETag, nil
}

// add records n billed units, returning today's new total.
func (m *meter) add(ctx context.Context, now time.Time, n int64) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	day := now.UTC().Format(time.DateOnly)
	if m.day != day {
		m.day, m.used, m.loaded = day, 0, false
	}
	if m.store == nil {
		m.used += n
		m.loaded = true
		return m.used
	}
	total, err := m.casAdd(ctx, now, n)
	if err != nil {
		m.log.WarnContext(ctx, "tts usage not recorded", "backend", m.backend, "units", n, "err", err)
		m.used += n
		return m.used
	}
	m.used, m.loaded = total, true
	return total
}

func (m *meter) casAdd(ctx context.Context, now time.Time, n int64) (int64, error) {
	key := UsageKey(m.backend, now)
	for attempt := 0; attempt < 16; attempt++ {
		u, etag, err := m.read(ctx, now)
		if err != nil {
			return 0, err
		}
		u.Backend, u.Unit = m.backend, m.unit
		u.Used += n
		u.Requests++
		u.UpdatedAt = now.UTC()
		body, err := json.Marshal(u)
		if err != nil {
			return 0, err
		}
		opts := storage.PutOptions{ContentType: "application/json", IfMatch: etag, IfNoneMatch: etag == ""}
		_, err = m.store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), opts)
		if err == nil {
			return u.Used, nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return 0, fmt.Errorf("write %s: %w", key, err)
		}
		// Another node wrote first: back off a little and re-read.
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(rand.IntN(20)+1) * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("write %s: too many concurrent updates", key)
}
