package audio

import "math"

// Loudness is the integrated loudness of p in LUFS per ITU-R BS.1770-4:
// K-weighting, 400 ms blocks with 75% overlap, the -70 LUFS absolute gate
// and the -10 LU relative gate. A clip shorter than one block is measured
// as a single block, so short words still get a value. Silence (or no
// block above the absolute gate) is -Inf.
func Loudness(p PCM) float64 {
	if p.Rate <= 0 || len(p.Samples) == 0 {
		return math.Inf(-1)
	}
	kw := kWeighted(p.Samples, p.Rate)
	sq := make([]float64, len(kw))
	for i, v := range kw {
		sq[i] = float64(v) * float64(v)
	}
	return loudnessOfSquares(sq, p.Rate, nil)
}

// loudnessOfSquares gates the squared K-weighted signal into integrated
// loudness; cum is scratch space (len(sq)+1) or nil.
func loudnessOfSquares(sq []float64, rate int, cum []float64) float64 {
	block := int(math.Round(0.4 * float64(rate)))
	if len(sq) < block {
		return gatedLoudness([]float64{meanOf(sq)})
	}
	// Prefix sums make every block O(1).
	if len(cum) < len(sq)+1 {
		cum = make([]float64, len(sq)+1)
	}
	cum[0] = 0
	for i, v := range sq {
		cum[i+1] = cum[i] + v
	}
	step := 0.1 * float64(rate)
	blocks := make([]float64, 0, len(sq)/int(step)+1)
	for j := 0; ; j++ {
		start := int(math.Round(float64(j) * step))
		if start+block > len(sq) {
			break
		}
		blocks = append(blocks, (cum[start+block]-cum[start])/float64(block))
	}
	return gatedLoudness(blocks)
}

func meanOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func blockLoudness(z float64) float64 { return -0.691 + 10*math.Log10(z) }

func gatedLoudness(blocks []float64) float64 {
	const absoluteGate = -70.0
	var sum float64
	var n int
	for _, z := range blocks {
		if blockLoudness(z) > absoluteGate {
			sum += z
			n++
		}
	}
	if n == 0 {
		return math.Inf(-1)
	}
	relativeGate := blockLoudness(sum/float64(n)) - 10
	sum, n = 0, 0
	for _, z := range blocks {
		if l := blockLoudness(z); l > absoluteGate && l > relativeGate {
			sum += z
			n++
		}
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return blockLoudness(sum / float64(n))
}

// kWeighted applies the BS.1770 K-weighting (high shelf, then high pass)
// designed for the actual rate, as libebur128 does.
func kWeighted(x []float32, rate int) []float32 {
	fs := float64(rate)
	// Stage 1: the head's acoustic effect, a +4 dB shelf above ~1.7 kHz.
	f0, g, q := 1681.974450955533, 3.999843853973347, 0.7071752369554196
	k := math.Tan(math.Pi * f0 / fs)
	vh := math.Pow(10, g/20)
	vb := math.Pow(vh, 0.4996667741545416)
	a0 := 1 + k/q + k*k
	shelf := biquad{
		b0: (vh + vb*k/q + k*k) / a0, b1: 2 * (k*k - vh) / a0, b2: (vh - vb*k/q + k*k) / a0,
		a1: 2 * (k*k - 1) / a0, a2: (1 - k/q + k*k) / a0,
	}
	// Stage 2: the RLB high pass at ~38 Hz.
	f0, q = 38.13547087602444, 0.5003270373238773
	k = math.Tan(math.Pi * f0 / fs)
	a0 = 1 + k/q + k*k
	highPass := biquad{b0: 1, b1: -2, b2: 1, a1: 2 * (k*k - 1) / a0, a2: (1 - k/q + k*k) / a0}

	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(highPass.step(shelf.step(float64(v))))
	}
	return out
}

type biquad struct {
	b0, b1, b2, a1, a2 float64
	z1, z2             float64 // transposed direct form II state
}

func (f *biquad) step(x float64) float64 {
	y := f.b0*x + f.z1
	f.z1 = f.b1*x - f.a1*y + f.z2
	f.z2 = f.b2*x - f.a2*y
	return y
}

