package tts

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

// Validate checks that the bytes look like what Format says, so a backend
// never hands the decoder an HTML error page or half a header. It returns a
// wrapped ErrBadAudio. It does not decode MP3 frames; that, and the guard
// against mis-decoded MPEG-2 frames, belongs to the audio decoder.
func (c Clip) Validate() error {
	if len(c.Audio) == 0 {
		return fmt.Errorf("empty %s clip: %w", c.Format, ErrBadAudio)
	}
	switch c.Format {
	case FormatWAV:
		info, err := wav.Parse(c.Audio)
		if err != nil {
			return fmt.Errorf("%v: %w", err, ErrBadAudio)
		}
		if info.DataLen == 0 {
			return fmt.Errorf("WAV has no samples: %w", ErrBadAudio)
		}
		if c.SampleRate != 0 && c.SampleRate != info.SampleRate {
			return fmt.Errorf("WAV header says %d Hz, clip says %d: %w", info.SampleRate, c.SampleRate, ErrBadAudio)
		}
	case FormatPCM:
		ch := max(c.Channels, 1)
		if c.SampleRate <= 0 {
			return fmt.Errorf("PCM clip without sample rate: %w", ErrBadAudio)
		}
		if len(c.Audio)%(2*ch) != 0 {
			return fmt.Errorf("PCM clip of %d bytes is not whole 16-bit frames: %w", len(c.Audio), ErrBadAudio)
		}
	case FormatMP3:
		h, err := firstMP3Frame(c.Audio)
		if err != nil {
			return fmt.Errorf("%v: %w", err, ErrBadAudio)
		}
		if c.SampleRate != 0 && c.SampleRate != h.sampleRate {
			return fmt.Errorf("MP3 frames are %d Hz, clip says %d: %w", h.sampleRate, c.SampleRate, ErrBadAudio)
		}
	default:
		return fmt.Errorf("unknown clip format %q: %w", c.Format, ErrBadAudio)
	}
	return nil
}

// Duration of a WAV or PCM clip from its byte count; 0 for MP3, whose
// duration needs the decoder.
func (c Clip) Duration() time.Duration {
	switch c.Format {
	case FormatWAV:
		if info, err := wav.Parse(c.Audio); err == nil {
			return info.Duration()
		}
	case FormatPCM:
		ch := max(c.Channels, 1)
		if c.SampleRate > 0 {
			return time.Duration(len(c.Audio)/(2*ch)) * time.Second / time.Duration(c.SampleRate)
		}
	}
	return 0
}

// ProbeMP3 reads the sample rate of the first MPEG audio frame, after any
// ID3v2 tag. It returns a wrapped ErrBadAudio when there is no frame.
func ProbeMP3(b []byte) (sampleRate int, err error) {
	h, err := firstMP3Frame(b)
	if err != nil {
		return 0, fmt.Errorf("%v: %w", err, ErrBadAudio)
	}
	return h.sampleRate, nil
}

type mp3Header struct {
	version    string // "1", "2", "2.5"
	sampleRate int
}

var mp3Rates = map[string][3]int{
	"1":   {44100, 48000, 32000},
	"2":   {22050, 24000, 16000},
	"2.5": {11025, 12000, 8000},
}

// firstMP3Frame skips an ID3v2 tag and reads the first frame header.
func firstMP3Frame(b []byte) (mp3Header, error) {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		skip := 10 + size
		if b[5]&0x10 != 0 {
			skip += 10 // footer
		}
		if skip >= len(b) {
			return mp3Header{}, fmt.Errorf("MP3 has only an ID3 tag")
		}
		b = b[skip:]
	}
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mp3Header{}, fmt.Errorf("no MPEG frame sync at start")
	}
	var version string
	switch (b[1] >> 3) & 3 {
	case 0:
		version = "2.5"
	case 2:
		version = "2"
	case 3:
		version = "1"
	default:
		return mp3Header{}, fmt.Errorf("reserved MPEG version")
	}
	if (b[1]>>1)&3 == 0 {
		return mp3Header{}, fmt.Errorf("reserved MPEG layer")
	}
	if br := b[2] >> 4; br == 0xF {
		return mp3Header{}, fmt.Errorf("bad MPEG bitrate index")
	}
	sr := (b[2] >> 2) & 3
	if sr == 3 {
		return mp3Header{}, fmt.Errorf("reserved MPEG sample rate")
	}
	return mp3Header{version: version, sampleRate: mp3Rates[version][sr]}, nil
}

// String prints the voice without option values whose names look secret.
func (v Voice) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", v.Name)
	if v.Language != "" {
		fmt.Fprintf(&b, " (%s)", v.Language)
	}
	if v.Rate != 0 && v.Rate != 1 {
		fmt.Fprintf(&b, " rate=%g", v.Rate)
	}
	if v.Pitch != 0 {
		fmt.Fprintf(&b, " pitch=%+g", v.Pitch)
	}
	keys := make([]string, 0, len(v.Options))
	for k := range v.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := v.Options[k]
		if IsSecretName(k) {
			val = redacted
		}
		fmt.Fprintf(&b, " %s=%s", k, val)
	}
	return b.String()
}
