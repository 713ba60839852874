package tts

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// VoiceInfo describes one voice an engine offers.
type VoiceInfo struct {
	Name        string // what goes in Voice.Name
	Language    string // BCP 47 where the engine says so
	Gender      string // "female", "male" or ""
	Description string
	SampleRate  int // natural rate, 0 when unknown
}

// VoiceLister is implemented by backends that can enumerate their voices.
type VoiceLister interface {
	Voices(ctx context.Context) ([]VoiceInfo, error)
}

// OptionMarks is the Voice.Options key that asks a Marker backend to fill
// Clip.Marks; its only value today is MarksWord. Marks are opt-in because
// they can cost a different endpoint (ElevenLabs with-timestamps) or SSML
// rewriting (Google v1beta1), and because sentence timing already follows
// from clip durations.
const (
	OptionMarks = "marks"
	MarksWord   = "word"
)

// Marker is implemented by backends that can return word timings in
// Clip.Marks when the voice carries Options[OptionMarks] = MarksWord.
type Marker interface {
	WordMarks() bool
}

// Limit is the largest input a backend accepts in one request. Zero fields
// mean "no limit of that kind". Google counts UTF-8 bytes, most others
// characters; Vietnamese letters take 2–3 bytes each.
type Limit struct {
	MaxRunes int
	MaxBytes int
}

// Check reports whether text fits, as a wrapped ErrTextTooLong.
func (l Limit) Check(text string) error {
	if l.MaxBytes > 0 && len(text) > l.MaxBytes {
		return fmt.Errorf("%d bytes, limit %d: %w", len(text), l.MaxBytes, ErrTextTooLong)
	}
	if l.MaxRunes > 0 {
		if n := utf8.RuneCountInString(text); n > l.MaxRunes {
			return fmt.Errorf("%d characters, limit %d: %w", n, l.MaxRunes, ErrTextTooLong)
		}
	}
	return nil
}

// Tighter returns the stricter of two limits, field by field.
func (l Limit) Tighter(o Limit) Limit {
	pick := func(a, b int) int {
		switch {
		case a == 0:
			return b
		case b == 0:
			return a
		case a < b:
			return a
		}
		return b
	}
	return Limit{MaxRunes: pick(l.MaxRunes, o.MaxRunes), MaxBytes: pick(l.MaxBytes, o.MaxBytes)}
}

// InputLimiter is implemented by backends with a per-request input limit;
// the pipeline chunks text to fit it.
type InputLimiter interface {
	InputLimit() Limit
}

// Pinger is implemented by backends that can check their health without
// synthesizing (and so without paying).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Underlying strips decorators (anything with Unwrap() Backend) to reach the
// engine, so callers can look for capabilities such as VoiceLister.
func Underlying(b Backend) Backend {
	for {
		u, ok := b.(interface{ Unwrap() Backend })
		if !ok {
			return b
		}
		next := u.Unwrap()
		if next == nil {
			return b
		}
		b = next
	}
}
