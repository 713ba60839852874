package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hajimehoshi/go-mp3"
)

func TestDecodeEspeakWAVWithRealAndPlaceholderSizes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "real.wav")
	run(t, "espeak-ng", "-v", "vi", "-w", file, "Hà Nội hôm nay trời nắng.")
	real, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	streamed := espeak(t, "Hà Nội hôm nay trời nắng.")
	if got := binary.LittleEndian.Uint32(streamed[40:]); got != 0x7ffff000 {
		t.Fatalf("espeak-ng --stdout data size %#x; the test expects its placeholder", got)
	}
	a, err := Decode(FormatWAV, real, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(FormatWAV, streamed, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != 22050 || b.Rate != 22050 {
		t.Errorf("rates %d, %d; espeak-ng writes 22050 Hz", a.Rate, b.Rate)
	}
	if want := (len(real) - 44) / 2; len(a.Samples) != want {
		t.Errorf("real-size WAV: %d samples, want %d", len(a.Samples), want)
	}
	if len(a.Samples) != len(b.Samples) {
		t.Fatalf("real-size WAV has %d samples, streamed %d", len(a.Samples), len(b.Samples))
	}
	for i := range a.Samples {
		if a.Samples[i] != b.Samples[i] {
			t.Fatalf("sample %d differs: %v vs %v", i, a.Samples[i], b.Samples[i])
		}
	}
	if Loudness(a) < -40 {
		t.Errorf("decoded speech measures %.1f LUFS; not speech", Loudness(a))
	}
}

// sine is a reference tone.
func sine(freq float64, rate, n int, amp float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

func TestDecodeWAVSampleFormatsWrittenByFFmpeg(t *testing.T) {
	const rate, n = 16000, 8000
	want := sine(440, rate, n, 0.125)
	dir := t.TempDir()
	for _, tc := range []struct {
		codec string
		tol   float64
	}{
		{"pcm_u8", 1.0 / 64},
		{"pcm_s16le", 1.0 / 16384},
		{"pcm_s24le", 1.0 / 16384},
		{"pcm_s32le", 1.0 / 16384},
		{"pcm_f32le", 1.0 / 16384},
		{"pcm_f64le", 1.0 / 16384},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			for channels, pan := range map[string]string{"1": "mono|c0=c0", "2": "stereo|c0=c0|c1=c0"} {
				path := filepath.Join(dir, tc.codec+channels+".wav")
				run(t, "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=0.5",
					"-af", "pan="+pan, "-c:a", tc.codec, path)
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				p, err := Decode(FormatWAV, data, 0, 0)
				if err != nil {
					t.Fatalf("%s ch: %v", channels, err)
				}
				if p.Rate != rate || len(p.Samples) != n {
					t.Fatalf("%s ch: %d samples at %d Hz, want %d at %d", channels, len(p.Samples), p.Rate, n, rate)
				}
				// ffmpeg's sine source is 16-bit at 1/8 full scale.
				for i, v := range p.Samples {
					if d := math.Abs(float64(v) - float64(want[i])); d > tc.tol {
						t.Fatalf("%s ch sample %d = %v, want %v", channels, i, v, want[i])
					}
				}
			}
		})
	}
}

