package audio

import (
	"math"
	"time"
)

// PrepareOptions tunes Prepare. Zero values mean the documented defaults.
type PrepareOptions struct {
	// SampleRate is the output rate, the profile's. Default 24000.
	SampleRate int
	// Margin is the silence kept (or padded) before and after the spoken
	// content. Default 50 ms; negative means none.
	Margin time.Duration
	// TargetLUFS is the integrated loudness of every prepared clip, and so
	// of the finished file. Default -16.
	TargetLUFS float64
	// CeilingDBTP caps the true peak of the prepared PCM. It sits below the
	// file's -1 dBTP limit because MP3 coding adds overshoot. Default -2.
	CeilingDBTP float64
	// SilenceDB is where speech starts and ends for trimming, in dB below
	// the clip's loudest 10 ms (the threshold never goes under -60 dBFS).
	// Default 40.
	SilenceDB float64
	// MaxGainDB bounds the normalisation gain so that a near-silent clip is
	// not blown up into noise. Default 40.
	MaxGainDB float64
}

func (o PrepareOptions) withDefaults() PrepareOptions {
	if o.SampleRate == 0 {
		o.SampleRate = DefaultSampleRate
	}
	switch {
	case o.Margin == 0:
		o.Margin = 50 * time.Millisecond
	case o.Margin < 0:
		o.Margin = 0
	}
	if o.TargetLUFS == 0 {
		o.TargetLUFS = -16
	}
	if o.CeilingDBTP == 0 {
		o.CeilingDBTP = -2
	}
	if o.SilenceDB == 0 {
		o.SilenceDB = 40
	}
	if o.MaxGainDB == 0 {
		o.MaxGainDB = 40
	}
	return o
}

// Prepare makes a decoded clip ready for the encoder: resample to the
// output rate, trim leading and trailing silence to exactly Margin (padding
// with silence where the clip had less), then set the gain so the clip
// integrates at TargetLUFS, with a look-ahead true-peak limiter keeping it
// under CeilingDBTP. The result's Lead and Tail are the margin in samples;
// content lies between them. A silent clip becomes two margins of silence.
func Prepare(p PCM, opts PrepareOptions) PCM {
	o := opts.withDefaults()
	p = Resample(p, o.SampleRate)
	p = trim(p, o)
	normalize(p, o)
	return p
}

// trim cuts p to [onset-margin, offset+margin) and fades the cut edges.
func trim(p PCM, o PrepareOptions) PCM {
	rate := p.Rate
	margin := int(int64(o.Margin) * int64(rate) / int64(time.Second))
	onset, offset := speechBounds(p.Samples, rate, o.SilenceDB)
	content := p.Samples[onset:offset]
	out := make([]float32, margin+len(content)+margin)
	// Lead-in: real audio before the onset where there is some, else zeros.
	pre := min(onset, margin)
	copy(out[margin-pre:margin], p.Samples[onset-pre:onset])
	copy(out[margin:], content)
	post := min(len(p.Samples)-offset, margin)
	copy(out[margin+len(content):], p.Samples[offset:offset+post])

	fade := min(rate/200, margin) // 5 ms raised cosine at both cut edges
	for i := 0; i < fade; i++ {
		g := float32(0.5 - 0.5*math.Cos(math.Pi*float64(i)/float64(fade)))
		out[i] *= g
		out[len(out)-1-i] *= g
	}
	return PCM{Samples: out, Rate: rate, Lead: margin, Tail: margin}
}

// speechBounds finds the first and one-past-last sample louder than the
// silence threshold; both are 0 for a clip that is silent throughout.
func speechBounds(x []float32, rate int, silenceDB float64) (onset, offset int) {
	win := max(rate/100, 1) // 10 ms
	loudest := 0.0
	for start := 0; start < len(x); start += win {
		loudest = max(loudest, meanSquare(x[start:min(start+win, len(x))]))
	}
	if loudest == 0 {
		return 0, 0
	}
	thresholdDB := max(10*math.Log10(loudest)-silenceDB, -60)
	limit := float32(math.Pow(10, thresholdDB/20))
	onset, offset = -1, 0
	for i, v := range x {
		if v > limit || v < -limit {
			if onset < 0 {
				onset = i
			}
			offset = i + 1
		}
	}
	if onset < 0 {
		return 0, 0
	}
	return onset, offset
}

