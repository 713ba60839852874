package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/hajimehoshi/go-mp3"

	"github.com/loa-audio/loa/synth/audio/lame"
)

// Clip formats Decode understands; the same strings as tts.Format.
const (
	FormatWAV = "wav" // RIFF/WAVE PCM or float; placeholder sizes allowed
	FormatPCM = "pcm" // raw signed 16-bit little-endian, interleaved
	FormatMP3 = "mp3" // MPEG Layer III, optional ID3 tags and Xing/Info frame
)

// maxClipSeconds bounds one decoded clip (and so Prepare's working set);
// backends cap a request at or below this (Azure: 10 minutes of audio), so
// anything longer is a broken or hostile body.
const maxClipSeconds = 10 * 60

// Decode turns a backend clip into mono PCM at the clip's own rate.
// sampleRate and channels describe raw PCM (channels 0 means 1) and are
// ignored for self-describing formats. Errors wrap ErrBadAudio (or
// ErrUnsafeMP3); a truncated or garbage body is always an error.
func Decode(format string, data []byte, sampleRate, channels int) (PCM, error) {
	var (
		p   PCM
		err error
	)
	switch format {
	case FormatWAV:
		p, err = decodeWAV(data)
	case FormatPCM:
		p, err = decodeRawPCM(data, sampleRate, channels)
	case FormatMP3:
		p, err = decodeMP3(data)
	default:
		err = fmt.Errorf("%w: unknown clip format %q", ErrBadAudio, format)
	}
	if err != nil {
		return PCM{}, fmt.Errorf("decode %s clip: %w", format, err)
	}
	return p, nil
}

func checkRate(rate int) error {
	if rate < 4000 || rate > 192000 {
		return fmt.Errorf("%w: sample rate %d Hz", ErrBadAudio, rate)
	}
	return nil
}

func checkLength(samples, rate int) error {
	if samples == 0 {
		return fmt.Errorf("%w: no samples", ErrBadAudio)
	}
	if samples/rate > maxClipSeconds {
		return fmt.Errorf("%w: %d s is longer than %d s", ErrBadAudio, samples/rate, maxClipSeconds)
	}
	return nil
}

func decodeRawPCM(data []byte, rate, channels int) (PCM, error) {
	if channels == 0 {
		channels = 1
	}
	if channels < 1 || channels > 16 {
		return PCM{}, fmt.Errorf("%w: %d channels", ErrBadAudio, channels)
	}
	if err := checkRate(rate); err != nil {
		return PCM{}, err
	}
	frame := 2 * channels
	if len(data)%frame != 0 {
		return PCM{}, fmt.Errorf("%w: %d bytes is not a whole number of %d-byte sample frames (truncated?)", ErrBadAudio, len(data), frame)
	}
	if err := checkLength(len(data)/frame, rate); err != nil {
		return PCM{}, err
	}
	return mixdown(data, pcmInt16, channels, rate)
}

// sampleKind is how one WAV sample is stored.
type sampleKind int

const (
	pcmUint8 sampleKind = iota
	pcmInt16
	pcmInt24
	pcmInt32
	pcmFloat32
	pcmFloat64
)

func (k sampleKind) bytes() int {
	return [...]int{1, 2, 3, 4, 4, 8}[k]
}

func (k sampleKind) at(b []byte) float64 {
	switch k {
	case pcmUint8:
		return (float64(b[0]) - 128) / 128
	case pcmInt16:
		return float64(int16(binary.LittleEndian.Uint16(b))) / (1 << 15)
	case pcmInt24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float64(v) / (1 << 23)
	case pcmInt32:
		return float64(int32(binary.LittleEndian.Uint32(b))) / (1 << 31)
	case pcmFloat32:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	default:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
}

// mixdown converts interleaved samples to mono by averaging channels.
func mixdown(data []byte, kind sampleKind, channels, rate int) (PCM, error) {
	width := kind.bytes()
	n := len(data) / (width * channels)
	out := make([]float32, n)
	for i := range out {
		var sum float64
		base := i * width * channels
		for c := 0; c < channels; c++ {
			sum += kind.at(data[base+c*width:])
		}
		v := sum / float64(channels)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return PCM{}, fmt.Errorf("%w: non-finite sample at %d", ErrBadAudio, i)
		}
		out[i] = float32(v)
	}
	return PCM{Samples: out, Rate: rate}, nil
}

