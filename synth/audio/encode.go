package audio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/loa-audio/loa/synth/audio/lame"
)

// decoderDelay is the delay of a standard Layer III decoder (hybrid plus
// polyphase synthesis filter banks) in samples; LAME's gapless data, ffmpeg
// and go-mp3 all agree on 529.
const decoderDelay = 529

// encoderQuality is LAME's -q: 3 is near-best for speech at low bit rates
// and several times faster than 0.
const encoderQuality = 3

// Segment is one encoded clip or pause: bare MPEG audio frames of a single
// profile that can be concatenated frame by frame with any other segment
// of that profile.
type Segment struct {
	MP3     []byte // MPEG audio frames only: no ID3 tag, no Xing/Info frame
	Frames  int
	Profile Profile // resolved

	// SpeechOffset is the time from the start of the segment's first frame
	// to the first sample of spoken content in the decoded output: encoder
	// delay + decoder delay + the margin Prepare kept. A sentence starts at
	// its part's Start + SpeechOffset. Zero for pauses.
	SpeechOffset time.Duration
	// SpeechDuration is the length of the spoken content (without margins).
	SpeechDuration time.Duration
}

// Duration is the play time of the segment's frames.
func (s Segment) Duration() time.Duration { return s.Profile.FramesDuration(s.Frames) }

// Part makes an in-memory assembly part of the segment.
func (s Segment) Part() Part {
	data := s.MP3
	return Part{
		Frames: s.Frames,
		Size:   int64(len(data)),
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
	}
}

// EncodeSegment encodes prepared PCM (at the profile's rate) as one CBR
// segment with libmp3lame. Safe for concurrent use: each call has its own
// encoder. Errors wrap ErrProfile or ErrBadAudio.
func EncodeSegment(p PCM, prof Profile) (Segment, error) {
	prof, err := prof.Resolve()
	if err != nil {
		return Segment{}, fmt.Errorf("encode segment: %w", err)
	}
	if p.Rate != prof.SampleRate {
		return Segment{}, fmt.Errorf("encode segment: %w: PCM at %d Hz for a %d Hz profile (Prepare resamples)", ErrProfile, p.Rate, prof.SampleRate)
	}
	if len(p.Samples) == 0 || p.Lead < 0 || p.Tail < 0 || p.Lead+p.Tail > len(p.Samples) {
		return Segment{}, fmt.Errorf("encode segment: %w: %d samples with lead %d and tail %d", ErrBadAudio, len(p.Samples), p.Lead, p.Tail)
	}
	enc, err := lame.Encode(lameConfig(prof), p.Samples)
	if err != nil {
		return Segment{}, fmt.Errorf("encode segment: %w", err)
	}
	frames, err := checkFrames(enc.MP3, prof)
	if err != nil {
		return Segment{}, fmt.Errorf("encode segment: encoder output: %w", err)
	}
	return Segment{
		MP3:            enc.MP3,
		Frames:         frames,
		Profile:        prof,
		SpeechOffset:   samplesToDuration(int64(enc.Delay+decoderDelay+p.Lead), prof.SampleRate),
		SpeechDuration: samplesToDuration(int64(len(p.Samples)-p.Lead-p.Tail), prof.SampleRate),
	}, nil
}

func lameConfig(prof Profile) lame.EncoderConfig {
	return lame.EncoderConfig{
		SampleRate:  prof.SampleRate,
		Channels:    prof.Channels,
		BitrateKbps: prof.BitrateKbps,
		Quality:     encoderQuality,
	}
}

// checkFrames verifies that data is whole frames of exactly profile prof.
func checkFrames(data []byte, prof Profile) (int, error) {
	var v frameVerifier
	v.profile = prof
	n, err := v.consume(data)
	if err != nil {
		return 0, err
	}
	if n != len(data) {
		return 0, fmt.Errorf("%w: %d stray bytes after frame %d", ErrCorruptSegment, len(data)-n, v.frames)
	}
	return v.frames, nil
}

// silenceCache keeps pause segments: a handful of durations cover every
// article, and they never change for a profile.
var silenceCache = struct {
	sync.Mutex
	m map[silenceKey]Segment
}{m: map[silenceKey]Segment{}}

type silenceKey struct {
	prof   Profile
	frames int
}

const maxCachedSilences = 256

// maxPause bounds one pause; the encoder holds it in memory.
const maxPause = time.Minute

// Silence is a pause of d rounded to the nearest whole frame, encoded in
// the profile (digital silence). Results are cached and shared: callers
// must not modify Segment.MP3.
func Silence(prof Profile, d time.Duration) (Segment, error) {
	prof, err := prof.Resolve()
	if err != nil {
		return Segment{}, fmt.Errorf("encode silence: %w", err)
	}
	if d < 0 || d > maxPause {
		return Segment{}, fmt.Errorf("encode silence: %w: pause of %s (0 to %s)", ErrInvalid, d, maxPause)
	}
	fd := prof.FrameDuration()
	frames := int((d + fd/2) / fd)
	key := silenceKey{prof, frames}
	silenceCache.Lock()
	seg, ok := silenceCache.m[key]
	silenceCache.Unlock()
	if ok {
		return seg, nil
	}
	seg = Segment{Profile: prof, Frames: frames}
	if frames > 0 {
		// The first frames of an encoding of zeros: a prefix of a Layer III
		// stream never refers to bits after it, so it stands alone.
		spf := prof.FrameSamples()
		enc, err := lame.Encode(lameConfig(prof), make([]float32, (frames+2)*spf))
		if err != nil {
			return Segment{}, fmt.Errorf("encode silence: %w", err)
		}
		var v frameVerifier
		v.profile = prof
		v.limit = frames
		n, err := v.consume(enc.MP3)
		if err != nil {
			return Segment{}, fmt.Errorf("encode silence: encoder output: %w", err)
		}
		if v.frames != frames {
			return Segment{}, fmt.Errorf("encode silence: encoder made %d frames, want %d", v.frames, frames)
		}
		seg.MP3 = enc.MP3[:n]
	}
	silenceCache.Lock()
	if len(silenceCache.m) < maxCachedSilences {
		silenceCache.m[key] = seg
	}
	silenceCache.Unlock()
	return seg, nil
}
