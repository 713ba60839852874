package audio

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// burst is a prepared-looking clip: lead margin, a tone, tail margin.
func burst(lead, tone, tail int) PCM {
	x := make([]float32, lead+tone+tail)
	copy(x[lead:], sine(1000, 24000, tone, 0.5))
	return PCM{Samples: x, Rate: 24000, Lead: lead, Tail: tail}
}

func TestEncodeSegmentIsBareFramesOfTheProfile(t *testing.T) {
	p := burst(1200, 24000, 1200)
	seg, err := EncodeSegment(p, Profile{})
	if err != nil {
		t.Fatal(err)
	}
	frames, n, err := ScanFrames(bytes.NewReader(seg.MP3))
	if err != nil {
		t.Fatal(err)
	}
	if frames != seg.Frames || n != int64(len(seg.MP3)) || n != int64(frames)*144 {
		t.Errorf("scan: %d frames in %d bytes; segment says %d frames in %d bytes (144 each)", frames, n, seg.Frames, len(seg.MP3))
	}
	if _, err := checkFrames(seg.MP3, seg.Profile); err != nil {
		t.Errorf("frames do not match the profile: %v", err)
	}
	h, _ := ParseFrameHeader(seg.MP3)
	if h.Version != MPEG2 || h.SampleRate != 24000 || h.BitrateKbps != 48 || h.Channels() != 1 || h.Samples() != 576 {
		t.Errorf("first frame is %s", h)
	}
	if isTagFrame(h, seg.MP3[:144]) {
		t.Error("segment starts with a Xing/Info frame")
	}
	// All content fits: delay + samples + decoder delay within the frames.
	if need := 576 + len(p.Samples) + decoderDelay; seg.Frames*576 < need {
		t.Errorf("%d frames hold %d samples, need %d", seg.Frames, seg.Frames*576, need)
	}
	if seg.SpeechDuration != time.Second {
		t.Errorf("speech duration %s, want 1s", seg.SpeechDuration)
	}
}

