package tts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
)

func TestClassification(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("synthesize sentence 3: %w", err) }
	truncated := &tts.Error{Kind: tts.ErrBadAudio, Err: fmt.Errorf("%w: unexpected EOF", tts.ErrUnavailable)}
	for _, tc := range []struct {
		name      string
		err       error
		retryable bool
		tooLong   bool
	}{
		{"nil", nil, false, false},
		{"rate limited", wrap(&tts.Error{Kind: tts.ErrRateLimited, Status: 429}), true, false},
		{"unavailable", wrap(tts.ErrUnavailable), true, false},
		{"truncated body", wrap(truncated), true, false},
		{"bad audio", wrap(tts.ErrBadAudio), false, false},
		{"too long", wrap(tts.ErrTextTooLong), false, true},
		{"auth", wrap(&tts.Error{Kind: tts.ErrAuth, Status: 401}), false, false},
		{"invalid", wrap(tts.ErrInvalid), false, false},
		{"unknown voice", wrap(tts.ErrUnknownVoice), false, false},
		{"over budget", wrap(tts.ErrOverBudget), false, false},
		{"circuit open", wrap(tts.ErrCircuitOpen), false, false},
		{"caller cancelled", wrap(context.Canceled), false, false},
		{"cancelled while unavailable", errors.Join(tts.ErrUnavailable, context.Canceled), false, false},
		{"plain error", errors.New("boom"), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tts.Retryable(tc.err); got != tc.retryable {
				t.Errorf("Retryable = %v, want %v", got, tc.retryable)
			}
			if got := tts.IsTooLong(tc.err); got != tc.tooLong {
				t.Errorf("IsTooLong = %v, want %v", got, tc.tooLong)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	err := fmt.Errorf("google: %w", &tts.Error{Kind: tts.ErrRateLimited, Status: 429, Code: "RESOURCE_EXHAUSTED", Message: "quota", RetryAfter: 2 * time.Second})
	if d, ok := tts.RetryAfter(err); !ok || d != 2*time.Second {
		t.Fatalf("RetryAfter = %v, %v", d, ok)
	}
	if !errors.Is(err, tts.ErrRateLimited) {
		t.Fatal("sentinel lost")
	}
	if want := "google: tts: rate limited: HTTP 429 RESOURCE_EXHAUSTED: quota (retry after 2s)"; err.Error() != want {
		t.Fatalf("message %q", err.Error())
	}
	if _, ok := tts.RetryAfter(tts.ErrUnavailable); ok {
		t.Fatal("RetryAfter invented a delay")
	}
}

func TestLimit(t *testing.T) {
	l := tts.Limit{MaxBytes: 10}
	if err := l.Check("Việt Nam"); err != nil { // 8 runes, 10 bytes
		t.Fatal(err)
	}
	if err := l.Check("Việt Nam!"); !tts.IsTooLong(err) {
		t.Fatalf("11 bytes: %v", err)
	}
	if err := (tts.Limit{MaxRunes: 8}).Check("Việt Nam!"); !tts.IsTooLong(err) {
		t.Fatalf("9 runes: %v", err)
	}
	if err := (tts.Limit{}).Check(string(make([]byte, 1<<20))); err != nil {
		t.Fatal("zero limit limited")
	}
	got := tts.Limit{MaxRunes: 4096}.Tighter(tts.Limit{MaxBytes: 5000}).Tighter(tts.Limit{MaxRunes: 5000})
	if got != (tts.Limit{MaxRunes: 4096, MaxBytes: 5000}) {
		t.Fatalf("Tighter = %+v", got)
	}
}
