package text

import (
	"strings"
	"testing"
	"time"
)

func TestProfBig(t *testing.T) {
	for _, n := range []int{20000, 40000} {
		big := strings.Repeat("giá xăng tăng 5% trong tháng 4/2025 tại TP.HCM ", n)
		st := time.Now()
		doc, _ := ExtractText(big)
		t1 := time.Since(st)
		ss := Segment(doc)
		t2 := time.Since(st)
		nm := NewNormalizer(NormalizeOptions{})
		var sp Spoken
		for _, s := range ss {
			sp = nm.NormalizeBlock(doc.Blocks[s.Block].Kind, s.Text)
		}
		t3 := time.Since(st)
		Chunk(sp.Text, Limit{MaxBytes: 5000})
		t4 := time.Since(st)
		t.Log(n, t1, t2, t3, t4)
	}
}