// TestSpeechOffsetMatchesDecodedAudio decodes a segment with ffmpeg and
// finds where the tone begins.
func TestSpeechOffsetMatchesDecodedAudio(t *testing.T) {
	seg, err := EncodeSegment(burst(1200, 4800, 1200), Profile{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seg.mp3")
	if err := os.WriteFile(path, seg.MP3, 0o644); err != nil {
		t.Fatal(err)
	}
	decoded := decodeWithFFmpeg(t, path)
	if len(decoded) != seg.Frames*576 {
		t.Errorf("ffmpeg decoded %d samples from %d frames", len(decoded), seg.Frames)
	}
	onset := -1
	for i, v := range decoded {
		if math.Abs(float64(v)) > 0.05 {
			onset = i
			break
		}
	}
	got := samplesToDuration(int64(onset), 24000)
	if d := (got - seg.SpeechOffset).Abs(); d > time.Millisecond {
		t.Errorf("tone starts at %s in decoded audio, SpeechOffset says %s", got, seg.SpeechOffset)
	}
}

func TestEncodeSegmentRejectsMismatchedInput(t *testing.T) {
	if _, err := EncodeSegment(PCM{Samples: make([]float32, 100), Rate: 22050}, Profile{}); !errors.Is(err, ErrProfile) {
		t.Errorf("22050 Hz PCM for a 24 kHz profile: %v, want ErrProfile", err)
	}
	if _, err := EncodeSegment(burst(10, 10, 10), Profile{BitrateKbps: 50}); !errors.Is(err, ErrProfile) {
		t.Errorf("50 kbps profile: %v, want ErrProfile", err)
	}
	if _, err := EncodeSegment(PCM{Rate: 24000}, Profile{}); !errors.Is(err, ErrBadAudio) {
		t.Errorf("empty PCM: %v, want ErrBadAudio", err)
	}
}

func TestEncodeSegmentConcurrently(t *testing.T) {
	clips := make([]PCM, 6)
	for i := range clips {
		clips[i] = burst(1200, 2400*(i+1), 1200)
	}
	want := make([][]byte, len(clips))
	for i, c := range clips {
		seg, err := EncodeSegment(c, Profile{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = seg.MP3
	}
	var wg sync.WaitGroup
	for range 3 {
		for i, c := range clips {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seg, err := EncodeSegment(c, Profile{})
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(seg.MP3, want[i]) {
					t.Errorf("clip %d encodes differently when encoders run in parallel", i)
				}
			}()
		}
	}
	wg.Wait()
}

func TestSilenceIsWholeFramesOfDigitalSilence(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		frames int
	}{
		{0, 0},
		{11 * time.Millisecond, 0},
		{12 * time.Millisecond, 1},
		{200 * time.Millisecond, 8},
		{300 * time.Millisecond, 13},
		{time.Second, 42},
	} {
		seg, err := Silence(Profile{}, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if seg.Frames != tc.frames || len(seg.MP3) != 144*tc.frames {
			t.Errorf("Silence(%s): %d frames in %d bytes, want %d frames", tc.d, seg.Frames, len(seg.MP3), tc.frames)
		}
		if seg.Duration() != time.Duration(tc.frames)*24*time.Millisecond {
			t.Errorf("Silence(%s) lasts %s", tc.d, seg.Duration())
		}
		if tc.frames == 0 {
			continue
		}
		p, err := Decode(FormatMP3, seg.MP3, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if peak := maxAbs(p.Samples); peak != 0 || len(p.Samples) != tc.frames*576 {
			t.Errorf("Silence(%s) decodes to %d samples peaking at %v", tc.d, len(p.Samples), peak)
		}
	}
	a, _ := Silence(Profile{}, time.Second)
	b, _ := Silence(Profile{}, time.Second)
	if &a.MP3[0] != &b.MP3[0] {
		t.Error("Silence is not cached")
	}
	for _, d := range []time.Duration{-time.Second, time.Hour} {
		if _, err := Silence(Profile{}, d); !errors.Is(err, ErrInvalid) {
			t.Errorf("pause of %s: %v, want ErrInvalid", d, err)
		}
	}
}

func TestFrameHeaders(t *testing.T) {
	for _, tc := range []struct {
		prof    Profile
		padding bool
		size    int
		samples int
	}{
		{Profile{SampleRate: 24000, BitrateKbps: 48, Channels: 1}, false, 144, 576},
		{Profile{SampleRate: 22050, BitrateKbps: 32, Channels: 1}, false, 104, 576},
		{Profile{SampleRate: 22050, BitrateKbps: 32, Channels: 1}, true, 105, 576},
		{Profile{SampleRate: 44100, BitrateKbps: 128, Channels: 2}, true, 418, 1152},
		{Profile{SampleRate: 48000, BitrateKbps: 320, Channels: 2}, false, 960, 1152},
		{Profile{SampleRate: 8000, BitrateKbps: 8, Channels: 1}, false, 72, 576},
		{Profile{SampleRate: 11025, BitrateKbps: 64, Channels: 1}, true, 418, 576},
	} {
		h := profileHeader(tc.prof, tc.prof.BitrateKbps)
		h.Padding = tc.padding
		b := h.bytes()
		got, err := ParseFrameHeader(b[:])
		if err != nil {
			t.Fatalf("%+v: %v", tc.prof, err)
		}
		if got.Size() != tc.size || got.Samples() != tc.samples || !got.matches(tc.prof) || got.Padding != tc.padding {
			t.Errorf("%+v padding %v: %s size %d samples %d", tc.prof, tc.padding, got, got.Size(), got.Samples())
		}
	}
	for name, b := range map[string][]byte{
		"no sync":          {0x12, 0x34, 0x56, 0x78},
		"reserved version": {0xFF, 0xEB, 0x64, 0xC4},
		"reserved layer":   {0xFF, 0xF1, 0x64, 0xC4},
		"free format":      {0xFF, 0xF3, 0x04, 0xC4},
		"bad bit rate":     {0xFF, 0xF3, 0xF4, 0xC4},
		"reserved rate":    {0xFF, 0xF3, 0x6C, 0xC4},
		"short":            {0xFF, 0xF3},
	} {
		if _, err := ParseFrameHeader(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestScanFramesRejectsDamage(t *testing.T) {
	seg, err := EncodeSegment(burst(1200, 4800, 1200), Profile{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := EncodeSegment(Resample(burst(1200, 4800, 1200), 16000), Profile{SampleRate: 16000, BitrateKbps: 32})
	if err != nil {
		t.Fatal(err)
	}
	junk := append(append([]byte(nil), seg.MP3[:288]...), 0, 0, 0, 0, 0)
	junk = append(junk, seg.MP3[288:]...)
	for name, data := range map[string][]byte{
		"cut":          seg.MP3[:len(seg.MP3)-10],
		"stray bytes":  append(append([]byte(nil), seg.MP3...), 1, 2),
		"junk inside":  junk,
		"mixed stream": append(append([]byte(nil), seg.MP3...), other.MP3...),
	} {
		if _, _, err := ScanFrames(bytes.NewReader(data)); !errors.Is(err, ErrCorruptSegment) {
			t.Errorf("%s: %v, want ErrCorruptSegment", name, err)
		}
	}
}

func TestProfileResolve(t *testing.T) {
	p, err := Profile{}.Resolve()
	if err != nil || p != (Profile{SampleRate: 24000, BitrateKbps: 48, Channels: 1}) {
		t.Errorf("default profile %+v, %v", p, err)
	}
	if p.FrameDuration() != 24*time.Millisecond {
		t.Errorf("frame duration %s", p.FrameDuration())
	}
	for _, bad := range []Profile{{SampleRate: 23000}, {BitrateKbps: 320}, {Channels: 3}, {SampleRate: 48000, BitrateKbps: 8}} {
		if _, err := bad.Resolve(); !errors.Is(err, ErrProfile) {
			t.Errorf("%+v: %v, want ErrProfile", bad, err)
		}
	}
}