const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatExtensible = 0xFFFE
)

type wavFormat struct {
	kind     sampleKind
	channels int
	rate     int
}

func parseWAVFormat(b []byte) (wavFormat, error) {
	if len(b) < 16 {
		return wavFormat{}, fmt.Errorf("%w: fmt chunk of %d bytes", ErrBadAudio, len(b))
	}
	tag := int(binary.LittleEndian.Uint16(b[0:]))
	f := wavFormat{
		channels: int(binary.LittleEndian.Uint16(b[2:])),
		rate:     int(binary.LittleEndian.Uint32(b[4:])),
	}
	blockAlign := int(binary.LittleEndian.Uint16(b[12:]))
	bits := int(binary.LittleEndian.Uint16(b[14:]))
	if tag == wavFormatExtensible {
		if len(b) < 40 {
			return wavFormat{}, fmt.Errorf("%w: extensible fmt chunk of %d bytes", ErrBadAudio, len(b))
		}
		// The sub-format GUID starts with the plain format tag.
		tag = int(binary.LittleEndian.Uint16(b[24:]))
	}
	switch {
	case tag == wavFormatPCM && bits == 8:
		f.kind = pcmUint8
	case tag == wavFormatPCM && bits == 16:
		f.kind = pcmInt16
	case tag == wavFormatPCM && bits == 24:
		f.kind = pcmInt24
	case tag == wavFormatPCM && bits == 32:
		f.kind = pcmInt32
	case tag == wavFormatFloat && bits == 32:
		f.kind = pcmFloat32
	case tag == wavFormatFloat && bits == 64:
		f.kind = pcmFloat64
	default:
		return wavFormat{}, fmt.Errorf("%w: unsupported WAV encoding (format %#x, %d bits)", ErrBadAudio, tag, bits)
	}
	if f.channels < 1 || f.channels > 16 {
		return wavFormat{}, fmt.Errorf("%w: %d channels", ErrBadAudio, f.channels)
	}
	if blockAlign != f.channels*f.kind.bytes() {
		return wavFormat{}, fmt.Errorf("%w: block align %d for %d channels of %d bits", ErrBadAudio, blockAlign, f.channels, bits)
	}
	if err := checkRate(f.rate); err != nil {
		return wavFormat{}, err
	}
	return f, nil
}

// unknownSize reports a data-chunk size that a streaming writer left as a
// placeholder (espeak-ng --stdout writes 0x7ffff000; others 0xffffffff or
// 0): the audio runs to the end of the body.
func unknownSize(size uint32, remaining int) bool {
	return size >= 0x7fff0000 || (size == 0 && remaining > 0)
}

