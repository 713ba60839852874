package article

import (
	"errors"
	"time"
)

// Sentinels of the service layer. The API maps them to HTTP status codes in
// one place (api/errors.go); everything else wraps them with context.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalidInput = errors.New("invalid input")
	ErrTooLarge     = errors.New("too large")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden") // e.g. URL to a private address
	ErrUnavailable  = errors.New("unavailable")
	// ErrUnprocessable: the request was fine but the remote page could not be used.
	ErrUnprocessable = errors.New("unprocessable")
	// ErrBusy: the request is fine but must wait; a *BusyError says how long.
	ErrBusy = errors.New("too many requests")
)

// inputError wraps a message so that errors.Is(err, ErrInvalidInput) holds
// while the message names the exact problem for the client.
type inputError struct {
	kind error
	msg  string
}

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return e.kind }

// Invalid is an ErrInvalidInput whose message is exactly msg.
func Invalid(msg string) error { return &inputError{kind: ErrInvalidInput, msg: msg} }

// TooLarge is an ErrTooLarge whose message is exactly msg.
func TooLarge(msg string) error { return &inputError{kind: ErrTooLarge, msg: msg} }

// BusyError is ErrBusy with the time after which a retry may succeed.
type BusyError struct {
	RetryAfter time.Duration
	msg        string
}

// Busy is a *BusyError whose message is exactly msg.
func Busy(retryAfter time.Duration, msg string) *BusyError {
	return &BusyError{RetryAfter: retryAfter, msg: msg}
}

func (e *BusyError) Error() string { return e.msg }
func (e *BusyError) Unwrap() error { return ErrBusy }
