package audio

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestResamplePreservesTonesAndRemovesAliases(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		freq     float64
		wantGain float64 // expected output amplitude ratio
		minSNR   float64
	}{
		{22050, 24000, 1000, 1, 70},
		{22050, 24000, 9000, 1, 45}, // near the band edge: within 0.6%
		{16000, 24000, 3000, 1, 70},
		{44100, 24000, 5000, 1, 70},
		{48000, 24000, 1000, 1, 70},
		{44100, 24000, 15000, 0, 0}, // above the new Nyquist: must vanish
		{8000, 24000, 440, 1, 70},
	} {
		n := tc.from // one second
		in := PCM{Samples: sine(tc.freq, tc.from, n, 0.5), Rate: tc.from, Lead: tc.from / 10}
		out := Resample(in, tc.to)
		if want := (n*tc.to + tc.from - 1) / tc.from; len(out.Samples) != want {
			t.Errorf("%d→%d: %d samples, want %d", tc.from, tc.to, len(out.Samples), want)
		}
		if out.Lead != tc.to/10 {
			t.Errorf("%d→%d: lead %d, want %d", tc.from, tc.to, out.Lead, tc.to/10)
		}
		// Compare the middle (away from the edges) with the ideal tone.
		ref := sine(tc.freq, tc.to, len(out.Samples), 0.5*tc.wantGain)
		var sig, diff float64
		for i := tc.to / 10; i < len(out.Samples)-tc.to/10; i++ {
			sig += float64(ref[i]) * float64(ref[i])
			e := float64(out.Samples[i] - ref[i])
			diff += e * e
		}
		if tc.wantGain == 0 {
			rms := math.Sqrt(diff / float64(len(out.Samples)-tc.to/5))
			if db := 20 * math.Log10(rms/0.5*math.Sqrt2); db > -70 {
				t.Errorf("%d→%d: %.0f Hz alias at %.1f dB, want below -70", tc.from, tc.to, tc.freq, db)
			}
			continue
		}
		if snr := 10 * math.Log10(sig/diff); snr < tc.minSNR {
			t.Errorf("%d→%d: %.0f Hz tone SNR %.1f dB, want ≥ %.0f", tc.from, tc.to, tc.freq, snr, tc.minSNR)
		}
	}
}

func TestResampleOddRatio(t *testing.T) {
	// 44101 Hz has no small ratio to 24000: the bounded phase table path.
	out := Resample(PCM{Samples: sine(1000, 44101, 44101, 0.5), Rate: 44101}, 24000)
	ref := sine(1000, 24000, len(out.Samples), 0.5)
	var sig, diff float64
	for i := 2400; i < len(ref)-2400; i++ {
		sig += float64(ref[i]) * float64(ref[i])
		e := float64(out.Samples[i] - ref[i])
		diff += e * e
	}
	if snr := 10 * math.Log10(sig/diff); snr < 60 {
		t.Errorf("SNR %.1f dB, want ≥ 60", snr)
	}
}

func TestLoudnessCalibration(t *testing.T) {
	// BS.1770: a 997 Hz sine at 0 dBFS peak in one channel reads -3.01 LUFS.
	for _, rate := range []int{24000, 48000, 22050} {
		for _, amp := range []float64{1, 0.1} {
			p := PCM{Samples: sine(997, rate, 5*rate, amp), Rate: rate}
			want := -3.01 + 20*math.Log10(amp)
			if got := Loudness(p); math.Abs(got-want) > 0.05 {
				t.Errorf("%d Hz, amplitude %v: %.2f LUFS, want %.2f", rate, amp, got, want)
			}
		}
	}
	if l := Loudness(PCM{Samples: make([]float32, 24000), Rate: 24000}); !math.IsInf(l, -1) {
		t.Errorf("silence measures %v, want -Inf", l)
	}
	// Gating: a tone followed by four times as long at -40 dB still reads
	// as the tone (the quiet part falls under the relative gate; ungated,
	// it would be 7 dB lower).
	tone := sine(997, 24000, 10*24000, 0.5)
	quiet := sine(997, 24000, 40*24000, 0.005)
	if got := Loudness(PCM{Samples: append(tone, quiet...), Rate: 24000}); math.Abs(got-(-3.01-6.02)) > 0.3 {
		t.Errorf("gated loudness %.2f, want about -9.03", got)
	}
}

