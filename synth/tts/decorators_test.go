package tts_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

var ctx = context.Background()

func TestRetryHonoursRetryAfter(t *testing.T) {
	fake := &ttstest.Fake{}
	fake.Push(ttstest.Step{Err: ttstest.RateLimited(2 * time.Second)})
	b := tts.WithRetry(fake, tts.RetryConfig{BaseDelay: time.Millisecond})
	start := time.Now()
	clip, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 2*time.Second || d > 3*time.Second {
		t.Fatalf("retried after %v, want 2–3 s", d)
	}
	if fake.Calls() != 2 || clip.Validate() != nil {
		t.Fatalf("calls %d", fake.Calls())
	}
}

func TestRetryBackoffGrows(t *testing.T) {
	fake := &ttstest.Fake{}
	fake.Push(ttstest.Step{Err: ttstest.ServerError()}, ttstest.Step{Err: ttstest.ServerError()}, ttstest.Step{Err: ttstest.ServerError()})
	// Jitter pinned to its maximum: waits are 40, 80, 160 ms.
	b := tts.WithRetry(fake, tts.RetryConfig{Attempts: 4, BaseDelay: 40 * time.Millisecond, Jitter: func() float64 { return 0.999 }})
	start := time.Now()
	if _, err := b.Synthesize(ctx, "x", tts.Voice{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 270*time.Millisecond || d > 2*time.Second {
		t.Fatalf("three backoffs took %v, want about 280 ms", d)
	}
	if fake.Calls() != 4 {
		t.Fatalf("calls %d", fake.Calls())
	}
}

func TestRetryGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		want  error
		calls int
	}{
		{"too long", tts.ErrTextTooLong, tts.ErrTextTooLong, 1},
		{"auth", ttstest.Unauthorized(), tts.ErrAuth, 1},
		{"invalid", tts.ErrInvalid, tts.ErrInvalid, 1},
		{"unknown voice", tts.ErrUnknownVoice, tts.ErrUnknownVoice, 1},
		{"Retry-After beyond the cap", ttstest.RateLimited(time.Hour), tts.ErrRateLimited, 1},
		{"stuck at 500", ttstest.ServerError(), tts.ErrUnavailable, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &ttstest.Fake{}
			fake.FailAlways(ttstest.Step{Err: tc.err})
			b := tts.WithRetry(fake, tts.RetryConfig{Attempts: 3, BaseDelay: time.Millisecond})
			start := time.Now()
			_, err := b.Synthesize(ctx, "x", tts.Voice{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if fake.Calls() != tc.calls {
				t.Fatalf("calls %d, want %d", fake.Calls(), tc.calls)
			}
			if time.Since(start) > time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
		})
	}
}

func TestRetryRespectsDeadlineAndCancel(t *testing.T) {
	fake := &ttstest.Fake{}
	fake.FailAlways(ttstest.Step{Err: ttstest.RateLimited(5 * time.Second)})
	b := tts.WithRetry(fake, tts.RetryConfig{})
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	if _, err := b.Synthesize(dctx, "x", tts.Voice{}); !errors.Is(err, tts.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("slept although the deadline is before the Retry-After")
	}

	fake.FailAlways(ttstest.Step{Err: ttstest.ServerError()})
	b = tts.WithRetry(fake, tts.RetryConfig{BaseDelay: 10 * time.Second})
	cctx, cancel2 := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel2)
	start = time.Now()
	_, _ = b.Synthesize(cctx, "x", tts.Voice{})
	if time.Since(start) > time.Second {
		t.Fatal("backoff ignored the cancel")
	}
}

// inflight counts concurrent calls.
type inflight struct {
	now, peak atomic.Int32
	delay     time.Duration
}

func (b *inflight) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	n := b.now.Add(1)
	defer b.now.Add(-1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(b.delay)
	return (&ttstest.Fake{}).Synthesize(ctx, text, v)
}

