// Package wav reads and writes the small subset of RIFF/WAVE that speech
// engines produce: 16-bit integer PCM, mono or interleaved channels.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Info describes the PCM stream inside a WAV file.
type Info struct {
	Format        uint16 // 1 = integer PCM
	Channels      int
	SampleRate    int
	BitsPerSample int
	DataOffset    int // where the samples start
	DataLen       int // sample bytes actually present
	// SizesPlaceholder is true when the RIFF or data size fields overrun the
	// buffer, as with espeak-ng --stdout (0x7ffff024 / 0x7ffff000).
	SizesPlaceholder bool
}

// Duration of the samples present.
func (i Info) Duration() time.Duration {
	frame := i.Channels * i.BitsPerSample / 8
	if frame == 0 || i.SampleRate == 0 {
		return 0
	}
	return time.Duration(i.DataLen/frame) * time.Second / time.Duration(i.SampleRate)
}

// ErrMalformed is returned for anything that is not a readable PCM WAV.
var ErrMalformed = errors.New("malformed WAV")

// Parse walks the chunks of b. Size fields that point past the end of the
// buffer are tolerated (read to EOF), because streaming writers cannot know
// the length when they write the header.
func Parse(b []byte) (Info, error) {
	var info Info
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return info, fmt.Errorf("%w: no RIFF/WAVE header", ErrMalformed)
	}
	if int64(binary.LittleEndian.Uint32(b[4:8]))+8 > int64(len(b)) {
		info.SizesPlaceholder = true
	}
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || body+16 > len(b) {
				return info, fmt.Errorf("%w: short fmt chunk", ErrMalformed)
			}
			info.Format = binary.LittleEndian.Uint16(b[body:])
			info.Channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[body+4:]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[body+14:]))
			haveFmt = true
		case "data":
			if !haveFmt {
				return info, fmt.Errorf("%w: data chunk before fmt", ErrMalformed)
			}
			info.DataOffset = body
			avail := int64(len(b) - body)
			if size > avail {
				info.SizesPlaceholder = true
				size = avail
			}
			info.DataLen = int(size)
			if err := info.check(); err != nil {
				return info, err
			}
			return info, nil
		}
		next := int64(body) + size + size&1
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	return info, fmt.Errorf("%w: no data chunk", ErrMalformed)
}

func (i Info) check() error {
	switch {
	case i.Format != 1 && i.Format != 0xFFFE:
		return fmt.Errorf("%w: format %d is not integer PCM", ErrMalformed, i.Format)
	case i.BitsPerSample != 16:
		return fmt.Errorf("%w: %d bits per sample, want 16", ErrMalformed, i.BitsPerSample)
	case i.Channels < 1 || i.Channels > 8:
		return fmt.Errorf("%w: %d channels", ErrMalformed, i.Channels)
	case i.SampleRate < 4000 || i.SampleRate > 192000:
		return fmt.Errorf("%w: sample rate %d", ErrMalformed, i.SampleRate)
	}
	return nil
}

// FixSizes rewrites placeholder RIFF and data sizes to the real ones, in
// place, so downstream readers that trust the header see the truth.
func FixSizes(b []byte) error {
	info, err := Parse(b)
	if err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	binary.LittleEndian.PutUint32(b[info.DataOffset-4:info.DataOffset], uint32(info.DataLen))
	return nil
}

// Encode writes 16-bit PCM samples (interleaved when channels > 1) as a
// canonical 44-byte-header WAV.
func Encode(samples []int16, rate, channels int) []byte {
	if channels < 1 {
		channels = 1
	}
	data := len(samples) * 2
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}

// Tone returns a sine wave with short fades, so that clips concatenated in
// tests do not click.
func Tone(freq float64, d time.Duration, rate int) []int16 {
	n := int(d.Seconds() * float64(rate))
	out := make([]int16, n)
	fade := rate / 100
	for i := range out {
		amp := 0.3
		if i < fade {
			amp *= float64(i) / float64(fade)
		} else if n-i < fade {
			amp *= float64(n-i) / float64(fade)
		}
		out[i] = int16(amp * math.MaxInt16 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// PCMBytes is the raw little-endian form of samples (FormatPCM).
func PCMBytes(samples []int16) []byte {
	b := make([]byte, len(samples)*2)
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}
