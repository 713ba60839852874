package extracteval

import (
	"math"
	"testing"
)

func TestCompare(t *testing.T) {
	a := "The quick brown fox jumps over the lazy dog."
	for _, tc := range []struct {
		got, want string
		f1        float64
	}{
		{a, a, 1},
		{"the QUICK brown, fox jumps — over the lazy dog", a, 1},
		{"", a, 0},
		{"", "", 1},
		{"Completely different words appear in this one sentence.", a, 0},
		{"The quick brown fox jumps", a, 2 * (2.0 / 2) * (2.0 / 6) / (1 + 2.0/6)},
	} {
		if got := Compare(tc.got, tc.want).F1; math.Abs(got-tc.f1) > 1e-9 {
			t.Errorf("Compare(%q, %q) F1 = %v, want %v", tc.got, tc.want, got, tc.f1)
		}
	}
	// A repeated passage counts as extra text, not as a second match.
	if s := Compare(a+" "+a, a); s.Recall != 1 || s.Precision >= 0.6 {
		t.Errorf("doubled text: %+v", s)
	}
}

func TestHTMLText(t *testing.T) {
	got, err := HTMLText([]byte(`<div><p>One <b>bold</b> line.</p><script>x()</script><ul><li>Two</li></ul></div>`))
	if err != nil || got != "One bold line.\nTwo\n" {
		t.Errorf("HTMLText = %q, %v", got, err)
	}
}
