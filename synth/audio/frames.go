package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MPEGVersion is the MPEG audio version of a frame.
type MPEGVersion int

// MPEG audio versions.
const (
	MPEG1  MPEGVersion = 1
	MPEG2  MPEGVersion = 2
	MPEG25 MPEGVersion = 3 // MPEG-2.5, the unofficial low-rate extension
)

func (v MPEGVersion) String() string {
	switch v {
	case MPEG1:
		return "MPEG-1"
	case MPEG2:
		return "MPEG-2"
	case MPEG25:
		return "MPEG-2.5"
	}
	return fmt.Sprintf("MPEG(%d)", int(v))
}

// lsf is 1 for the low-sampling-frequency versions (2 and 2.5).
func (v MPEGVersion) lsf() int {
	if v == MPEG1 {
		return 0
	}
	return 1
}

func (v MPEGVersion) samplesPerFrame() int {
	if v == MPEG1 {
		return 1152
	}
	return 576
}

var sampleRates = map[MPEGVersion][3]int{
	MPEG1:  {44100, 48000, 32000},
	MPEG2:  {22050, 24000, 16000},
	MPEG25: {11025, 12000, 8000},
}

// layer3Bitrates in kbps by [lsf][index]; index 0 is free format.
var layer3Bitrates = [2][15]int{
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}

// Layer I and II tables, only so foreign frames can be sized and named.
var (
	layer1Bitrates = [2][15]int{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	}
	layer2Bitrates = [2][15]int{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	}
)

func versionForRate(rate int) (MPEGVersion, bool) {
	for _, v := range []MPEGVersion{MPEG1, MPEG2, MPEG25} {
		for _, r := range sampleRates[v] {
			if r == rate {
				return v, true
			}
		}
	}
	return 0, false
}

// FrameHeader is a parsed 4-byte MPEG audio frame header.
type FrameHeader struct {
	Version     MPEGVersion
	Layer       int // 1, 2 or 3
	CRC         bool
	BitrateKbps int
	SampleRate  int
	Padding     bool
	ChannelMode int // 0 stereo, 1 joint stereo, 2 dual channel, 3 mono
}

// errNoSync is returned for four bytes that are not a frame header.
var errNoSync = errors.New("no MPEG frame sync")

// ParseFrameHeader parses the first four bytes of b. Free-format frames
// (bit rate index 0) are rejected: their size cannot be known from the header.
func ParseFrameHeader(b []byte) (FrameHeader, error) {
	if len(b) < 4 {
		return FrameHeader{}, io.ErrUnexpectedEOF
	}
	raw := binary.BigEndian.Uint32(b)
	if raw&0xFFE00000 != 0xFFE00000 {
		return FrameHeader{}, errNoSync
	}
	var h FrameHeader
	switch (raw >> 19) & 3 {
	case 0:
		h.Version = MPEG25
	case 2:
		h.Version = MPEG2
	case 3:
		h.Version = MPEG1
	default:
		return FrameHeader{}, fmt.Errorf("reserved MPEG version in header %08x", raw)
	}
	layerBits := (raw >> 17) & 3
	if layerBits == 0 {
		return FrameHeader{}, fmt.Errorf("reserved layer in header %08x", raw)
	}
	h.Layer = 4 - int(layerBits)
	h.CRC = (raw>>16)&1 == 0
	bi := (raw >> 12) & 0xF
	if bi == 0 {
		return FrameHeader{}, fmt.Errorf("free-format bit rate in header %08x", raw)
	}
	if bi == 15 {
		return FrameHeader{}, fmt.Errorf("invalid bit rate index in header %08x", raw)
	}
	switch h.Layer {
	case 1:
		h.BitrateKbps = layer1Bitrates[h.Version.lsf()][bi]
	case 2:
		h.BitrateKbps = layer2Bitrates[h.Version.lsf()][bi]
	default:
		h.BitrateKbps = layer3Bitrates[h.Version.lsf()][bi]
	}
	ri := (raw >> 10) & 3
	if ri == 3 {
		return FrameHeader{}, fmt.Errorf("reserved sample rate in header %08x", raw)
	}
	h.SampleRate = sampleRates[h.Version][ri]
	h.Padding = (raw>>9)&1 == 1
	h.ChannelMode = int((raw >> 6) & 3)
	if raw&3 == 2 {
		return FrameHeader{}, fmt.Errorf("reserved emphasis in header %08x", raw)
	}
	return h, nil
}

