package synth

import "errors"

// Sentinels of the service layer. The API maps them to HTTP status codes in
// one place (api/errors.go); everything else wraps them with context.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalidInput = errors.New("invalid input")
	ErrTooLarge     = errors.New("too large")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden") // e.g. URL to a private address
	ErrUnavailable  = errors.New("unavailable")
)

// inputError wraps a message so that errors.Is(err, ErrInvalidInput) holds
// while the message names the exact problem for the client.
type inputError struct {
	kind error
	msg  string
}

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return e.kind }

func invalid(msg string) error  { return &inputError{kind: ErrInvalidInput, msg: msg} }
func tooLarge(msg string) error { return &inputError{kind: ErrTooLarge, msg: msg} }

// Invalid is an ErrInvalidInput whose message is exactly msg, for other
// packages of the service layer.
func Invalid(msg string) error { return invalid(msg) }
