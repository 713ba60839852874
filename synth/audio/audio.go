// Package audio turns backend clips into Loa's one MP3 profile and stitches
// encoded segments into a finished file: decode, resample, trim, loudness,
// encode (libmp3lame through cgo), frame-exact assembly, tags and timings.
package audio

import (
	"fmt"
	"slices"
	"time"
)

// PCM is mono audio as float samples in [-1, 1].
type PCM struct {
	Samples []float32
	Rate    int

	// Lead and Tail are the samples of kept silence margin before and after
	// the spoken content. Prepare sets them; decoded clips have zero.
	Lead, Tail int
}

// Duration is the length of the samples.
func (p PCM) Duration() time.Duration { return samplesToDuration(int64(len(p.Samples)), p.Rate) }

// Profile is the single MP3 encoding every segment and pause uses, which is
// what makes assembly a frame copy instead of a transcode.
// Zero values mean the defaults: mono, 24 kHz, 48 kbps CBR.
type Profile struct {
	SampleRate  int // Hz
	BitrateKbps int // constant bit rate
	Channels    int // 1 (mono) or 2
}

// Profile defaults.
const (
	DefaultSampleRate  = 24000
	DefaultBitrateKbps = 48
	DefaultChannels    = 1
)

// Resolve fills defaults and checks that the profile is a valid MPEG
// Layer III CBR encoding (rate and bit rate from the standard's tables).
func (p Profile) Resolve() (Profile, error) {
	if p.SampleRate == 0 {
		p.SampleRate = DefaultSampleRate
	}
	if p.BitrateKbps == 0 {
		p.BitrateKbps = DefaultBitrateKbps
	}
	if p.Channels == 0 {
		p.Channels = DefaultChannels
	}
	if p.Channels != 1 && p.Channels != 2 {
		return p, fmt.Errorf("%w: %d channels (want 1 or 2)", ErrProfile, p.Channels)
	}
	v, ok := versionForRate(p.SampleRate)
	if !ok {
		return p, fmt.Errorf("%w: %d Hz is not an MPEG audio sample rate", ErrProfile, p.SampleRate)
	}
	if !slices.Contains(layer3Bitrates[v.lsf()][1:], p.BitrateKbps) {
		return p, fmt.Errorf("%w: %d kbps is not a Layer III bit rate at %d Hz", ErrProfile, p.BitrateKbps, p.SampleRate)
	}
	return p, nil
}

// FrameSamples is the number of samples per channel in one MPEG frame
// (1152 for MPEG-1 rates, 576 for MPEG-2 and 2.5).
func (p Profile) FrameSamples() int {
	v, _ := versionForRate(p.SampleRate)
	return v.samplesPerFrame()
}

// FrameDuration is the play time of one frame (24 ms for the default).
func (p Profile) FrameDuration() time.Duration {
	return samplesToDuration(int64(p.FrameSamples()), p.SampleRate)
}

// FramesDuration is the exact play time of n frames.
func (p Profile) FramesDuration(n int) time.Duration {
	return samplesToDuration(int64(n)*int64(p.FrameSamples()), p.SampleRate)
}

func samplesToDuration(n int64, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	// Split to avoid overflowing int64 nanoseconds for long inputs.
	sec := n / int64(rate)
	rem := n % int64(rate)
	return time.Duration(sec)*time.Second + time.Duration(rem*int64(time.Second)/int64(rate))
}
