package audio

import (
	"math"
	"sync"
)

// Resampler settings: 16 zero crossings each side of the windowed sinc give
// a stop band near -80 dB with a Kaiser β of 8, far under the 48 kbps
// codec's noise floor; the pass band ends at 94% of the lower Nyquist.
const (
	resampleZeroCrossings = 16
	resampleKaiserBeta    = 8.0
	resampleCutoff        = 0.94
	maxResamplePhases     = 1024
)

// Resample converts p to rate with a polyphase windowed-sinc filter at the
// exact rational ratio, so n input samples become ceil(n·rate/p.Rate).
// Lead and Tail are scaled to the new rate.
func Resample(p PCM, rate int) PCM {
	if p.Rate == rate || p.Rate <= 0 || rate <= 0 || len(p.Samples) == 0 {
		if rate > 0 && len(p.Samples) == 0 {
			p.Rate = rate
		}
		return p
	}
	g := gcd(p.Rate, rate)
	up, down := rate/g, p.Rate/g // output sample n sits at input time n·down/up

	f := resampleFilterFor(up, down)
	half, taps, phases, coef := f.half, f.taps, f.phases, f.coef

	in := p.Samples
	n := int((int64(len(in))*int64(up) + int64(down) - 1) / int64(down))
	out := make([]float32, n)
	for j := range out {
		pos := int64(j) * int64(down)
		i := int(pos / int64(up))
		phase := int(pos % int64(up))
		if phases != up {
			phase = int((int64(phase)*int64(phases)*2 + int64(up)) / (2 * int64(up)))
			if phase == phases {
				phase, i = 0, i+1
			}
		}
		c := coef[phase*taps : (phase+1)*taps]
		start := i - half + 1
		var acc float32
		if start >= 0 && start+taps <= len(in) {
			w := in[start : start+taps]
			c = c[:len(w)] // one bounds check for the loop
			for m, x := range w {
				acc += c[m] * x
			}
		} else {
			for m := range c {
				if k := start + m; k >= 0 && k < len(in) {
					acc += c[m] * in[k]
				}
			}
		}
		out[j] = acc
	}
	scale := func(k int) int { return int(int64(k) * int64(up) / int64(down)) }
	return PCM{Samples: out, Rate: rate, Lead: scale(p.Lead), Tail: scale(p.Tail)}
}

// resampleFilter is the polyphase table for one rational ratio.
type resampleFilter struct {
	half, taps, phases int
	coef               []float32 // phases × taps
}

// resampleFilters memoises tables: Loa meets a handful of ratios (the
// backends' rates to the profile's), and a table costs thousands of Bessel
// evaluations.
var resampleFilters = struct {
	sync.Mutex
	m map[[2]int]*resampleFilter
}{m: map[[2]int]*resampleFilter{}}

func resampleFilterFor(up, down int) *resampleFilter {
	key := [2]int{up, down}
	resampleFilters.Lock()
	f, ok := resampleFilters.m[key]
	resampleFilters.Unlock()
	if ok {
		return f
	}
	// Normalised cutoff relative to the input rate's Nyquist frequency.
	cut := resampleCutoff * math.Min(1, float64(up)/float64(down))
	half := int(math.Ceil(resampleZeroCrossings / cut)) // taps each side, in input samples
	taps := 2 * half
	// Exact phases for the usual ratios (22.05→24 kHz has 160); odd rates
	// share a bounded table, placing each output within 1/2048 sample.
	phases := min(up, maxResamplePhases)
	coef := make([]float32, phases*taps)
	for phase := 0; phase < phases; phase++ {
		frac := float64(phase) / float64(phases)
		for m := 0; m < taps; m++ {
			// Tap m multiplies input sample i-half+1+m for output time i+frac.
			t := frac + float64(half-1-m)
			coef[phase*taps+m] = float32(cut * sinc(cut*t) * kaiser(t/float64(half), resampleKaiserBeta))
		}
	}
	f = &resampleFilter{half: half, taps: taps, phases: phases, coef: coef}
	resampleFilters.Lock()
	if len(resampleFilters.m) < 32 {
		resampleFilters.m[key] = f
	}
	resampleFilters.Unlock()
	return f
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at x in [-1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
