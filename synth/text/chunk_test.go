package text

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChunkNaturalPoints(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  Limit
		want []string
	}{
		{"fits", "Giá xăng tăng mạnh.", Limit{MaxRunes: 100}, []string{"Giá xăng tăng mạnh."}},
		{"no limit", "Giá xăng tăng mạnh.", Limit{}, []string{"Giá xăng tăng mạnh."}},
		{
			"sentence ends first", "Giá xăng tăng mạnh. Người dân lo lắng, nhiều nơi xếp hàng.", Limit{MaxRunes: 45},
			[]string{"Giá xăng tăng mạnh.", "Người dân lo lắng, nhiều nơi xếp hàng."},
		},
		{
			"commas", "Sáng nay, tại Hà Nội, giá xăng tăng mạnh, người dân lo lắng", Limit{MaxRunes: 30},
			[]string{"Sáng nay, tại Hà Nội,", "giá xăng tăng mạnh,", "người dân lo lắng"},
		},
		{
			"connectives", "Giá xăng tăng mạnh trong tuần qua nhưng người dân vẫn đi lại bình thường", Limit{MaxRunes: 40},
			[]string{"Giá xăng tăng mạnh trong tuần qua", "nhưng người dân vẫn đi lại bình thường"},
		},
		{
			"bytes, not runes", "Điều đáng chú ý là giá tăng", Limit{MaxBytes: 20},
			[]string{"Điều đáng chú", "ý là giá tăng"},
		},
		{"hard split", "Supercalifragilistic", Limit{MaxRunes: 8}, []string{"Supercal", "ifragili", "stic"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Chunk(tc.in, tc.lim)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Chunk = %q, want %q", got, tc.want)
			}
		})
	}
}

// Every chunk fits and no word is lost, whatever the text and the limit.
func TestChunkProperties(t *testing.T) {
	words := []string{"một", "hai,", "ba.", "và", "nhưng", "Nghiêng", "đường;", "x", "—", "dàiiiiiiiiiiiiiiiiiiiiii", "ữ", "tuy", "nhiên"}
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 500; iter++ {
		var ws []string
		for range rng.IntN(80) {
			ws = append(ws, words[rng.IntN(len(words))])
		}
		in := strings.Join(ws, " ")
		lim := Limit{MaxRunes: rng.IntN(40), MaxBytes: rng.IntN(60)}
		chunks := Chunk(in, lim)
		n := lim.norm()
		for _, c := range chunks {
			if c == "" || n.MaxRunes > 0 && utf8.RuneCountInString(c) > n.MaxRunes || n.MaxBytes > 0 && len(c) > n.MaxBytes {
				t.Fatalf("chunk %q breaks %+v (input %q)", c, lim, in)
			}
		}
		joined := strings.Join(chunks, " ")
		if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(in, " ", "") {
			t.Fatalf("text lost: %q -> %q", in, chunks)
		}
		// A word is only cut when it alone is longer than the limit.
		allFit := true
		for _, w := range ws {
			allFit = allFit && n.fits(w)
		}
		if allFit && !slices.Equal(strings.Fields(joined), strings.Fields(in)) {
			t.Fatalf("words cut although each fits %+v: %q -> %q", lim, in, chunks)
		}
	}
}