func TestTruePeakFindsInterSamplePeaks(t *testing.T) {
	// A sine at a quarter of the rate, sampled 45° off its crest: every
	// sample is at 0.707 of the true peak.
	const rate = 24000
	x := make([]float32, rate)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*float64(i)/4+math.Pi/4))
	}
	sample := 20 * math.Log10(0.5*math.Sqrt2/2)
	got := TruePeak(PCM{Samples: x, Rate: rate})
	if math.Abs(got-20*math.Log10(0.5)) > 0.2 {
		t.Errorf("true peak %.2f dBTP, want %.2f (sample peak %.2f)", got, 20*math.Log10(0.5), sample)
	}
}

func TestLoudnessAndTruePeakAgreeWithFFmpeg(t *testing.T) {
	wav, err := os.ReadFile(filepath.Join("testdata", "short.wav"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(FormatWAV, wav, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	p = Resample(p, 24000)
	p.Samples = append(p.Samples, p.Samples...) // longer than a few blocks
	path := filepath.Join(t.TempDir(), "clip.wav")
	if err := os.WriteFile(path, floatWAV(p), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runStderr(t, "ffmpeg", "-nostats", "-hide_banner", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-")
	wantL := lastFloat(t, out, `I:\s+(-?[\d.]+) LUFS`)
	wantTP := lastFloat(t, out, `Peak:\s+(-?[\d.]+) dBFS`)
	if got := Loudness(p); math.Abs(got-wantL) > 0.2 {
		t.Errorf("Loudness %.2f, ffmpeg %.1f", got, wantL)
	}
	if got := TruePeak(p); math.Abs(got-wantTP) > 0.3 {
		t.Errorf("TruePeak %.2f, ffmpeg %.1f", got, wantTP)
	}
}

// floatWAV writes p as a 32-bit float WAV.
func floatWAV(p PCM) []byte {
	data := make([]byte, 4*len(p.Samples))
	for i, v := range p.Samples {
		b := math.Float32bits(v)
		data[4*i], data[4*i+1], data[4*i+2], data[4*i+3] = byte(b), byte(b>>8), byte(b>>16), byte(b>>24)
	}
	return wavBytes(3, 1, p.Rate, 32, false, data)
}

func TestPrepareTrimsToMarginAndNormalizes(t *testing.T) {
	const rate = 22050
	// 0.8 s of silence, 1.5 s of a quiet tone burst train, 0.4 s silence.
	var x []float32
	x = append(x, make([]float32, rate*8/10)...)
	for range 5 {
		x = append(x, sine(300, rate, rate/5, 0.02)...)
		x = append(x, make([]float32, rate/10)...)
	}
	x = append(x, make([]float32, rate*4/10)...)
	in := PCM{Samples: x, Rate: rate}
	out := Prepare(in, PrepareOptions{})

	margin := 24000 * 50 / 1000
	if out.Rate != 24000 || out.Lead != margin || out.Tail != margin {
		t.Fatalf("rate %d lead %d tail %d, want 24000/%d/%d", out.Rate, out.Lead, out.Tail, margin, margin)
	}
	// Content is 5 bursts of 0.2 s with 0.1 s gaps, less the last gap.
	content := len(out.Samples) - out.Lead - out.Tail
	if want := 24000 * 14 / 10; abs(content-want) > 24 {
		t.Errorf("content %d samples, want %d ± 1 ms", content, want)
	}
	// The margin is silent up to the onset (but for the resampler's
	// ringing in its last millisecond) and the tone starts right after.
	for i := 0; i < out.Lead-24; i++ {
		if math.Abs(float64(out.Samples[i])) > 1e-4 {
			t.Fatalf("lead margin sample %d = %v, want silence", i, out.Samples[i])
		}
	}
	if peak := maxAbs(out.Samples[out.Lead : out.Lead+48]); peak < 0.01 {
		t.Errorf("first 2 ms after the margin peak at %v; the onset is not where Lead says", peak)
	}
	if l := loudnessInContext(out); math.Abs(l-(-16+codecLossLU)) > 0.1 {
		t.Errorf("prepared clip %.2f LUFS in context, want %.2f", l, -16+codecLossLU)
	}
	if tp := TruePeak(out); tp > -2 {
		t.Errorf("true peak %.2f dBTP over the -2 ceiling", tp)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestPrepareLimitsPeakyClips(t *testing.T) {
	// A quiet tone with loud clicks: reaching -16 LUFS needs the limiter.
	const rate = 24000
	x := sine(500, rate, 3*rate, 0.05)
	for i := rate / 4; i < len(x); i += rate / 4 {
		x[i] = 0.9
	}
	out := Prepare(PCM{Samples: x, Rate: rate}, PrepareOptions{})
	if tp := TruePeak(out); tp > -2 {
		t.Errorf("true peak %.2f dBTP, ceiling -2", tp)
	}
	if l := loudnessInContext(out); math.Abs(l-(-16+codecLossLU)) > 0.1 {
		t.Errorf("loudness %.2f LUFS, want %.2f", l, -16+codecLossLU)
	}
}

func TestPrepareSilentClip(t *testing.T) {
	out := Prepare(PCM{Samples: make([]float32, 5000), Rate: 24000}, PrepareOptions{Margin: 30 * time.Millisecond})
	if len(out.Samples) != 2*720 || out.Lead != 720 || out.Tail != 720 {
		t.Errorf("silent clip → %d samples (lead %d, tail %d), want two 30 ms margins", len(out.Samples), out.Lead, out.Tail)
	}
}

func TestLimiterGainNeverExceedsNeed(t *testing.T) {
	need := make([]float32, 1000)
	for i := range need {
		need[i] = 1
	}
	need[10], need[500], need[995] = 0.3, 0.5, 0.2
	// An envelope that needs exactly those gains at a ceiling of 1.
	env := make([]float32, len(need))
	for i, v := range need {
		env[i] = 1 / v
	}
	l := newLimiter(env, 1000)
	l.radius = 20
	g := l.gain(1, 1)
	for i := range need {
		if g[i] > need[i]+1e-6 {
			t.Fatalf("gain %v at %d exceeds need %v", g[i], i, need[i])
		}
	}
	if g[300] != 1 || g[10] != 0.3 {
		t.Errorf("gain far from any peak %v (want 1), at the deepest peak %v (want 0.3)", g[300], g[10])
	}
}

func maxAbs(x []float32) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// TestCoarseEstimateMatchesExactLoudness backs normalize's shortcut: the
// coarse score of a gain (limiter included) is the loudness measured on
// the fully filtered result.
func TestCoarseEstimateMatchesExactLoudness(t *testing.T) {
	p := trim(Resample(speechClip(t), 24000), PrepareOptions{}.withDefaults())
	pad := contextPad(p.Rate)
	padded := make([]float32, pad+len(p.Samples)+pad)
	copy(padded[pad:], p.Samples)
	c := newCoarseClip(kWeighted(padded, p.Rate), pad, p.Rate)
	env := truePeakEnvelope(p.Samples, p.Rate, 0, truePeakRate/2)
	c.setEnvelope(env)
	lim := newLimiter(env, p.Rate)
	ceiling := -2.0
	for _, gainDB := range []float64{0, 6, 12} {
		g := float32(math.Pow(10, gainDB/20))
		curve := lim.gain(g, float32(math.Pow(10, ceiling/20)))
		y := PCM{Samples: make([]float32, len(p.Samples)), Rate: p.Rate}
		for i, v := range p.Samples {
			y.Samples[i] = v * g * curve[i]
		}
		exact, est := loudnessInContext(y), c.loudness(gainDB, &ceiling)
		if math.Abs(exact-est) > 0.05 {
			t.Errorf("gain %v dB: coarse %.3f LUFS, exact %.3f", gainDB, est, exact)
		}
	}
}
