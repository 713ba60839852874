package audio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
)

// profileHeader builds the header of a frame of profile prof at a given bit
// rate (no CRC, no padding).
func profileHeader(prof Profile, kbps int) FrameHeader {
	v, _ := versionForRate(prof.SampleRate)
	mode := 1 // joint stereo, as LAME writes stereo profiles
	if prof.Channels == 1 {
		mode = 3
	}
	return FrameHeader{Version: v, Layer: 3, BitrateKbps: kbps, SampleRate: prof.SampleRate, ChannelMode: mode}
}

func (h FrameHeader) bytes() [4]byte {
	raw := uint32(0xFFE00000)
	switch h.Version {
	case MPEG1:
		raw |= 3 << 19
	case MPEG2:
		raw |= 2 << 19
	}
	raw |= uint32(4-h.Layer) << 17
	if !h.CRC {
		raw |= 1 << 16
	}
	var table [15]int
	switch h.Layer {
	case 1:
		table = layer1Bitrates[h.Version.lsf()]
	case 2:
		table = layer2Bitrates[h.Version.lsf()]
	default:
		table = layer3Bitrates[h.Version.lsf()]
	}
	for i, kbps := range table {
		if kbps == h.BitrateKbps && i > 0 {
			raw |= uint32(i) << 12
		}
	}
	for i, r := range sampleRates[h.Version] {
		if r == h.SampleRate {
			raw |= uint32(i) << 10
		}
	}
	if h.Padding {
		raw |= 1 << 9
	}
	raw |= uint32(h.ChannelMode) << 6
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], raw)
	return b
}

// Xing/Info payload: tag, flags, frame count, byte count, 100-entry TOC.
const (
	xingFlagFrames = 1
	xingFlagBytes  = 2
	xingFlagTOC    = 4
	xingPayload    = 4 + 4 + 4 + 4 + 100
)