// Size is the frame length in bytes, header included.
func (h FrameHeader) Size() int {
	pad := 0
	if h.Padding {
		pad = 1
	}
	br := h.BitrateKbps * 1000
	switch {
	case h.Layer == 1:
		return (12*br/h.SampleRate + pad) * 4
	case h.Layer == 3 && h.Version != MPEG1:
		return 72*br/h.SampleRate + pad
	default:
		return 144*br/h.SampleRate + pad
	}
}

// Samples is the number of samples per channel the frame decodes to.
func (h FrameHeader) Samples() int {
	switch {
	case h.Layer == 1:
		return 384
	case h.Layer == 3:
		return h.Version.samplesPerFrame()
	default:
		return 1152
	}
}

// Channels is 1 for mono frames, otherwise 2.
func (h FrameHeader) Channels() int {
	if h.ChannelMode == 3 {
		return 1
	}
	return 2
}

// sideInfoSize is the Layer III side information length after the header.
func (h FrameHeader) sideInfoSize() int {
	switch {
	case h.Version == MPEG1 && h.ChannelMode == 3:
		return 17
	case h.Version == MPEG1:
		return 32
	case h.ChannelMode == 3:
		return 9
	default:
		return 17
	}
}

// goMP3Size is the size go-mp3 v0.3.4 assumes for a Layer III frame: it
// shifts the MPEG-1 formula instead of using 72·bitrate/rate, which drops
// the padding byte whenever 144·bitrate/rate rounds down to an even number.
func (h FrameHeader) goMP3Size() int {
	pad := 0
	if h.Padding {
		pad = 1
	}
	return (144*h.BitrateKbps*1000/h.SampleRate + pad) >> uint(h.Version.lsf())
}

// sameStream reports whether two headers can belong to one stream (bit
// rate and padding may vary between frames; the rest may not).
func (h FrameHeader) sameStream(o FrameHeader) bool {
	return h.Version == o.Version && h.Layer == o.Layer && h.SampleRate == o.SampleRate &&
		h.Channels() == o.Channels()
}

// matches reports whether a frame is exactly of profile p.
func (h FrameHeader) matches(p Profile) bool {
	return h.Layer == 3 && h.SampleRate == p.SampleRate && h.BitrateKbps == p.BitrateKbps &&
		h.Channels() == p.Channels && !h.CRC
}

func (h FrameHeader) String() string {
	return fmt.Sprintf("%s Layer %d %d Hz %d kbps %d ch", h.Version, h.Layer, h.SampleRate, h.BitrateKbps, h.Channels())
}

// ScanFrames reads a stream of bare MPEG audio frames (a segment: no tags)
// to its end and counts them. Every frame must start where the previous one
// ended and belong to the same stream; a partial last frame is an error.
// Errors wrap ErrCorruptSegment.
func ScanFrames(r io.Reader) (frames int, bytes int64, err error) {
	br := bufio.NewReaderSize(r, 32<<10)
	var first FrameHeader
	hdr := make([]byte, 4)
	for {
		n, err := io.ReadFull(br, hdr)
		if err == io.EOF {
			return frames, bytes, nil
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return frames, bytes, fmt.Errorf("%w: %d stray bytes after frame %d", ErrCorruptSegment, n, frames)
			}
			return frames, bytes, fmt.Errorf("scan frames: %w", err)
		}
		h, err := ParseFrameHeader(hdr)
		if err != nil {
			return frames, bytes, fmt.Errorf("%w: frame %d at byte %d: %v", ErrCorruptSegment, frames, bytes, err)
		}
		if frames == 0 {
			first = h
		} else if !h.sameStream(first) {
			return frames, bytes, fmt.Errorf("%w: frame %d at byte %d is %s, stream is %s", ErrCorruptSegment, frames, bytes, h, first)
		}
		size := int64(h.Size())
		if _, err := br.Discard(int(size - 4)); err != nil {
			if errors.Is(err, io.EOF) {
				return frames, bytes, fmt.Errorf("%w: frame %d at byte %d is truncated", ErrCorruptSegment, frames, bytes)
			}
			return frames, bytes, fmt.Errorf("scan frames: %w", err)
		}
		frames++
		bytes += size
	}
}
