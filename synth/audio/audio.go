// Package audio turns backend clips into Loa's one MP3 profile and stitches
// encoded segments into a finished file: decode, resample, trim, loudness,
// encode (libmp3lame through cgo), frame-exact assembly, tags and timings.
package audio

// PCM is mono audio as float samples in [-1, 1].
type PCM struct {
	Samples []float32
	Rate    int
}

// Profile is the single MP3 encoding every segment and pause uses, which is
// what makes assembly a frame copy instead of a transcode.
// Zero values mean the defaults: mono, 24 kHz, 48 kbps CBR.
type Profile struct {
	SampleRate  int // Hz
	BitrateKbps int // constant bit rate
	Channels    int // 1 (mono) or 2
}
