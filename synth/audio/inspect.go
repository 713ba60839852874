package audio

import (
	"encoding/binary"
	"fmt"
	"time"
)

// FileInfo is what the start of an assembled file says about the whole:
// what a player will believe before reading the rest.
type FileInfo struct {
	Profile     Profile
	AudioOffset int64 // byte offset of the Info frame
	Frames      int   // audio frames, from the Info frame
	Bytes       int64 // Info frame + audio, from the Info frame
	Duration    time.Duration
}

// Inspect reads the ID3v2 tag header and the Info frame at the start of a
// file made by Assemble. head must hold at least the tag and the Info frame
// (a few KiB). It checks that the file describes itself consistently, which
// is what podcast apps rely on for duration and seeking.
func Inspect(head []byte) (FileInfo, error) {
	var off int64
	if len(head) >= 10 && string(head[:3]) == "ID3" {
		size := int64(head[6]&0x7f)<<21 | int64(head[7]&0x7f)<<14 | int64(head[8]&0x7f)<<7 | int64(head[9]&0x7f)
		off = 10 + size
	}
	if off+4 > int64(len(head)) {
		return FileInfo{}, fmt.Errorf("%w: %d bytes do not reach the first frame at %d", ErrInvalid, len(head), off)
	}
	h, err := ParseFrameHeader(head[off:])
	if err != nil {
		return FileInfo{}, fmt.Errorf("%w: no frame header after the tag: %v", ErrBadAudio, err)
	}
	p := off + 4 + int64(h.sideInfoSize())
	if p+16 > int64(len(head)) {
		return FileInfo{}, fmt.Errorf("%w: the Info frame is cut off", ErrInvalid)
	}
	tag := string(head[p : p+4])
	if tag != "Info" && tag != "Xing" {
		return FileInfo{}, fmt.Errorf("%w: the first frame carries no Info/Xing header", ErrBadAudio)
	}
	flags := binary.BigEndian.Uint32(head[p+4:])
	if flags&(xingFlagFrames|xingFlagBytes) != xingFlagFrames|xingFlagBytes {
		return FileInfo{}, fmt.Errorf("%w: the Info header lacks frame or byte counts", ErrBadAudio)
	}
	prof := Profile{SampleRate: h.SampleRate, BitrateKbps: h.BitrateKbps, Channels: h.Channels()}
	frames := int(binary.BigEndian.Uint32(head[p+8:]))
	return FileInfo{
		Profile:     prof,
		AudioOffset: off,
		Frames:      frames,
		Bytes:       int64(binary.BigEndian.Uint32(head[p+12:])),
		Duration:    prof.FramesDuration(frames),
	}, nil
}