func decodeWAV(data []byte) (PCM, error) {
	if len(data) < 12 || (string(data[0:4]) != "RIFF" && string(data[0:4]) != "RF64") || string(data[8:12]) != "WAVE" {
		return PCM{}, fmt.Errorf("%w: not a RIFF/WAVE body", ErrBadAudio)
	}
	var (
		format *wavFormat
		pos    = 12
	)
	for pos+8 <= len(data) {
		id := string(data[pos : pos+4])
		size := binary.LittleEndian.Uint32(data[pos+4:])
		body := pos + 8
		remaining := len(data) - body
		switch id {
		case "fmt ":
			if int64(size) > int64(remaining) {
				return PCM{}, fmt.Errorf("%w: fmt chunk runs past the end", ErrBadAudio)
			}
			f, err := parseWAVFormat(data[body : body+int(size)])
			if err != nil {
				return PCM{}, err
			}
			format = &f
		case "data":
			if format == nil {
				return PCM{}, fmt.Errorf("%w: data chunk before fmt chunk", ErrBadAudio)
			}
			n := remaining
			if !unknownSize(size, remaining) {
				if int64(size) > int64(remaining) {
					return PCM{}, fmt.Errorf("%w: data chunk declares %d bytes, body has %d (truncated)", ErrBadAudio, size, remaining)
				}
				n = int(size)
			}
			block := format.channels * format.kind.bytes()
			if n%block != 0 {
				return PCM{}, fmt.Errorf("%w: %d data bytes is not a whole number of %d-byte sample frames (truncated?)", ErrBadAudio, n, block)
			}
			if err := checkLength(n/block, format.rate); err != nil {
				return PCM{}, err
			}
			return mixdown(data[body:body+n], format.kind, format.channels, format.rate)
		}
		next := int64(body) + int64(size) + int64(size&1)
		if next > int64(len(data)) {
			return PCM{}, fmt.Errorf("%w: %q chunk runs past the end", ErrBadAudio, id)
		}
		pos = int(next)
	}
	return PCM{}, fmt.Errorf("%w: no data chunk", ErrBadAudio)
}

// mp3Stream is an MP3 body split into its audio frames.
type mp3Stream struct {
	header FrameHeader // first audio frame
	frames [][]byte    // audio frames only: tags and the Xing/Info frame removed
	// goMP3Unsafe: some frame is one go-mp3 v0.3.4 would mis-size.
	goMP3Unsafe bool
}

// splitMP3 validates an MP3 body: optional ID3v2 tags, an optional
// Xing/Info/VBRI frame, Layer III frames of one stream back to back, an
// optional ID3v1 tag. Anything else (junk, a cut frame) is an error.
func splitMP3(data []byte) (mp3Stream, error) {
	for len(data) >= 10 && string(data[:3]) == "ID3" {
		if data[6]|data[7]|data[8]|data[9] >= 0x80 {
			return mp3Stream{}, fmt.Errorf("%w: bad ID3v2 size", ErrBadAudio)
		}
		size := 10 + (int(data[6])<<21 | int(data[7])<<14 | int(data[8])<<7 | int(data[9]))
		if data[5]&0x10 != 0 {
			size += 10 // footer
		}
		if size > len(data) {
			return mp3Stream{}, fmt.Errorf("%w: ID3v2 tag runs past the end", ErrBadAudio)
		}
		data = data[size:]
	}
	if len(data) >= 128 && string(data[len(data)-128:len(data)-125]) == "TAG" {
		data = data[:len(data)-128]
	}
	var s mp3Stream
	for pos := 0; pos < len(data); {
		h, err := ParseFrameHeader(data[pos:])
		if err != nil {
			if len(s.frames) > 0 && errors.Is(err, io.ErrUnexpectedEOF) {
				return mp3Stream{}, fmt.Errorf("%w: truncated after frame %d", ErrBadAudio, len(s.frames))
			}
			return mp3Stream{}, fmt.Errorf("%w: byte %d after frame %d: %v", ErrBadAudio, pos, len(s.frames), err)
		}
		if h.Layer != 3 {
			return mp3Stream{}, fmt.Errorf("%w: %s (only Layer III is supported)", ErrBadAudio, h)
		}
		size := h.Size()
		if pos+size > len(data) {
			return mp3Stream{}, fmt.Errorf("%w: frame %d is truncated (%d of %d bytes)", ErrBadAudio, len(s.frames), len(data)-pos, size)
		}
		frame := data[pos : pos+size]
		pos += size
		if len(s.frames) == 0 && s.header.Layer == 0 {
			s.header = h
			if isTagFrame(h, frame) {
				continue
			}
		} else if !h.sameStream(s.header) {
			return mp3Stream{}, fmt.Errorf("%w: frame %d is %s, stream is %s", ErrBadAudio, len(s.frames), h, s.header)
		}
		if h.Version != MPEG1 && h.goMP3Size() != size {
			s.goMP3Unsafe = true
		}
		s.frames = append(s.frames, frame)
	}
	if len(s.frames) == 0 {
		return mp3Stream{}, fmt.Errorf("%w: no MPEG audio frames", ErrBadAudio)
	}
	return s, nil
}