func TestLimitConcurrency(t *testing.T) {
	be := &inflight{delay: 30 * time.Millisecond}
	b := tts.WithLimit(be, tts.LimitConfig{Concurrency: 2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.Synthesize(ctx, "x", tts.Voice{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := be.peak.Load(); p != 2 {
		t.Fatalf("peak concurrency %d, want 2", p)
	}
}

func TestLimitRate(t *testing.T) {
	fake := &ttstest.Fake{}
	b := tts.WithLimit(fake, tts.LimitConfig{RatePerSec: 20, Burst: 2})
	start := time.Now()
	for range 6 {
		if _, err := b.Synthesize(ctx, "x", tts.Voice{}); err != nil {
			t.Fatal(err)
		}
	}
	// Two at once, then one every 50 ms: four waits.
	if d := time.Since(start); d < 190*time.Millisecond || d > time.Second {
		t.Fatalf("6 calls at 20/s with burst 2 took %v, want ≈200 ms", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	slow := tts.WithLimit(fake, tts.LimitConfig{RatePerSec: 0.001})
	_, _ = slow.Synthesize(ctx, "x", tts.Voice{}) // uses the only token
	if _, err := slow.Synthesize(cctx, "x", tts.Voice{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting for a token ignored the cancel: %v", err)
	}
}

func TestBreaker(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	fake := &ttstest.Fake{}
	br := tts.WithBreaker(fake, tts.BreakerConfig{Failures: 3, Cooldown: 10 * time.Second, Now: clock})
	fake.FailAlways(ttstest.Step{Err: ttstest.ServerError()})

	// Input errors say nothing about health.
	fake.Push(ttstest.Step{Err: tts.ErrTextTooLong}, ttstest.Step{Err: tts.ErrInvalid})
	for range 2 {
		_, _ = br.Synthesize(ctx, "x", tts.Voice{})
	}
	for i := range 3 {
		if br.State() != tts.BreakerClosed {
			t.Fatalf("open after %d failures", i)
		}
		_, _ = br.Synthesize(ctx, "x", tts.Voice{})
	}
	if br.State() != tts.BreakerOpen {
		t.Fatalf("state %v after 3 failures", br.State())
	}
	calls := fake.Calls()
	_, err := br.Synthesize(ctx, "x", tts.Voice{})
	if !errors.Is(err, tts.ErrCircuitOpen) || fake.Calls() != calls {
		t.Fatalf("open circuit: err = %v, backend called %d times more", err, fake.Calls()-calls)
	}

	// After the cool-down one probe goes through; it fails and re-opens.
	advance(10 * time.Second)
	if br.State() != tts.BreakerHalfOpen {
		t.Fatalf("state %v after cool-down", br.State())
	}
	if _, err := br.Synthesize(ctx, "x", tts.Voice{}); errors.Is(err, tts.ErrCircuitOpen) {
		t.Fatal("probe was not let through")
	}
	if br.State() != tts.BreakerOpen {
		t.Fatalf("failed probe left state %v", br.State())
	}

	// The backend heals; the next probe closes the circuit.
	fake.Heal()
	advance(10 * time.Second)
	if _, err := br.Synthesize(ctx, "x", tts.Voice{}); err != nil {
		t.Fatal(err)
	}
	if br.State() != tts.BreakerClosed {
		t.Fatalf("state %v after a good probe", br.State())
	}
}

func TestBreakerOneProbeAtATime(t *testing.T) {
	now := time.Unix(0, 0)
	fake := &ttstest.Fake{}
	br := tts.WithBreaker(fake, tts.BreakerConfig{Failures: 1, Cooldown: time.Second, Now: func() time.Time { return now }})
	fake.Push(ttstest.Step{Err: ttstest.ServerError()})
	_, _ = br.Synthesize(ctx, "x", tts.Voice{})
	now = now.Add(time.Second)
	fake.Push(ttstest.Step{Delay: 200 * time.Millisecond})
	done := make(chan error)
	go func() { _, err := br.Synthesize(ctx, "probe", tts.Voice{}); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if _, err := br.Synthesize(ctx, "second", tts.Voice{}); !errors.Is(err, tts.ErrCircuitOpen) {
		t.Fatalf("second caller during the probe: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestTimeout(t *testing.T) {
	fake := &ttstest.Fake{}
	fake.FailAlways(ttstest.Step{Hang: true})
	b := tts.WithTimeout(fake, 50*time.Millisecond)
	start := time.Now()
	_, err := b.Synthesize(ctx, "x", tts.Voice{})
	if !errors.Is(err, tts.ErrUnavailable) || !tts.Retryable(err) {
		t.Fatalf("err = %v, want retryable ErrUnavailable", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("timeout not applied")
	}
	// The caller's own cancel is not turned into "unavailable".
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Synthesize(cctx, "x", tts.Voice{}); errors.Is(err, tts.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("caller cancel: %v", err)
	}
	if tts.WithTimeout(fake, 0) != tts.Backend(fake) {
		t.Fatal("zero timeout wrapped")
	}
}