func meanSquare(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s / float64(len(x))
}

// contextPause is the silence a clip is measured between: in the finished
// file every clip sits between pauses, and the 400 ms gating blocks that
// straddle a pause count towards the file's integrated loudness. Measuring
// each clip the same way makes the whole file, not just each clip alone,
// land on the target.
const contextPause = 250 * time.Millisecond

func contextPad(rate int) int { return int(int64(contextPause) * int64(rate) / int64(time.Second)) }

func loudnessInContext(p PCM) float64 {
	pad := contextPad(p.Rate)
	x := make([]float32, pad+len(p.Samples)+pad)
	copy(x[pad:], p.Samples)
	return Loudness(PCM{Samples: x, Rate: p.Rate})
}

// codecLossLU is the K-weighted energy Layer III coding takes out of
// speech at Loa's bit rates (measured: 0.38–0.46 LU on espeak-ng clips at
// 48 kbps), added back before encoding so the file, not the PCM, measures
// on target.
const codecLossLU = 0.4

// normalize scales p in place to the target loudness under the ceiling.
func normalize(p PCM, o PrepareOptions) {
	rate, n := p.Rate, len(p.Samples)
	pad := contextPad(rate)
	padded := make([]float32, pad+n+pad)
	copy(padded[pad:], p.Samples)
	// Gains are scored on a coarse copy (blocks of coarseStep samples): the
	// limiter's gain moves slowly next to the K-filter's response, so
	// K(g·c·x) ≈ g·c·K(x), and each block's K-weighted energy just scales
	// by (g·c)². Against exact filtering: within 0.05 LU (tested).
	coarse := newCoarseClip(kWeighted(padded, rate), pad, rate)
	source := coarse.loudness(0, nil)
	if math.IsInf(source, -1) {
		return
	}
	target := o.TargetLUFS + codecLossLU
	orig := append([]float32(nil), p.Samples...)
	// Aim a little under the ceiling: the product of signal and a varying
	// gain peaks slightly above what the envelope predicts.
	ceiling := o.CeilingDBTP - 0.05
	// The limiter may push at most maxLimitDB past the plain gain; a clip
	// that needs more is a lone spike and is left quieter.
	const maxLimitDB = 12
	maxGain := min(o.MaxGainDB, target-source+maxLimitDB)
	// Scaling scales the true-peak envelope too, so one envelope of the
	// source serves every gain tried; it need only be exact where some gain
	// up to maxGain can reach the ceiling (with room for the final
	// tightening). It is taken at 96 kHz; the final check is at 192 kHz.
	floor := float32(math.Pow(10, (ceiling-1-maxGain)/20))
	env := truePeakEnvelope(orig, rate, floor, truePeakRate/2)
	lim := newLimiter(env, rate)
	coarse.setEnvelope(env)

	gainDB := findGain(func(gainDB float64) float64 {
		return coarse.loudness(gainDB, &ceiling)
	}, min(target-source, maxGain), target, maxGain)

	// Apply; then check the true peak at 192 kHz where it can matter and,
	// if the varying gain let a peak through, tighten and redo.
	ip := newTruePeakInterpolator(rate, truePeakRate)
	limit := float32(math.Pow(10, o.CeilingDBTP/20))
	for range 4 {
		g := float32(math.Pow(10, gainDB/20))
		curve := lim.gain(g, float32(math.Pow(10, ceiling/20)))
		for i, v := range orig {
			p.Samples[i] = v * g * curve[i]
		}
		peak := truePeakNearCeiling(p.Samples, env, g, curve, limit, &ip)
		if peak <= limit {
			return
		}
		ceiling -= 20*math.Log10(float64(peak/limit)) + 0.02
	}
}