// True-peak interpolator: at least 192 kHz, as BS.1770-4 Annex 2 asks of
// 48 kHz material (4×), with a 12-tap-per-phase windowed sinc.
const (
	truePeakRate      = 192000
	truePeakHalfTaps  = 6
	truePeakKaiser    = 6.0
	truePeakMaxFactor = 16
)

// TruePeak is the true peak of p in dBTP: the largest magnitude of the
// signal oversampled to at least 192 kHz. Silence is -Inf.
func TruePeak(p PCM) float64 {
	var peak float32
	for _, v := range p.Samples {
		peak = max(peak, float32(math.Abs(float64(v))))
	}
	// Only stretches that could beat the sample peak need interpolating.
	for _, v := range truePeakEnvelope(p.Samples, p.Rate, peak, truePeakRate) {
		peak = max(peak, v)
	}
	if peak == 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(float64(peak))
}

// truePeakInterpolator holds the polyphase filter for one rate.
type truePeakInterpolator struct {
	coef [][2 * truePeakHalfTaps]float32 // per phase; phase 0 is the sample itself
	gain float32                         // max over phases of Σ|coef|: bounds |output| by gain·max|input|
}

func newTruePeakInterpolator(rate, minRate int) truePeakInterpolator {
	factor := min(max((minRate+rate-1)/rate, 4), truePeakMaxFactor)
	ip := truePeakInterpolator{coef: make([][2 * truePeakHalfTaps]float32, factor), gain: 1}
	for ph := 1; ph < factor; ph++ {
		frac := float64(ph) / float64(factor)
		var sum float32
		for m := range 2 * truePeakHalfTaps {
			t := frac + float64(truePeakHalfTaps-1-m)
			c := float32(sinc(t) * kaiser(t/float64(truePeakHalfTaps), truePeakKaiser))
			ip.coef[ph][m] = c
			sum += float32(math.Abs(float64(c)))
		}
		ip.gain = max(ip.gain, sum)
	}
	return ip
}

// peakAt is the largest magnitude of the interpolated signal strictly
// between samples n and n+1.
func (ip *truePeakInterpolator) peakAt(x []float32, n int) float32 {
	const taps = 2 * truePeakHalfTaps
	var peak float32
	start := n - truePeakHalfTaps + 1
	inside := start >= 0 && start+taps <= len(x)
	for ph := 1; ph < len(ip.coef); ph++ {
		c := &ip.coef[ph]
		var acc float32
		if inside {
			w := x[start : start+taps]
			for m := range taps {
				acc += c[m] * w[m]
			}
		} else {
			for m := range taps {
				if k := start + m; k >= 0 && k < len(x) {
					acc += c[m] * x[k]
				}
			}
		}
		if acc < 0 {
			acc = -acc
		}
		peak = max(peak, acc)
	}
	return peak
}

// truePeakEnvelope gives, per sample n, the largest magnitude of the
// oversampled signal on [n, n+1) wherever that can exceed floor; where a
// bound from the neighbouring samples shows it cannot, it gives |x[n]|
// (also not above floor). A floor of 0 makes every value exact.
// Oversampling reaches at least minRate.
func truePeakEnvelope(x []float32, rate int, floor float32, minRate int) []float32 {
	env := make([]float32, len(x))
	if rate <= 0 {
		return env
	}
	ip := newTruePeakInterpolator(rate, minRate)
	const taps = 2 * truePeakHalfTaps
	// A bound on |x| over each sample's filter window, from maxima over
	// aligned blocks as long as the window: a window meets two blocks.
	abs := make([]float32, len(x))
	blockMax := make([]float32, len(x)/taps+1)
	for i, v := range x {
		a := float32(math.Abs(float64(v)))
		abs[i] = a
		blockMax[i/taps] = max(blockMax[i/taps], a)
	}
	windowBound := func(n int) float32 {
		lo, hi := max(n-truePeakHalfTaps+1, 0)/taps, min(n+truePeakHalfTaps, len(x)-1)/taps
		return max(blockMax[lo], blockMax[hi])
	}
	for n := range x {
		env[n] = abs[n]
		if windowBound(n)*ip.gain > floor {
			env[n] = max(abs[n], ip.peakAt(x, n))
		}
	}
	return env
}
