// Package tts is the text-to-speech plug-in point: a small Backend interface,
// optional capabilities found by type assertion, and a registry in the style
// of database/sql. Engines live in sub-packages that register in init().
package tts

import (
	"context"
	"errors"
	"time"
)

// Format names the encoding of a Clip's bytes.
type Format string

const (
	FormatWAV Format = "wav" // RIFF/WAVE; size fields may be placeholders (espeak-ng --stdout)
	FormatPCM Format = "pcm" // raw signed 16-bit little-endian, Channels interleaved
	FormatMP3 Format = "mp3"
)

// Clip is what a backend returns for one piece of text.
type Clip struct {
	Audio      []byte
	Format     Format
	SampleRate int // required for FormatPCM; informative otherwise
	Channels   int // FormatPCM only; 0 means 1
	Marks      []Mark
}

// Mark is an optional timing point inside a clip (word or character
// alignment, SSML marks) for backends that offer one.
type Mark struct {
	Text   string
	Offset int // rune offset of Text in the synthesized input
	Start  time.Duration
	End    time.Duration
}

// Voice is what a backend needs to speak: its own voice name plus settings.
// The zero value of each setting means the engine's default.
type Voice struct {
	Name     string            // the engine's voice id: "vi", "vi-VN-HoaiMyNeural", "banmai"
	Language string            // BCP 47, e.g. "vi-VN"
	Rate     float64           // speaking-rate multiplier; 0 or 1 = normal
	Pitch    float64           // semitones relative to the voice's default
	Options  map[string]string // engine-specific (model, format, style)
}

// Backend turns text into audio. Implementations return the sentinels below
// (wrapped) so decorators can classify failures.
type Backend interface {
	Synthesize(ctx context.Context, text string, v Voice) (Clip, error)
}

// Sentinels for classifying backend failures.
var (
	ErrTextTooLong  = errors.New("tts: text too long for backend") // re-chunk and retry
	ErrRateLimited  = errors.New("tts: rate limited")              // retryable; see RetryAfter
	ErrAuth         = errors.New("tts: authentication failed")     // not retryable
	ErrInvalid      = errors.New("tts: invalid request")           // not retryable
	ErrUnavailable  = errors.New("tts: backend unavailable")       // retryable (5xx, network, timeout)
	ErrBadAudio     = errors.New("tts: backend returned unusable audio")
	ErrUnknownVoice = errors.New("tts: unknown voice")
	ErrOverBudget   = errors.New("tts: daily budget exhausted")
	ErrCircuitOpen  = errors.New("tts: circuit open")
)