// truePeakNearCeiling is the true peak of x where it can reach limit. x is
// a clip whose 96 kHz envelope was env, scaled by g·curve: 192 kHz can
// only find peaks up to 0.7 dB above 96 kHz (a tone at Nyquist, half a
// fine step off), so samples whose scaled envelope is 0.8 dB or more
// below the limit are skipped.
func truePeakNearCeiling(x, env []float32, g float32, curve []float32, limit float32, ip *truePeakInterpolator) float32 {
	skip := limit * 0.912 // -0.8 dB
	var peak float32
	for i, e := range env {
		if e*g*curve[i] < skip {
			continue
		}
		peak = max(peak, float32(math.Abs(float64(x[i]))), ip.peakAt(x, i))
	}
	return peak
}

// coarseStep is the block length, in samples, of the coarse clip used to
// score candidate gains.
const coarseStep = 8

// coarseClip is a clip reduced to blocks of coarseStep samples: the
// K-weighted energy of each block and, once set, the peak envelope's
// maximum in it, with a limiter working at that resolution.
type coarseClip struct {
	energy []float64 // K-weighted energy per block, context padding included
	pad    int       // samples of context padding before the clip
	lim    *limiter
	rate   int
	sq     []float64
}

func newCoarseClip(kw []float32, pad, rate int) *coarseClip {
	// A partial last block is dropped: no gating block reaches into it.
	nb := len(kw) / coarseStep
	c := &coarseClip{energy: make([]float64, nb), pad: pad, rate: rate, sq: make([]float64, nb)}
	for i, v := range kw[:nb*coarseStep] {
		c.energy[i/coarseStep] += float64(v) * float64(v)
	}
	return c
}

// setEnvelope gives the coarse limiter the clip's true-peak envelope.
func (c *coarseClip) setEnvelope(env []float32) {
	cenv := make([]float32, len(c.energy))
	for i, e := range env {
		if j := (i + c.pad) / coarseStep; j < len(cenv) {
			cenv[j] = max(cenv[j], e)
		}
	}
	c.lim = newLimiter(cenv, c.rate/coarseStep)
}

// loudness estimates the clip's loudness in context at gainDB, limited
// under *ceilingDBTP when given.
func (c *coarseClip) loudness(gainDB float64, ceilingDBTP *float64) float64 {
	g := float32(math.Pow(10, gainDB/20))
	gg := float64(g) * float64(g)
	var curve []float32
	if ceilingDBTP != nil {
		curve = c.lim.gain(g, float32(math.Pow(10, *ceilingDBTP/20)))
	}
	for j, e := range c.energy {
		cj := 1.0
		if curve != nil {
			cj = float64(curve[j])
		}
		c.sq[j] = gg * cj * cj * e / coarseStep
	}
	return loudnessOfSquares(c.sq, c.rate/coarseStep, nil)
}

// findGain solves loud(gain) = target. loud rises monotonically with slope
// at most 1 (limiting only flattens it): step by the miss until the target
// is bracketed, using the measured slope once there are two points, then
// regula falsi.
func findGain(loud func(float64) float64, gainDB, target, maxGainDB float64) float64 {
	type point struct{ gain, loud float64 }
	var below, above, last *point
	for range 12 {
		got := loud(gainDB)
		miss := target - got
		if math.Abs(miss) < 0.05 || (miss > 0 && gainDB >= maxGainDB) {
			break
		}
		cur := &point{gainDB, got}
		if miss > 0 {
			below = cur
		} else {
			above = cur
		}
		switch {
		case below != nil && above != nil:
			gainDB = below.gain + (target-below.loud)*(above.gain-below.gain)/(above.loud-below.loud)
		default:
			slope := 1.0
			if last != nil && cur.gain != last.gain {
				slope = min(max((cur.loud-last.loud)/(cur.gain-last.gain), 0.1), 1)
			}
			gainDB = min(gainDB+miss/slope, maxGainDB)
		}
		last = cur
	}
	return gainDB
}

// Limiter timing: the gain reaches its floor 8 ms before a peak and lets go
// over 8 ms after it, smooth enough not to buzz on voiced speech.
const limiterRadius = 8 * time.Millisecond

