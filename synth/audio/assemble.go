package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrInvalid reports an assembly request that cannot be honoured as asked
// (a part without frames or opener, sizes that cannot be the profile's,
// tags that do not fit ID3).
var ErrInvalid = errors.New("audio: invalid assembly request")

// Part is one piece of an assembled file: a cached segment read from the
// store, or an in-memory pause (Segment.Part). Frames and Size are what
// the part claims; Assemble checks them while copying.
type Part struct {
	Frames int
	Size   int64
	Open   func(ctx context.Context) (io.ReadCloser, error)
}

// AssembleOptions configures Plan and Assemble.
type AssembleOptions struct {
	Profile Profile // zero value: the default profile
	Tags    Tags
}

// Tags are the ID3v2 metadata written at the start of the file.
type Tags struct {
	Title   string // TIT2
	Artist  string // TPE1: author or publisher
	Album   string // TALB: feed or section
	Date    string // "2006", "2006-01-02" or RFC 3339; TYER (+TDAT)
	Comment string // COMM
	URL     string // WXXX: the article's address
	// Chapters become CHAP frames under one ordered, top-level CTOC.
	// Times are on the Layout timeline (see PartLayout).
	Chapters []Chapter
}

// Chapter is one entry of the chapter table, usually a heading.
type Chapter struct {
	Title      string
	Start, End time.Duration
}

// Layout describes an assembled file exactly, before or after writing.
//
// Times are on the decoded timeline of a player that skips the Info frame
// and applies no gapless trimming (there is no LAME tag to ask for it):
// ffmpeg, browsers, Apple's and Android's decoders. Time 0 is the first
// sample of the first audio frame. A decoder that plays the Info frame as
// audio (go-mp3) hears one frame of silence first, shifting everything by
// one FrameDuration.
type Layout struct {
	Profile     Profile
	Bytes       int64 // total file size: ID3 tag + Info frame + audio frames
	AudioOffset int64 // byte offset of the first audio frame
	Frames      int   // audio frames (the Info frame not counted)
	Duration    time.Duration
	Parts       []PartLayout
}

// PartLayout places one part in the file.
type PartLayout struct {
	// Start and End bound the part's frames on the timeline: frame-exact,
	// End of one part is Start of the next. A segment's speech begins at
	// Start + Segment.SpeechOffset and lasts Segment.SpeechDuration.
	Start, End time.Duration
	Offset     int64 // byte offset of the part's first frame in the file
	Size       int64
	FirstFrame int // index of the part's first audio frame
	Frames     int
}

// Plan computes the Layout of the file Assemble would write for parts,
// without reading them: HEAD, Content-Length and progressive streaming
// can be answered from it.
func Plan(parts []Part, opts AssembleOptions) (Layout, error) {
	l, _, err := plan(parts, opts)
	return l, err
}

// plan computes the layout and the header (ID3 tag + Info frame) bytes.
func plan(parts []Part, opts AssembleOptions) (Layout, []byte, error) {
	prof, err := opts.Profile.Resolve()
	if err != nil {
		return Layout{}, nil, fmt.Errorf("plan: %w", err)
	}
	l := Layout{Profile: prof, Parts: make([]PartLayout, len(parts))}
	var audioBytes int64
	for i, p := range parts {
		if err := checkPart(p, prof); err != nil {
			return Layout{}, nil, fmt.Errorf("plan: part %d: %w", i, err)
		}
		l.Parts[i] = PartLayout{
			Start:      prof.FramesDuration(l.Frames),
			End:        prof.FramesDuration(l.Frames + p.Frames),
			Offset:     audioBytes,
			Size:       p.Size,
			FirstFrame: l.Frames,
			Frames:     p.Frames,
		}
		l.Frames += p.Frames
		audioBytes += p.Size
	}
	l.Duration = prof.FramesDuration(l.Frames)
	tag, err := id3Tag(opts.Tags, l.Duration)
	if err != nil {
		return Layout{}, nil, fmt.Errorf("plan: %w", err)
	}
	info, err := infoFrame(l, audioBytes)
	if err != nil {
		return Layout{}, nil, fmt.Errorf("plan: %w", err)
	}
	l.AudioOffset = int64(len(tag) + len(info))
	for i := range l.Parts {
		l.Parts[i].Offset += l.AudioOffset
	}
	l.Bytes = l.AudioOffset + audioBytes
	return l, append(tag, info...), nil
}

