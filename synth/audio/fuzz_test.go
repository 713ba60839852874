package audio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func addSeeds(f *testing.F, names ...string) {
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzDecodeWAV: any body either decodes to sane PCM or fails with
// ErrBadAudio; never a panic, never unbounded output.
func FuzzDecodeWAV(f *testing.F) {
	addSeeds(f, "short.wav", "short-stdout.wav")
	f.Add(wavBytes(3, 2, 8000, 32, true, make([]byte, 64)))
	f.Add(wavBytes(1, 1, 8000, 8, false, []byte{1, 2, 3}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(FormatWAV, data, 0, 0)
		checkDecoded(t, data, p, err)
	})
}

// FuzzDecodeMP3: the same promise for MP3 bodies, through both decoders.
func FuzzDecodeMP3(f *testing.F) {
	addSeeds(f, "mpeg2-24000-48k.mp3", "mpeg2-22050-32k-padded.mp3")
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00\xff\xf3\x64\xc4"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(FormatMP3, data, 0, 0)
		checkDecoded(t, data, p, err)
	})
}

// FuzzScanFrames: the segment validator never panics and never accepts
// bytes that do not add up.
func FuzzScanFrames(f *testing.F) {
	addSeeds(f, "mpeg2-24000-48k.mp3")
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, n, err := ScanFrames(bytes.NewReader(data))
		if err == nil && n != int64(len(data)) {
			t.Fatalf("accepted %d frames covering %d of %d bytes", frames, n, len(data))
		}
		if err != nil && !errors.Is(err, ErrCorruptSegment) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

func checkDecoded(t *testing.T, data []byte, p PCM, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrBadAudio) && !errors.Is(err, ErrUnsafeMP3) {
			t.Fatalf("unclassified error %v", err)
		}
		return
	}
	if len(p.Samples) == 0 || p.Rate < 4000 || p.Rate > 192000 {
		t.Fatalf("accepted %d samples at %d Hz", len(p.Samples), p.Rate)
	}
	// Output is bounded by the input: at most 1152 samples per 24-byte
	// frame (the smallest Layer III frame), or 1 per WAV byte.
	if len(p.Samples) > 48*len(data)+1152 {
		t.Fatalf("%d samples from %d bytes", len(p.Samples), len(data))
	}
}
