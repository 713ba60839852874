package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testParts is a short article of tone segments and pauses.
func testParts(t *testing.T, prof Profile) ([]Part, []Segment) {
	t.Helper()
	rate := prof.SampleRate
	if rate == 0 {
		rate = 24000
	}
	var parts []Part
	var segs []Segment
	for i := range 3 {
		seg, err := EncodeSegment(Resample(burst(1200, 4800*(i+1), 1200), rate), prof)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, seg)
		parts = append(parts, seg.Part())
		pause, err := Silence(prof, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, pause.Part())
	}
	return parts, segs
}

func TestAssembleMatchesPlan(t *testing.T) {
	parts, segs := testParts(t, Profile{})
	opts := AssembleOptions{Tags: Tags{Title: "Tiêu đề", URL: "https://example.vn/a", Date: "2024-06-19T08:00:00+07:00"}}
	plan, err := Plan(parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l, err := Assemble(context.Background(), &buf, parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != l.Bytes || plan.Bytes != l.Bytes || plan.Frames != l.Frames || plan.Duration != l.Duration || len(plan.Parts) != len(l.Parts) {
		t.Fatalf("plan %d bytes/%d frames, assembled %d bytes/%d frames, wrote %d bytes", plan.Bytes, plan.Frames, l.Bytes, l.Frames, buf.Len())
	}
	file := buf.Bytes()
	frames := 0
	for i, p := range l.Parts {
		if p != plan.Parts[i] {
			t.Errorf("part %d: plan %+v, assembled %+v", i, plan.Parts[i], p)
		}
		if p.Start != l.Profile.FramesDuration(frames) || p.FirstFrame != frames {
			t.Errorf("part %d starts at %s (frame %d), want frame %d", i, p.Start, p.FirstFrame, frames)
		}
		frames += p.Frames
		if i%2 == 0 && !bytes.Equal(file[p.Offset:p.Offset+p.Size], segs[i/2].MP3) {
			t.Errorf("part %d bytes at offset %d are not the segment", i, p.Offset)
		}
	}
	if l.Duration != time.Duration(l.Frames)*24*time.Millisecond {
		t.Errorf("duration %s for %d frames", l.Duration, l.Frames)
	}

	// The Info frame sits just before the audio and counts it exactly.
	info := file[l.AudioOffset-144 : l.AudioOffset]
	if string(info[13:17]) != "Info" {
		t.Fatalf("no Info tag in the frame before the audio: %q", info[13:17])
	}
	if got := binary.BigEndian.Uint32(info[21:]); int(got) != l.Frames {
		t.Errorf("Info frame count %d, want %d", got, l.Frames)
	}
	if got := binary.BigEndian.Uint32(info[25:]); int64(got) != l.Bytes-l.AudioOffset+144 {
		t.Errorf("Info byte count %d, want %d", got, l.Bytes-l.AudioOffset+144)
	}
	toc := info[29:129]
	for i := 1; i < 100; i++ {
		if toc[i] < toc[i-1] {
			t.Fatalf("TOC decreases at %d: %v", i, toc)
		}
	}
	if toc[0] != 0 || toc[99] < 250 {
		t.Errorf("TOC ends %d…%d", toc[0], toc[99])
	}
	// The whole file scans as one stream after the tag.
	tagSize := 10 + (int(file[6])<<21 | int(file[7])<<14 | int(file[8])<<7 | int(file[9]))
	n, size, err := ScanFrames(bytes.NewReader(file[tagSize:]))
	if err != nil || n != l.Frames+1 || size != l.Bytes-int64(tagSize) {
		t.Errorf("scan after the tag: %d frames, %d bytes, %v", n, size, err)
	}
	decoded, err := Decode(FormatMP3, file, 0, 0)
	if err != nil || len(decoded.Samples) != l.Frames*576 {
		t.Errorf("Decode of the assembled file: %d samples, %v; want %d", len(decoded.Samples), err, l.Frames*576)
	}
	if !bytes.Contains(file[:tagSize], []byte("WXXX")) || !bytes.Contains(file[:tagSize], []byte("https://example.vn/a")) {
		t.Error("URL frame missing")
	}
	if !bytes.Contains(file[:tagSize], []byte("TDAT\x00\x00\x00\x05\x00\x00\x001906")) {
		t.Error("TDAT 1906 missing")
	}
}

// TestAssembleOtherProfiles covers padded (22.05 kHz) and MPEG-1 stereo
// profiles, read back by ffprobe.
func TestAssembleOtherProfiles(t *testing.T) {
	for _, prof := range []Profile{
		{SampleRate: 22050, BitrateKbps: 32, Channels: 1},
		{SampleRate: 44100, BitrateKbps: 128, Channels: 2},
		{SampleRate: 16000, BitrateKbps: 24, Channels: 1},
	} {
		t.Run(strconv.Itoa(prof.SampleRate), func(t *testing.T) {
			parts, _ := testParts(t, prof)
			path := filepath.Join(t.TempDir(), "a.mp3")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			l, err := Assemble(context.Background(), f, parts, AssembleOptions{Profile: prof})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			out := strings.TrimSpace(string(run(t, "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path)))
			got, err := strconv.ParseFloat(out, 64)
			if err != nil {
				t.Fatal(err)
			}
			if want := l.Duration.Seconds(); got < want*0.999 || got > want*1.001 {
				t.Errorf("ffprobe %.4f s, layout %.4f s", got, want)
			}
			if mp3val := string(run(t, "mp3val", path)); strings.Contains(mp3val, "WARNING") {
				t.Errorf("mp3val: %s", mp3val)
			}
		})
	}
}

// failingReader returns data then an error.
type failingReader struct {
	r   io.Reader
	err error
}

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestAssembleRefusesBrokenParts(t *testing.T) {
	parts, segs := testParts(t, Profile{})
	good := segs[1].MP3
	stereo, err := EncodeSegment(burst(1200, 4800, 1200), Profile{Channels: 2, BitrateKbps: 48})
	if err != nil {
		t.Fatal(err)
	}
	withBytes := func(b []byte, frames int, size int64) Part {
		return Part{Frames: frames, Size: size, Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}}
	}
	flipped := append([]byte(nil), good...)
	flipped[144*3+1] = 0xEB // MPEG-2 → the reserved version
	frames := len(good) / 144
	readErr := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		part Part
		want error
	}{
		{"damaged header", withBytes(flipped, frames, int64(len(good))), ErrCorruptSegment},
		{"fewer frames than declared", withBytes(good[:len(good)-144], frames, int64(len(good))), ErrCorruptSegment},
		{"cut frame", withBytes(good[:len(good)-50], frames, int64(len(good))), ErrCorruptSegment},
		{"more than declared", withBytes(append(append([]byte(nil), good...), good[:144]...), frames, int64(len(good))), ErrCorruptSegment},
		{"other profile", withBytes(stereo.MP3[:144*frames], frames, int64(144*frames)), ErrProfile},
		{"id3 inside", withBytes(append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), good[:len(good)-10]...), frames, int64(len(good))), ErrCorruptSegment},
		{"open fails", Part{Frames: frames, Size: int64(len(good)), Open: func(context.Context) (io.ReadCloser, error) { return nil, readErr }}, readErr},
		{"read fails", Part{Frames: frames, Size: int64(len(good)), Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(failingReader{bytes.NewReader(good[:144]), readErr}), nil
		}}, readErr},
		{"no opener", Part{Frames: frames, Size: int64(len(good))}, ErrInvalid},
		{"impossible size", withBytes(good, frames, int64(len(good))+500), ErrInvalid},
		{"negative frames", withBytes(good, -1, 0), ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := append(append([]Part(nil), parts[:3]...), tc.part)
			ps = append(ps, parts[3:]...)
			_, err := Assemble(context.Background(), io.Discard, ps, AssembleOptions{})
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), "part 3") && !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not name the part: %v", err)
			}
		})
	}
}