// wavBytes writes a WAV by hand, for layouts ffmpeg does not produce.
func wavBytes(format, channels, rate, bits int, extensible bool, data []byte) []byte {
	var b bytes.Buffer
	fmtLen := 16
	if extensible {
		fmtLen = 40
	}
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+fmtLen+8+len(data)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, uint32(fmtLen))
	tag := format
	if extensible {
		tag = 0xFFFE
	}
	block := channels * bits / 8
	for _, v := range []any{uint16(tag), uint16(channels), uint32(rate), uint32(rate * block), uint16(block), uint16(bits)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	if extensible {
		binary.Write(&b, binary.LittleEndian, uint16(22))
		binary.Write(&b, binary.LittleEndian, uint16(bits))
		binary.Write(&b, binary.LittleEndian, uint32(3))
		binary.Write(&b, binary.LittleEndian, uint16(format))
		b.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	b.WriteString("JUNK") // an extra chunk with odd length and pad byte
	binary.Write(&b, binary.LittleEndian, uint32(3))
	b.Write([]byte{'a', 'b', 'c', 0})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestDecodeStereoMixdownAndExtensibleWAV(t *testing.T) {
	// Left 0.5, right -0.25 → mono 0.125; 24-bit extensible.
	var data []byte
	for range 100 {
		l, r := int32(0.5*(1<<23)), int32(-0.25*(1<<23))
		data = append(data, byte(l), byte(l>>8), byte(l>>16), byte(r), byte(r>>8), byte(r>>16))
	}
	p, err := Decode(FormatWAV, wavBytes(1, 2, 48000, 24, true, data), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Samples) != 100 || p.Rate != 48000 {
		t.Fatalf("%d samples at %d Hz", len(p.Samples), p.Rate)
	}
	for i, v := range p.Samples {
		if math.Abs(float64(v)-0.125) > 1e-6 {
			t.Fatalf("sample %d = %v, want 0.125", i, v)
		}
	}
}

func TestDecodeRawPCM(t *testing.T) {
	data := []byte{0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x00, 0x80} // 0.5, -0.5, ~1, -1
	p, err := Decode(FormatPCM, data, 24000, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0.5, -0.5, 32767.0 / 32768, -1}
	if p.Rate != 24000 || len(p.Samples) != 4 {
		t.Fatalf("%d samples at %d Hz", len(p.Samples), p.Rate)
	}
	for i := range want {
		if p.Samples[i] != want[i] {
			t.Errorf("sample %d = %v, want %v", i, p.Samples[i], want[i])
		}
	}
	stereo, err := Decode(FormatPCM, data, 24000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(stereo.Samples) != 2 || stereo.Samples[0] != 0 || math.Abs(float64(stereo.Samples[1])+1.0/65536) > 1e-9 {
		t.Errorf("stereo mixdown %v", stereo.Samples)
	}
}

// decodeWithFFmpeg is the outside reference decoder (it trims LAME's
// gapless delay, so comparisons align first).
func decodeWithFFmpeg(t *testing.T, path string) []float32 {
	t.Helper()
	raw := run(t, "ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ac", "1", "-")
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// alignedSNR finds the lag of b against a (|lag| ≤ maxLag) with the best
// correlation and returns the signal-to-difference ratio there in dB.
func alignedSNR(a, b []float32, maxLag int) (snr float64, lag int) {
	best := math.Inf(-1)
	for l := -maxLag; l <= maxLag; l++ {
		var c float64
		for i := range a {
			if j := i + l; j >= 0 && j < len(b) {
				c += float64(a[i]) * float64(b[j])
			}
		}
		if c > best {
			best, lag = c, l
		}
	}
	var sig, diff float64
	for i := range a {
		if j := i + lag; j >= 0 && j < len(b) {
			sig += float64(b[j]) * float64(b[j])
			e := float64(a[i]) - float64(b[j])
			diff += e * e
		}
	}
	return 10 * math.Log10(sig/diff), lag
}

func TestDecodeMP3At24kHzMatchesFFmpeg(t *testing.T) {
	path := filepath.Join("testdata", "mpeg2-24000-48k.mp3")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := splitMP3(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.goMP3Unsafe {
		t.Fatal("24 kHz frames flagged as unsafe for go-mp3; they have no padding")
	}
	p, err := Decode(FormatMP3, data, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate != 24000 || len(p.Samples) != len(s.frames)*576 {
		t.Errorf("%d samples at %d Hz, want %d frames × 576 at 24000", len(p.Samples), p.Rate, len(s.frames))
	}
	snr, lag := alignedSNR(p.Samples, decodeWithFFmpeg(t, path), 1200)
	t.Logf("go-mp3 path vs ffmpeg: %.1f dB at lag %d", snr, lag)
	if snr < 40 {
		t.Errorf("decoded audio differs from ffmpeg's: SNR %.1f dB", snr)
	}
}

// TestDecodePaddedMPEG2 feeds the files go-mp3 v0.3.4 mis-sizes (22.05 kHz
// with padding at 8/16/24/32/80/96/144/160 kbps) and checks they decode to
// what ffmpeg hears, through libmp3lame's decoder.
func TestDecodePaddedMPEG2(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.wav")
	run(t, "espeak-ng", "-v", "vi", "-w", src, "Xin chào Việt Nam, hôm nay trời nắng.")
	for _, kbps := range []string{"8", "16", "24", "32", "80", "96", "144", "160"} {
		t.Run(kbps+"kbps", func(t *testing.T) {
			path := filepath.Join(dir, kbps+".mp3")
			run(t, "lame", "--silent", "-b", kbps, "--resample", "22.05", src, path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := splitMP3(data)
			if err != nil {
				t.Fatal(err)
			}
			if !s.goMP3Unsafe {
				t.Fatal("padded 22.05 kHz stream not detected")
			}
			p, err := Decode(FormatMP3, data, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if p.Rate != 22050 || len(p.Samples) != len(s.frames)*576 {
				t.Errorf("%d samples at %d Hz for %d frames", len(p.Samples), p.Rate, len(s.frames))
			}
			ref := decodeWithFFmpeg(t, path)
			snr, _ := alignedSNR(p.Samples, ref, 1200)
			if snr < 30 {
				t.Errorf("guarded decode vs ffmpeg: SNR %.1f dB, want ≥ 30", snr)
			}
			// What the guard prevents: go-mp3 alone returns noise.
			if kbps == "32" {
				raw := goMP3Samples(t, data)
				bad, _ := alignedSNR(raw, ref, 1200)
				t.Logf("guarded decode %.1f dB; go-mp3 alone %.1f dB", snr, bad)
				if bad > 10 {
					t.Errorf("go-mp3 decodes the padded file well (%.1f dB); is the guard still needed?", bad)
				}
			}
		})
	}
}

// TestDecodeMPEG25 covers the 8–12 kHz rates go-mp3 cannot read at all.
func TestDecodeMPEG25(t *testing.T) {
	dir := t.TempDir()
	src, path := filepath.Join(dir, "src.wav"), filepath.Join(dir, "8k.mp3")
	run(t, "espeak-ng", "-v", "vi", "-w", src, "Xin chào.")
	run(t, "lame", "--silent", "-b", "16", "--resample", "8", src, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(FormatMP3, data, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate != 8000 {
		t.Errorf("rate %d, want 8000", p.Rate)
	}
	if snr, _ := alignedSNR(p.Samples, decodeWithFFmpeg(t, path), 1200); snr < 30 {
		t.Errorf("MPEG-2.5 decode vs ffmpeg: SNR %.1f dB", snr)
	}
}

func goMP3Samples(t *testing.T, data []byte) []float32 {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = float32(int16(binary.LittleEndian.Uint16(raw[4*i:]))) / (1 << 15)
	}
	return out
}

func TestDecodeRejectsBrokenInput(t *testing.T) {
	wav, err := os.ReadFile(filepath.Join("testdata", "short.wav"))
	if err != nil {
		t.Fatal(err)
	}
	mp3File, err := os.ReadFile(filepath.Join("testdata", "mpeg2-24000-48k.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	junkInside := append(append(append([]byte(nil), mp3File[:len(mp3File)/2]...), "garbage"...), mp3File[len(mp3File)/2:]...)
	oddStreamed := append(espeakLike(wav), 0x01)
	adpcm := wavBytes(2, 1, 8000, 4, false, []byte{1, 2, 3, 4})
	nan := wavBytes(3, 1, 8000, 32, false, []byte{0, 0, 0xc0, 0x7f})
	for _, tc := range []struct {
		name, format string
		data         []byte
		rate, ch     int
	}{
		{"empty wav", FormatWAV, nil, 0, 0},
		{"text as wav", FormatWAV, []byte("<html>rate limited</html>"), 0, 0},
		{"wav header only", FormatWAV, wav[:44], 0, 0},
		{"wav cut short", FormatWAV, wav[:len(wav)-101], 0, 0},
		{"streamed wav cut mid-sample", FormatWAV, oddStreamed, 0, 0},
		{"wav adpcm", FormatWAV, adpcm, 0, 0},
		{"wav NaN", FormatWAV, nan, 0, 0},
		{"pcm odd length", FormatPCM, []byte{1, 2, 3}, 24000, 1},
		{"pcm without rate", FormatPCM, []byte{1, 2}, 0, 1},
		{"pcm empty", FormatPCM, nil, 24000, 1},
		{"pcm over ten minutes", FormatPCM, make([]byte, 2*4000*601), 4000, 1},
		{"mp3 empty", FormatMP3, nil, 0, 0},
		{"mp3 garbage", FormatMP3, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 100), 0, 0},
		{"mp3 cut mid-frame", FormatMP3, mp3File[:len(mp3File)-50], 0, 0},
		{"mp3 junk between frames", FormatMP3, junkInside, 0, 0},
		{"mp3 id3 only", FormatMP3, []byte("ID3\x03\x00\x00\x00\x00\x00\x05abcde"), 0, 0},
		{"mp3 id3 past end", FormatMP3, []byte("ID3\x03\x00\x00\x00\x00\x7f\x7f"), 0, 0},
		{"wav given as mp3", FormatMP3, wav, 0, 0},
		{"unknown format", "ogg", wav, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.format, tc.data, tc.rate, tc.ch)
			if !errors.Is(err, ErrBadAudio) {
				t.Errorf("err = %v, want ErrBadAudio", err)
			}
		})
	}
}

// espeakLike rewrites a WAV's size fields to espeak-ng's placeholders.
func espeakLike(wav []byte) []byte {
	out := append([]byte(nil), wav...)
	binary.LittleEndian.PutUint32(out[4:], 0x7ffff024)
	binary.LittleEndian.PutUint32(out[40:], 0x7ffff000)
	return out
}
