package wav

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func TestEncodeParseRoundTrip(t *testing.T) {
	b := Encode(Tone(440, 100*time.Millisecond, 24000), 24000, 1)
	info, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.SampleRate != 24000 || info.Channels != 1 || info.DataLen != 2400*2 || info.SizesPlaceholder {
		t.Fatalf("info = %+v", info)
	}
	if got := info.Duration(); got != 100*time.Millisecond {
		t.Fatalf("duration = %v", got)
	}
}

func TestPlaceholderSizes(t *testing.T) {
	b := Encode(Tone(440, 10*time.Millisecond, 22050), 22050, 1)
	// espeak-ng --stdout writes these values because it cannot seek.
	binary.LittleEndian.PutUint32(b[4:], 0x7ffff024)
	binary.LittleEndian.PutUint32(b[40:], 0x7ffff000)
	info, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !info.SizesPlaceholder || info.DataLen != len(b)-44 {
		t.Fatalf("info = %+v", info)
	}
	if err := FixSizes(b); err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(b[40:]); int(got) != len(b)-44 {
		t.Fatalf("data size after fix = %d", got)
	}
	if info, _ := Parse(b); info.SizesPlaceholder {
		t.Fatal("still placeholder after FixSizes")
	}
}

func TestParseRejects(t *testing.T) {
	good := Encode(Tone(440, 10*time.Millisecond, 16000), 16000, 1)
	eightBit := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(eightBit[34:], 8)
	for name, b := range map[string][]byte{
		"empty":   nil,
		"mp3":     []byte("ID3\x04\x00\x00\x00\x00\x00\x00 rest"),
		"header":  good[:20],
		"no data": good[:36],
		"8-bit":   eightBit,
		"html":    []byte("<html>502 Bad Gateway</html>"),
	} {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}
