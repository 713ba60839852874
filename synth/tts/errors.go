package tts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error is a classified failure reported by an engine: the sentinel it
// belongs to (Kind), what the vendor said, and how long it asked callers to
// wait. errors.Is(err, ErrRateLimited) and friends work through it.
type Error struct {
	Kind       error         // one of the package sentinels
	Status     int           // HTTP status; 0 for local engines
	Code       string        // vendor error code or status, e.g. "RESOURCE_EXHAUSTED"
	Message    string        // vendor message with secrets removed, truncated
	RetryAfter time.Duration // 0 when the vendor named no delay
	Err        error         // underlying cause, may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("tts: backend error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// RetryAfter reports the delay a vendor asked for (HTTP Retry-After on 429
// or 503), if any error in err's chain carries one.
func RetryAfter(err error) (time.Duration, bool) {
	var te *Error
	if errors.As(err, &te) && te.RetryAfter > 0 {
		return te.RetryAfter, true
	}
	return 0, false
}

// Retryable reports whether trying the same request again may succeed:
// rate limits, 5xx, network failures, per-attempt timeouts and truncated
// bodies. Input errors, authentication, budgets, an open circuit and a
// cancelled caller are final.
func Retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled),
		errors.Is(err, ErrTextTooLong),
		errors.Is(err, ErrAuth),
		errors.Is(err, ErrInvalid),
		errors.Is(err, ErrUnknownVoice),
		errors.Is(err, ErrOverBudget),
		errors.Is(err, ErrCircuitOpen):
		return false
	}
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable)
}

// IsTooLong reports whether the input must be split and sent again in
// smaller pieces.
func IsTooLong(err error) bool { return errors.Is(err, ErrTextTooLong) }

// kindLabel is the short metrics label for an error's class.
func kindLabel(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrTextTooLong):
		return "too_long"
	case errors.Is(err, ErrAuth):
		return "auth"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrUnknownVoice):
		return "unknown_voice"
	case errors.Is(err, ErrOverBudget):
		return "over_budget"
	case errors.Is(err, ErrCircuitOpen):
		return "circuit_open"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrBadAudio):
		return "bad_audio"
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return "unavailable"
	}
	return "error"
}