// checkPart rejects claims no stream of the profile can satisfy.
func checkPart(p Part, prof Profile) error {
	if p.Frames < 0 || p.Size < 0 {
		return fmt.Errorf("%w: %d frames, %d bytes", ErrInvalid, p.Frames, p.Size)
	}
	if p.Frames > 0 && p.Open == nil {
		return fmt.Errorf("%w: no Open function", ErrInvalid)
	}
	// A frame of the profile is its nominal size or one padding byte more.
	nominal := int64(profileHeader(prof, prof.BitrateKbps).Size())
	if p.Size < int64(p.Frames)*nominal || p.Size > int64(p.Frames)*(nominal+1) {
		return fmt.Errorf("%w: %d bytes cannot be %d frames of %d kbps at %d Hz", ErrInvalid, p.Size, p.Frames, prof.BitrateKbps, prof.SampleRate)
	}
	return nil
}

// Assemble writes the finished MP3 to w: ID3v2 tag, Info frame, then the
// parts' frames in order, streamed part by part in constant memory. Every
// frame is checked against the profile and every part against its claimed
// Frames and Size; on error (ErrCorruptSegment, ErrProfile, ErrInvalid, the
// context's or an I/O error) w holds a partial file that must be discarded.
// On success the Layout is the one Plan returns.
func Assemble(ctx context.Context, w io.Writer, parts []Part, opts AssembleOptions) (Layout, error) {
	l, header, err := plan(parts, opts)
	if err != nil {
		return Layout{}, err
	}
	if _, err := w.Write(header); err != nil {
		return Layout{}, fmt.Errorf("assemble: write header: %w", err)
	}
	buf := make([]byte, 64<<10)
	for i, p := range parts {
		if err := ctx.Err(); err != nil {
			return Layout{}, fmt.Errorf("assemble: %w", err)
		}
		if p.Frames == 0 && p.Size == 0 {
			continue
		}
		if err := copyPart(ctx, w, p, l.Profile, buf); err != nil {
			return Layout{}, fmt.Errorf("assemble: part %d: %w", i, err)
		}
	}
	return l, nil
}

// copyPart streams one part through the frame verifier into w.
func copyPart(ctx context.Context, w io.Writer, p Part, prof Profile, buf []byte) (err error) {
	rc, err := p.Open(ctx)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer func() {
		if cerr := rc.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	v := frameVerifier{profile: prof}
	carry := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(rc, buf[carry:])
		data := buf[:carry+n]
		used, verr := v.consume(data)
		if verr != nil {
			return verr
		}
		if v.bytes > p.Size {
			return fmt.Errorf("%w: more than the declared %d bytes", ErrCorruptSegment, p.Size)
		}
		if _, err := w.Write(data[:used]); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		carry = copy(buf, data[used:])
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("read: %w", rerr)
		}
	}
	if carry > 0 {
		return fmt.Errorf("%w: %d bytes of a cut frame after frame %d", ErrCorruptSegment, carry, v.frames)
	}
	if v.frames != p.Frames || v.bytes != p.Size {
		return fmt.Errorf("%w: declared %d frames in %d bytes, found %d frames in %d bytes", ErrCorruptSegment, p.Frames, p.Size, v.frames, v.bytes)
	}
	return nil
}

// frameVerifier checks a stream of frames, chunk by chunk, against a profile.
type frameVerifier struct {
	profile Profile
	limit   int // stop after this many frames; 0 means no limit
	frames  int
	bytes   int64
	first   uint32 // masked header of the first frame; later ones must equal it

	nominalSize int // frame size without the padding byte
}

// stableHeaderBits are the header bits every frame of one CBR profile
// shares: everything but padding, private, mode extension, copyright,
// original and emphasis.
const stableHeaderBits = 0xFFFFFCC0

// consume verifies the whole frames at the start of b and returns the
// number of bytes they span; a partial frame at the end is left over.
func (v *frameVerifier) consume(b []byte) (int, error) {
	pos := 0
	for pos+4 <= len(b) && (v.limit == 0 || v.frames < v.limit) {
		raw := binary.BigEndian.Uint32(b[pos:])
		var size int
		if v.frames > 0 && raw&stableHeaderBits == v.first {
			size = v.nominalSize + int(raw>>9&1)
		} else {
			h, err := ParseFrameHeader(b[pos:])
			if err != nil {
				return pos, fmt.Errorf("%w: frame %d (byte %d): %v", ErrCorruptSegment, v.frames, v.bytes, err)
			}
			if !h.matches(v.profile) {
				return pos, fmt.Errorf("%w: frame %d is %s, want %d Hz %d kbps %d ch", ErrProfile, v.frames, h, v.profile.SampleRate, v.profile.BitrateKbps, v.profile.Channels)
			}
			if v.frames > 0 {
				return pos, fmt.Errorf("%w: frame %d header %08x differs from the first frame's", ErrCorruptSegment, v.frames, raw)
			}
			v.first = raw & stableHeaderBits
			size = h.Size()
			v.nominalSize = size - int(raw>>9&1)
		}
		if pos+size > len(b) {
			break
		}
		pos += size
		v.frames++
		v.bytes += int64(size)
	}
	return pos, nil
}
