// Package ttstest holds what tests of TTS backends and of their users need:
// the conformance suite every engine runs (Run) and an in-memory backend
// (Fake) with scriptable failures, in the spirit of database/sql's fakedb.
package ttstest

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

// Step scripts one call of a Fake.
type Step struct {
	Err   error         // returned instead of audio
	Delay time.Duration // wait this long first (gives up when ctx ends)
	Hang  bool          // block until ctx ends
}

// Fake is an in-memory backend. Each distinct text gives a distinct,
// deterministic tone (WAV, mono) whose length grows with the text, so tests
// can tell clips apart and stitch them. The zero value is ready to use and
// safe for concurrent calls.
type Fake struct {
	SampleRate int       // 0 = 22050
	Limit      tts.Limit // enforced and reported via InputLimit; zero = none

	mu     sync.Mutex
	calls  int
	texts  []string
	voices []string
	script []Step
	always *Step
}

var (
	_ tts.Backend      = (*Fake)(nil)
	_ tts.InputLimiter = (*Fake)(nil)
)

// Push queues steps consumed one per call, in order; calls beyond the
// script succeed (unless FailAlways is set).
func (f *Fake) Push(steps ...Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, steps...)
}

// FailAlways makes every call (after the pushed script) behave as s, like a
// backend stuck at 500. Heal undoes it.
func (f *Fake) FailAlways(s Step) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always = &s
}

// Heal clears FailAlways and any queued steps.
func (f *Fake) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always, f.script = nil, nil
}

// Calls is the number of Synthesize calls, failed ones included.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Texts returns the texts of every call, in order.
func (f *Fake) Texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.texts...)
}

// VoiceNames returns Voice.Name of every call, in order.
func (f *Fake) VoiceNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.voices...)
}

// Reset forgets calls and script.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls, f.texts, f.voices, f.script, f.always = 0, nil, nil, nil, nil
}

// InputLimit reports Limit.
func (f *Fake) InputLimit() tts.Limit { return f.Limit }

// Synthesize follows the script, then answers with a tone.
func (f *Fake) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	f.mu.Lock()
	f.calls++
	f.texts = append(f.texts, text)
	f.voices = append(f.voices, v.Name)
	var step Step
	switch {
	case len(f.script) > 0:
		step, f.script = f.script[0], f.script[1:]
	case f.always != nil:
		step = *f.always
	}
	rate := f.SampleRate
	f.mu.Unlock()

	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if step.Hang {
		<-ctx.Done()
		return tts.Clip{}, ctx.Err()
	}
	if step.Delay > 0 {
		t := time.NewTimer(step.Delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return tts.Clip{}, ctx.Err()
		case <-t.C:
		}
	}
	if step.Err != nil {
		return tts.Clip{}, step.Err
	}
	if strings.TrimSpace(text) == "" {
		return tts.Clip{}, fmt.Errorf("fake: empty text: %w", tts.ErrInvalid)
	}
	if err := f.Limit.Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("fake: %w", err)
	}
	if rate == 0 {
		rate = 22050
	}
	return tts.Clip{Audio: ToneFor(text, v, rate), Format: tts.FormatWAV, SampleRate: rate}, nil
}

// ToneFor is the WAV a Fake (and the HTTP fakes) return for text: a tone
// whose pitch depends on the text and voice and whose length is 40 ms per
// character (0.1 s to 10 s), scaled by the voice's rate.
func ToneFor(text string, v tts.Voice, rate int) []byte {
	return wav.Encode(ToneSamples(text, v, rate), rate, 1)
}

// ToneSamples is ToneFor without the WAV header.
func ToneSamples(text string, v tts.Voice, rate int) []int16 {
	h := fnv.New32a()
	h.Write([]byte(v.Name + "\x00" + text))
	freq := 200 + float64(h.Sum32()%600)
	d := time.Duration(utf8.RuneCountInString(text)) * 40 * time.Millisecond
	if v.Rate > 0 {
		d = time.Duration(float64(d) / v.Rate)
	}
	d = min(max(d, 100*time.Millisecond), 10*time.Second)
	return wav.Tone(freq, d, rate)
}

// Errors shaped like the ones real adapters return, for scripting.

// RateLimited is a 429 with Retry-After.
func RateLimited(after time.Duration) error {
	return &tts.Error{Kind: tts.ErrRateLimited, Status: http.StatusTooManyRequests, Message: "fake: slow down", RetryAfter: after}
}

// ServerError is a 500.
func ServerError() error {
	return &tts.Error{Kind: tts.ErrUnavailable, Status: http.StatusInternalServerError, Message: "fake: internal error"}
}

// Unauthorized is a 401.
func Unauthorized() error {
	return &tts.Error{Kind: tts.ErrAuth, Status: http.StatusUnauthorized, Message: "fake: bad key"}
}

// Opener returns a CatalogDeps.Open that builds the given backends by engine
// name and everything else through the registry.
func Opener(byEngine map[string]tts.Backend) func(string, map[string]string) (tts.Backend, error) {
	return func(engine string, cfg map[string]string) (tts.Backend, error) {
		if b, ok := byEngine[engine]; ok {
			return b, nil
		}
		return tts.Open(engine, cfg)
	}
}