// infoFrame builds the CBR "Info" frame: a silent frame whose side
// information is zero and whose payload tells players the exact frame and
// byte counts (duration without scanning) and a seek table. It uses the
// profile's bit rate when the payload fits, else the next one up, as LAME
// does for low rates.
func infoFrame(l Layout, audioBytes int64) ([]byte, error) {
	prof := l.Profile
	var h FrameHeader
	found := false
	for _, kbps := range layer3Bitrates[mustVersion(prof.SampleRate).lsf()][1:] {
		if kbps < prof.BitrateKbps {
			continue
		}
		h = profileHeader(prof, kbps)
		if h.Size() >= 4+h.sideInfoSize()+xingPayload {
			found = true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: no bit rate at %d Hz holds an Info frame", ErrProfile, prof.SampleRate)
	}
	frame := make([]byte, h.Size())
	hb := h.bytes()
	copy(frame, hb[:])
	p := frame[4+h.sideInfoSize():]
	copy(p, "Info")
	binary.BigEndian.PutUint32(p[4:], xingFlagFrames|xingFlagBytes|xingFlagTOC)
	total := int64(len(frame)) + audioBytes
	if l.Frames > 0xFFFFFFFF || total > 0xFFFFFFFF {
		return nil, fmt.Errorf("%w: %d frames in %d bytes exceed the Info frame's 32-bit counters", ErrInvalid, l.Frames, total)
	}
	binary.BigEndian.PutUint32(p[8:], uint32(l.Frames))
	binary.BigEndian.PutUint32(p[12:], uint32(total))
	toc := p[16 : 16+100]
	for i := range toc {
		// Where the frame playing at i% of the duration starts, in 1/256ths
		// of the audio, as LAME counts it.
		pos := audioOffsetOfFrame(l, i*l.Frames/100)
		toc[i] = byte(min(pos*256/max(audioBytes, 1), 255))
	}
	return frame, nil
}

// audioOffsetOfFrame is the byte offset of frame n from the first audio
// frame, exact for fixed-size frames, interpolated within a part otherwise.
func audioOffsetOfFrame(l Layout, n int) int64 {
	var off int64
	for _, p := range l.Parts {
		if n < p.FirstFrame+p.Frames {
			return off + int64(n-p.FirstFrame)*p.Size/int64(max(p.Frames, 1))
		}
		off += p.Size
	}
	return off
}

// id3Tag builds an ID3v2.3 tag: version 2.3 is the one every podcast app,
// browser and desktop player reads; text is Latin-1 when it fits, else
// UTF-16 with a byte order mark.
func id3Tag(t Tags, duration time.Duration) ([]byte, error) {
	var body bytes.Buffer
	text := func(id, s string) {
		if s != "" {
			writeFrame(&body, id, encodeText(cutRunes(s, maxTagRunes), false))
		}
	}
	text("TIT2", t.Title)
	text("TPE1", t.Artist)
	text("TALB", t.Album)
	if year, ddmm, ok := id3Date(t.Date); ok {
		text("TYER", year)
		text("TDAT", ddmm)
	} else if t.Date != "" {
		return nil, fmt.Errorf("%w: date %q is not YYYY, YYYY-MM-DD or RFC 3339", ErrInvalid, t.Date)
	}
	text("TLEN", strconv.FormatInt(duration.Milliseconds(), 10))
	if t.Comment != "" {
		// Encoding, language, empty description, text.
		enc := encodeText(cutRunes(t.Comment, maxTagRunes), false)
		desc := []byte{0} // empty description in the text's own encoding
		if enc[0] == 1 {
			desc = []byte{0xff, 0xfe, 0, 0}
		}
		b := append([]byte{enc[0]}, "vie"...)
		b = append(append(b, desc...), enc[1:]...)
		writeFrame(&body, "COMM", b)
	}
	if t.URL != "" && len(t.URL) <= maxTagURL {
		// Encoding, empty description, then the URL, always Latin-1.
		for _, r := range t.URL {
			if r > 0x7e || r < 0x20 {
				return nil, fmt.Errorf("%w: URL %q has non-ASCII characters; escape it first", ErrInvalid, t.URL)
			}
		}
		writeFrame(&body, "WXXX", append([]byte{0, 0}, t.URL...))
	}
	if len(t.Chapters) > 255 {
		return nil, fmt.Errorf("%w: %d chapters, ID3 tables hold 255", ErrInvalid, len(t.Chapters))
	}
	if len(t.Chapters) > 0 {
		ctoc := []byte("toc\x00")
		ctoc = append(ctoc, 0x03, byte(len(t.Chapters))) // top-level, ordered
		for i := range t.Chapters {
			ctoc = append(ctoc, "ch"+strconv.Itoa(i)+"\x00"...)
		}
		writeFrame(&body, "CTOC", ctoc)
		for i, c := range t.Chapters {
			if c.Start < 0 || c.End < c.Start {
				return nil, fmt.Errorf("%w: chapter %d runs from %s to %s", ErrInvalid, i, c.Start, c.End)
			}
			b := []byte("ch" + strconv.Itoa(i) + "\x00")
			b = binary.BigEndian.AppendUint32(b, uint32(c.Start.Milliseconds()))
			b = binary.BigEndian.AppendUint32(b, uint32(c.End.Milliseconds()))
			b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF) // byte offsets unused: times rule
			b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF)
			var sub bytes.Buffer
			if c.Title != "" {
				writeFrame(&sub, "TIT2", encodeText(cutRunes(c.Title, maxChapterRunes), false))
			}
			writeFrame(&body, "CHAP", append(b, sub.Bytes()...))
		}
	}
	if body.Len() >= 1<<28 {
		return nil, fmt.Errorf("%w: tags of %d bytes", ErrInvalid, body.Len())
	}
	n := body.Len()
	tag := []byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7f), byte(n >> 14 & 0x7f), byte(n >> 7 & 0x7f), byte(n & 0x7f)}
	return append(tag, body.Bytes()...), nil
}

// Tag fields are cut so that the tag stays a few kilobytes whatever an
// editor typed: players and the preflight read the audio's first frame
// right after it. A link is left out rather than cut, since a cut link
// leads somewhere else.
const (
	maxTagRunes     = 300
	maxChapterRunes = 100
	maxTagURL       = 2048
)

// cutRunes keeps the first n characters of s; cutting by characters never
// splits one, in UTF-8 or in the UTF-16 of the tag.
func cutRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

func writeFrame(w *bytes.Buffer, id string, payload []byte) {
	w.WriteString(id)
	_ = binary.Write(w, binary.BigEndian, uint32(len(payload)))
	w.Write([]byte{0, 0})
	w.Write(payload)
}

// encodeText is an encoding byte plus the string, optionally terminated.
func encodeText(s string, terminate bool) []byte {
	latin1 := true
	for _, r := range s {
		if r > 0xff {
			latin1 = false
			break
		}
	}
	if latin1 {
		b := []byte{0}
		for _, r := range s {
			b = append(b, byte(r))
		}
		if terminate {
			b = append(b, 0)
		}
		return b
	}
	b := []byte{1, 0xff, 0xfe} // UTF-16, little-endian byte order mark
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	if terminate {
		b = append(b, 0, 0)
	}
	return b
}

// id3Date splits a date into ID3v2.3's TYER ("2006") and TDAT ("0201").
func id3Date(s string) (year, ddmm string, ok bool) {
	if s == "" {
		return "", "", false
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02", "2006"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		year = t.Format("2006")
		if layout != "2006" {
			ddmm = t.Format("0201")
		}
		return year, ddmm, true
	}
	return "", "", false
}

// mustVersion is the MPEG version of a rate already checked by Resolve.
func mustVersion(rate int) MPEGVersion {
	v, _ := versionForRate(rate)
	return v
}