// limiter is a look-ahead true-peak limiter for one clip, with scratch
// space reused across the gains tried.
type limiter struct {
	env         []float32 // true-peak envelope of the unscaled clip
	radius      int
	need, curve []float32
	scratch     []float32
	cum         []float64
}

func newLimiter(env []float32, rate int) *limiter {
	n := len(env)
	return &limiter{
		env:     env,
		radius:  int(int64(limiterRadius) * int64(rate) / int64(time.Second)),
		need:    make([]float32, n),
		curve:   make([]float32, n),
		scratch: nil, // sized by slidingMax on first use
		cum:     make([]float64, n+1),
	}
}

// gain is the limiter's gain curve for the clip scaled by g. It is the
// moving minimum of the per-sample requirement, then a moving average of
// the same radius: every averaged value is a mean of minima that each
// include the sample itself, so the gain never exceeds what any sample
// needs. The result is valid until the next call.
func (l *limiter) gain(g, ceiling float32) []float32 {
	active := false
	for i, e := range l.env {
		l.curve[i] = 1
		if e*g > ceiling {
			l.curve[i] = ceiling / (e * g)
			active = true
		}
	}
	if !active {
		return l.curve
	}
	// Minimum as a maximum of negated values.
	for i, v := range l.curve {
		l.curve[i] = -v
	}
	if w := 3 * (len(l.curve) + 2*l.radius + 1); len(l.scratch) < w {
		l.scratch = make([]float32, w)
	}
	slidingMax(l.curve, l.radius, l.radius, l.need, l.scratch)
	for i, v := range l.need {
		l.need[i] = -v
	}
	movingAverage(l.need, l.radius, l.curve, l.cum)
	return l.curve
}

// slidingMax writes the maximum of x over [i-before, i+after] to out[i]
// (van Herk/Gil-Werman: block-wise prefix and suffix maxima, three
// comparisons per sample whatever the window). scratch is 3·(len(x)+w)
// float32s or nil.
func slidingMax(x []float32, before, after int, out, scratch []float32) {
	n, w := len(x), before+after+1
	if n == 0 {
		return
	}
	m := n + w
	if len(scratch) < 3*m {
		scratch = make([]float32, 3*m)
	}
	// x shifted by before, padded with -Inf so windows hanging over the
	// ends ignore the outside.
	padded, pre, suf := scratch[:m], scratch[m:2*m], scratch[2*m:3*m]
	inf := float32(math.Inf(-1))
	for k := range padded {
		padded[k] = inf
	}
	copy(padded[before:], x)
	for k, v := range padded {
		if k%w != 0 && pre[k-1] > v {
			v = pre[k-1]
		}
		pre[k] = v
	}
	for k := m - 1; k >= 0; k-- {
		v := padded[k]
		if k%w != w-1 && k != m-1 && suf[k+1] > v {
			v = suf[k+1]
		}
		suf[k] = v
	}
	// The window for out[i] is [i, i+w-1] of the padded sequence.
	for i := range out[:n] {
		out[i] = max(suf[i], pre[i+w-1])
	}
}

// movingAverage is the mean over [i-r, i+r], repeating the edge values
// beyond the ends (for a moving minimum they are still minima over windows
// that contain every sample within r of the edge).
// cum is scratch space of len(x)+1 or nil.
func movingAverage(x []float32, r int, out []float32, cum []float64) {
	if len(cum) < len(x)+1 {
		cum = make([]float64, len(x)+1)
	}
	cum[0] = 0
	for i, v := range x {
		cum[i+1] = cum[i] + float64(v)
	}
	width := float64(2*r + 1)
	for i := range x {
		lo, hi := i-r, i+r+1
		var outside float64
		if lo < 0 {
			outside += float64(-lo) * float64(x[0])
			lo = 0
		}
		if hi > len(x) {
			outside += float64(hi-len(x)) * float64(x[len(x)-1])
			hi = len(x)
		}
		out[i] = float32((cum[hi] - cum[lo] + outside) / width)
	}
}
