package tts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// BreakerConfig tunes WithBreaker. Zero values mean the defaults in brackets.
type BreakerConfig struct {
	Failures int              // consecutive failures that open the circuit [5]
	Cooldown time.Duration    // how long it stays open before one probe [30s]
	Now      func() time.Time // nil = time.Now
}

// BreakerState is the circuit's position.
type BreakerState int

const (
	BreakerClosed   BreakerState = iota // requests flow
	BreakerOpen                         // requests fail fast with ErrCircuitOpen
	BreakerHalfOpen                     // one probe is allowed through
)

func (s BreakerState) String() string {
	switch s {
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "closed"
}

// Breaker is a circuit breaker around a Backend: after Failures consecutive
// backend failures it fails fast for Cooldown, then lets one probe through
// and closes again if the probe succeeds. Input errors (too long, invalid,
// unknown voice) and a cancelled caller do not count: they say nothing about
// the backend's health.
type Breaker struct {
	next Backend
	cfg  BreakerConfig

	mu       sync.Mutex
	failures int
	openedAt time.Time
	state    BreakerState
	probing  bool
}

// WithBreaker wraps b in a circuit breaker.
func WithBreaker(b Backend, cfg BreakerConfig) *Breaker {
	if cfg.Failures <= 0 {
		cfg.Failures = 5
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{next: b, cfg: cfg}
}

func (br *Breaker) Unwrap() Backend { return br.next }

// State reports the circuit's current position.
func (br *Breaker) State() BreakerState {
	br.mu.Lock()
	defer br.mu.Unlock()
	br.advance()
	return br.state
}

// advance moves open → half-open once the cool-down has passed. mu held.
func (br *Breaker) advance() {
	if br.state == BreakerOpen && br.cfg.Now().Sub(br.openedAt) >= br.cfg.Cooldown {
		br.state = BreakerHalfOpen
		br.probing = false
	}
}

func (br *Breaker) Synthesize(ctx context.Context, text string, v Voice) (Clip, error) {
	br.mu.Lock()
	br.advance()
	switch {
	case br.state == BreakerOpen:
		left := br.cfg.Cooldown - br.cfg.Now().Sub(br.openedAt)
		br.mu.Unlock()
		return Clip{}, &Error{Kind: ErrCircuitOpen, Message: fmt.Sprintf("%d consecutive failures", br.cfg.Failures), RetryAfter: left}
	case br.state == BreakerHalfOpen && br.probing:
		br.mu.Unlock()
		return Clip{}, &Error{Kind: ErrCircuitOpen, Message: "probe in flight"}
	case br.state == BreakerHalfOpen:
		br.probing = true
	}
	br.mu.Unlock()

	clip, err := br.next.Synthesize(ctx, text, v)

	br.mu.Lock()
	defer br.mu.Unlock()
	wasProbe := br.state == BreakerHalfOpen && br.probing
	switch {
	case countsAgainstBackend(ctx, err):
		br.failures++
		if wasProbe || br.failures >= br.cfg.Failures {
			br.state, br.openedAt, br.probing = BreakerOpen, br.cfg.Now(), false
		}
	case err != nil && errors.Is(err, context.Canceled):
		if wasProbe {
			br.probing = false // let the next caller probe instead
		}
	default:
		br.failures, br.state, br.probing = 0, BreakerClosed, false
	}
	return clip, err
}

func countsAgainstBackend(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	return !errors.Is(err, ErrTextTooLong) && !errors.Is(err, ErrInvalid) &&
		!errors.Is(err, ErrUnknownVoice) && !errors.Is(err, ErrCircuitOpen) &&
		!errors.Is(err, context.Canceled)
}
