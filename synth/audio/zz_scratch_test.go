package audio

import (
	"os"
	"testing"
	"time"
)

func BenchmarkScratchPrepare(b *testing.B) {
	wav, _ := os.ReadFile("/tmp/exp/body.wav")
	p, _ := Decode(FormatWAV, wav, 0, 0)
	p.Samples = p.Samples[:22050*8]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Prepare(p, PrepareOptions{})
	}
	b.ReportMetric(8*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}

func TestScratchParts(t *testing.T) {
	wav, _ := os.ReadFile("/tmp/exp/body.wav")
	p, _ := Decode(FormatWAV, wav, 0, 0)
	p.Samples = p.Samples[:22050*8]
	o := PrepareOptions{}.withDefaults()
	for range 3 {
		t0 := time.Now()
		r := Resample(p, 24000)
		t1 := time.Now()
		tr := trim(r, o)
		t2 := time.Now()
		normalize(tr, o)
		t3 := time.Now()
		TruePeak(tr)
		t4 := time.Now()
		truePeakEnvelope(tr.Samples, 24000, 0.05, 96000)
		t5 := time.Now()
		kWeighted(tr.Samples, 24000)
		t6 := time.Now()
		t.Logf("resample %v trim %v normalize %v | truepeak %v env4x %v kw %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), t5.Sub(t4), t6.Sub(t5))
	}
}
