package tts

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// RetryConfig tunes WithRetry. Zero values mean the defaults in brackets.
type RetryConfig struct {
	Attempts      int           // total tries including the first [4]
	BaseDelay     time.Duration // first backoff [500ms]; doubles each retry
	MaxDelay      time.Duration // cap on one backoff [20s]
	MaxRetryAfter time.Duration // a longer Retry-After is returned to the caller, not slept [60s]
	Logger        *slog.Logger  // nil = no logging
	// Jitter returns a number in [0,1); nil = math/rand. Tests pin it.
	Jitter func() float64
}

func (c RetryConfig) withDefaults() RetryConfig {
	if c.Attempts <= 0 {
		c.Attempts = 4
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 500 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 20 * time.Second
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 60 * time.Second
	}
	if c.Jitter == nil {
		c.Jitter = rand.Float64
	}
	return c
}

// WithRetry retries Retryable failures with exponential backoff and jitter.
// When the vendor names a delay (Retry-After on 429/503) it waits at least
// that long. It never retries ErrTextTooLong, ErrAuth or ErrInvalid, and it
// gives up early rather than sleep past the caller's deadline.
func WithRetry(b Backend, cfg RetryConfig) Backend {
	return &retrying{next: b, cfg: cfg.withDefaults()}
}

type retrying struct {
	next Backend
	cfg  RetryConfig
}

func (r *retrying) Unwrap() Backend { return r.next }

func (r *retrying) Synthesize(ctx context.Context, text string, v Voice) (Clip, error) {
	for attempt := 1; ; attempt++ {
		clip, err := r.next.Synthesize(ctx, text, v)
		if err == nil || attempt >= r.cfg.Attempts || !Retryable(err) || ctx.Err() != nil {
			return clip, err
		}
		delay := r.delay(attempt, err)
		if delay < 0 {
			return clip, err // the vendor asked for longer than we are willing to wait
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return clip, err
		}
		if r.cfg.Logger != nil {
			r.cfg.Logger.DebugContext(ctx, "tts retry", "attempt", attempt, "delay", delay, "err", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return clip, err
		case <-t.C:
		}
	}
}

// delay is the wait before retry number attempt, or -1 to give up.
func (r *retrying) delay(attempt int, err error) time.Duration {
	if ra, ok := RetryAfter(err); ok {
		if ra > r.cfg.MaxRetryAfter {
			return -1
		}
		// A little jitter on top, never below what the vendor asked for,
		// so a crowd of clients told "2 s" does not return in lockstep.
		return ra + time.Duration(r.cfg.Jitter()*float64(min(ra/10, time.Second)))
	}
	d := r.cfg.BaseDelay << (attempt - 1)
	if d > r.cfg.MaxDelay || d <= 0 {
		d = r.cfg.MaxDelay
	}
	// "Equal jitter": half fixed, half random, so waits grow but spread.
	return d/2 + time.Duration(r.cfg.Jitter()*float64(d/2))
}
