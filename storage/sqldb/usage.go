package sqldb

import (
	"context"
	"fmt"
	"time"
)

// UsageRow is what one TTS backend instance was billed for on one UTC day.
type UsageRow struct {
	Backend   string
	Day       string // YYYY-MM-DD
	Unit      string
	Used      int64
	Requests  int64
	UpdatedAt time.Time
}

// Usage keeps the TTS cost guard's daily counters, shared by every node.
type Usage struct{ db *DB }

// Usage returns the usage counters.
func (d *DB) Usage() Usage { return Usage{d} }

// Add counts one request of n units and returns the day's new total; the
// increment is one statement, so nodes counting at once lose nothing.
func (u Usage) Add(ctx context.Context, backend, day, unit string, n int64, at time.Time) (int64, error) {
	var used int64
	err := u.db.Conn().QueryRow(ctx, `INSERT INTO tts_usage (backend, day, unit, used, requests, updated_at) VALUES (?, ?, ?, ?, 1, ?)
ON CONFLICT (backend, day) DO UPDATE SET used = tts_usage.used + excluded.used, requests = tts_usage.requests + 1,
    unit = excluded.unit, updated_at = excluded.updated_at
RETURNING used`, backend, day, unit, n, micros(at)).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("count usage of %s on %s: %w", backend, day, err)
	}
	return used, nil
}

// Get returns a backend's usage on a day; a day without requests is a
// zero row.
func (u Usage) Get(ctx context.Context, backend, day string) (UsageRow, error) {
	r := UsageRow{Backend: backend, Day: day}
	var at int64
	err := u.db.Conn().QueryRow(ctx, `SELECT unit, used, requests, updated_at FROM tts_usage WHERE backend = ? AND day = ?`, backend, day).
		Scan(&r.Unit, &r.Used, &r.Requests, &at)
	if isNoRows(err) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("read usage of %s on %s: %w", backend, day, err)
	}
	r.UpdatedAt = fromMicros(at)
	return r, nil
}

// Used returns a backend's billed units on a day.
func (u Usage) Used(ctx context.Context, backend, day string) (int64, error) {
	r, err := u.Get(ctx, backend, day)
	return r.Used, err
}