func TestAssembleStopsWhenCancelled(t *testing.T) {
	parts, _ := testParts(t, Profile{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Assemble(ctx, io.Discard, parts, AssembleOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestTagsValidation(t *testing.T) {
	parts, _ := testParts(t, Profile{})
	many := make([]Chapter, 256)
	for name, tags := range map[string]Tags{
		"too many chapters":   {Chapters: many},
		"backwards chapter":   {Chapters: []Chapter{{Title: "a", Start: time.Second, End: 0}}},
		"unparseable date":    {Date: "19/06/2024"},
		"non-ASCII URL":       {URL: "https://ngaynay.vn/triều-tiên"},
		"control char in URL": {URL: "https://a\n"},
	} {
		if _, err := Plan(parts, AssembleOptions{Tags: tags}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestPauseSettingsBetween(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var def PauseSettings
	custom := PauseSettings{Sentence: ms(150), Quote: -1, Heading: ms(1200)}
	for _, tc := range []struct {
		s          PauseSettings
		prev, next string
		same       bool
		want       time.Duration
	}{
		{def, "", KindTitle, false, 0},
		{def, KindTitle, KindLead, false, ms(800)},
		{def, KindTitle, KindTitle, true, ms(200)},
		{def, KindParagraph, KindParagraph, true, ms(200)},
		{def, KindParagraph, KindParagraph, false, ms(600)},
		{def, KindLead, KindParagraph, false, ms(600)},
		{def, KindParagraph, KindHeading, false, ms(800)},
		{def, KindHeading, KindParagraph, false, ms(800)},
		{def, KindParagraph, KindQuote, false, ms(500)},
		{def, KindQuote, KindParagraph, false, ms(500)},
		{def, KindQuote, KindQuote, false, ms(600)},
		{def, KindListItem, KindListItem, false, ms(600)},
		{def, KindQuote, KindHeading, false, ms(800)},
		{custom, KindParagraph, KindParagraph, true, ms(150)},
		{custom, KindParagraph, KindQuote, false, 0},
		{custom, KindTitle, KindHeading, false, ms(1200)},
	} {
		if got := tc.s.Between(tc.prev, tc.next, tc.same); got != tc.want {
			t.Errorf("%+v Between(%q, %q, %v) = %s, want %s", tc.s, tc.prev, tc.next, tc.same, got, tc.want)
		}
	}
}
