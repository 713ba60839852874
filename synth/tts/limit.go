package tts

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// LimitConfig tunes WithLimit. Zero values disable each limit.
type LimitConfig struct {
	Concurrency int     // requests in flight at once
	RatePerSec  float64 // sustained requests per second
	Burst       int     // requests allowed back to back before the rate applies; 0 = 1
}

// WithLimit bounds how many requests reach b at once and how fast they
// start, waiting (honouring ctx) rather than failing.
func WithLimit(b Backend, cfg LimitConfig) Backend {
	l := &limited{next: b}
	if cfg.Concurrency > 0 {
		l.sem = make(chan struct{}, cfg.Concurrency)
	}
	if cfg.RatePerSec > 0 {
		l.interval = time.Duration(float64(time.Second) / cfg.RatePerSec)
		l.tolerance = time.Duration(max(cfg.Burst-1, 0)) * l.interval
	}
	return l
}

type limited struct {
	next Backend
	sem  chan struct{}

	mu        sync.Mutex
	interval  time.Duration
	tolerance time.Duration
	tat       time.Time // theoretical arrival time of the next request (GCRA)
}

func (l *limited) Unwrap() Backend { return l.next }

func (l *limited) Synthesize(ctx context.Context, text string, v Voice) (Clip, error) {
	if l.sem != nil {
		select {
		case l.sem <- struct{}{}:
			defer func() { <-l.sem }()
		case <-ctx.Done():
			return Clip{}, fmt.Errorf("wait for a backend slot: %w", ctx.Err())
		}
	}
	if err := l.waitRate(ctx); err != nil {
		return Clip{}, err
	}
	return l.next.Synthesize(ctx, text, v)
}

func (l *limited) waitRate(ctx context.Context) error {
	if l.interval == 0 {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	if l.tat.Before(now) {
		l.tat = now
	}
	wait := l.tat.Sub(now) - l.tolerance
	l.tat = l.tat.Add(l.interval)
	l.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.tat = l.tat.Add(-l.interval) // give the unused slot back
		l.mu.Unlock()
		return fmt.Errorf("wait for rate limit: %w", ctx.Err())
	}
}
