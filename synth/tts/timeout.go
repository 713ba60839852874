package tts

import (
	"context"
	"fmt"
	"time"
)

// WithTimeout bounds each call to b. A call that runs out of its own time
// (not the caller's) fails with a retryable ErrUnavailable. d <= 0 returns b.
func WithTimeout(b Backend, d time.Duration) Backend {
	if d <= 0 {
		return b
	}
	return &timeboxed{next: b, d: d}
}

type timeboxed struct {
	next Backend
	d    time.Duration
}

func (t *timeboxed) Unwrap() Backend { return t.next }

func (t *timeboxed) Synthesize(ctx context.Context, text string, v Voice) (Clip, error) {
	cctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	clip, err := t.next.Synthesize(cctx, text, v)
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return Clip{}, &Error{Kind: ErrUnavailable, Message: fmt.Sprintf("no answer within %s", t.d), Err: err}
	}
	return clip, err
}
