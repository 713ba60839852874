package lame

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func tone(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*440*float64(i)/24000))
	}
	return x
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := tone(24000)
	enc, err := Encode(EncoderConfig{SampleRate: 24000, Channels: 1, BitrateKbps: 48}, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.MP3)%144 != 0 || enc.Delay != 576 {
		t.Fatalf("%d bytes (not whole 144-byte frames?), delay %d", len(enc.MP3), enc.Delay)
	}
	if enc.MP3[0] != 0xFF || enc.MP3[1]&0xE0 != 0xE0 {
		t.Fatalf("output does not start with a frame: % x", enc.MP3[:4])
	}
	var frames [][]byte
	for i := 0; i < len(enc.MP3); i += 144 {
		frames = append(frames, enc.MP3[i:i+144])
	}
	dec, err := Decode(frames, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if dec.SampleRate != 24000 || dec.Right != nil || len(dec.Left) != len(frames)*576 {
		t.Fatalf("decoded %d samples at %d Hz (stereo %v) from %d frames", len(dec.Left), dec.SampleRate, dec.Right != nil, len(frames))
	}
	// The tone comes back after encoder + decoder delay (576 + 529).
	var sig, diff float64
	for i := 2000; i < 22000; i++ {
		want := float64(in[i])
		got := float64(dec.Left[i+1105]) / 32768
		sig += want * want
		diff += (got - want) * (got - want)
	}
	if snr := 10 * math.Log10(sig/diff); snr < 20 {
		t.Errorf("round trip SNR %.1f dB", snr)
	}
	if _, err := Decode(frames, 1000); !errors.Is(err, ErrLame) {
		t.Errorf("output bound not enforced: %v", err)
	}
}

func TestEncodeRejectsImpossibleSettings(t *testing.T) {
	for _, cfg := range []EncoderConfig{
		{SampleRate: 24000, Channels: 3, BitrateKbps: 48},
		{SampleRate: 12345, Channels: 1, BitrateKbps: 48},
	} {
		if _, err := Encode(cfg, tone(100)); !errors.Is(err, ErrLame) {
			t.Errorf("%+v: %v, want ErrLame", cfg, err)
		}
	}
}

func TestDecodeGarbage(t *testing.T) {
	d, err := Decode([][]byte{[]byte("not an mp3 frame at all")}, 1<<20)
	if err == nil && len(d.Left) > 0 {
		t.Errorf("garbage decoded to %d samples", len(d.Left))
	}
}

func TestVersion(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "3.") {
		t.Errorf("version %q", v)
	}
}
