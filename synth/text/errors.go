package text

import "errors"

// Sentinels for bad input. Callers test them with errors.Is; every error
// returned by this package that is caused by the input wraps one of them.
var (
	// ErrEmpty: the input holds no readable text (empty, whitespace only,
	// or HTML with no article text).
	ErrEmpty = errors.New("text: no readable text")
	// ErrNotText: the input is binary or not decodable as text.
	ErrNotText = errors.New("text: input is not text")
	// ErrTooLarge: the input is bigger than the configured limit, or its
	// HTML is nested deeper than a parser can safely follow.
	ErrTooLarge = errors.New("text: input too large")
	// ErrInvalidRule: a pronunciation rule failed validation.
	ErrInvalidRule = errors.New("text: invalid lexicon rule")
)