// isTagFrame reports a Xing/Info (or Fraunhofer VBRI) metadata frame, which
// decoders that know it skip and others decode as silence.
func isTagFrame(h FrameHeader, frame []byte) bool {
	off := 4 + h.sideInfoSize()
	if h.CRC {
		off += 2
	}
	if len(frame) >= off+4 {
		if tag := string(frame[off : off+4]); tag == "Xing" || tag == "Info" {
			return true
		}
	}
	return len(frame) >= 40 && string(frame[36:40]) == "VBRI"
}

func decodeMP3(data []byte) (PCM, error) {
	s, err := splitMP3(data)
	if err != nil {
		return PCM{}, err
	}
	spf := s.header.Samples()
	want := len(s.frames) * spf
	if err := checkLength(want, s.header.SampleRate); err != nil {
		return PCM{}, err
	}
	var out []float32
	// go-mp3 cannot read MPEG-2.5 and mis-sizes padded MPEG-2 frames,
	// which yields noise of the right length; libmp3lame's own decoder
	// sizes them correctly, so those streams go there.
	if s.goMP3Unsafe || s.header.Version == MPEG25 {
		out, err = decodeWithLAME(s, want)
	} else {
		out, err = decodeWithGoMP3(s, want)
	}
	if err != nil {
		return PCM{}, err
	}
	if len(out) != want {
		return PCM{}, fmt.Errorf("%w: decoder produced %d samples for %d frames of %d", ErrUnsafeMP3, len(out), len(s.frames), spf)
	}
	return PCM{Samples: out, Rate: s.header.SampleRate}, nil
}

func decodeWithLAME(s mp3Stream, want int) ([]float32, error) {
	d, err := lame.Decode(s.frames, want)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadAudio, err)
	}
	if d.SampleRate != s.header.SampleRate {
		return nil, fmt.Errorf("%w: decoder reports %d Hz, frames say %d Hz", ErrUnsafeMP3, d.SampleRate, s.header.SampleRate)
	}
	out := make([]float32, len(d.Left))
	for i, l := range d.Left {
		v := float32(l)
		if d.Right != nil {
			v = (v + float32(d.Right[i])) / 2
		}
		out[i] = v / (1 << 15)
	}
	return out, nil
}

func decodeWithGoMP3(s mp3Stream, want int) (out []float32, err error) {
	// go-mp3 indexes its tables with values read from the stream; a frame
	// with valid framing but nonsense side information must not take the
	// process down.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: mp3 decoder failed: %v", ErrBadAudio, r)
		}
	}()
	d, err := mp3.NewDecoder(bytes.NewReader(bytes.Join(s.frames, nil)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadAudio, err)
	}
	out = make([]float32, 0, want)
	buf := make([]byte, 16<<10) // go-mp3 always emits 16-bit stereo
	for {
		n, err := d.Read(buf)
		for i := 0; i+4 <= n; i += 4 {
			l := int16(binary.LittleEndian.Uint16(buf[i:]))
			r := int16(binary.LittleEndian.Uint16(buf[i+2:]))
			out = append(out, float32(int32(l)+int32(r))/(2<<15))
		}
		if n%4 != 0 {
			return nil, fmt.Errorf("%w: mp3 decoder returned a partial sample", ErrUnsafeMP3)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadAudio, err)
		}
		if len(out) > want {
			return nil, fmt.Errorf("%w: decoder produced more samples than %d frames hold", ErrUnsafeMP3, len(s.frames))
		}
	}
}
