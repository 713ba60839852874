package api

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRanges(t *testing.T) {
	for _, tc := range []struct {
		header string
		size   int64
		want   []byteRange
		bad    bool
	}{
		{"bytes=0-99", 1000, []byteRange{{0, 100}}, false},
		{"bytes=900-", 1000, []byteRange{{900, 100}}, false},
		{"bytes=-100", 1000, []byteRange{{900, 100}}, false},
		{"bytes=-5000", 1000, []byteRange{{0, 1000}}, false},
		{"bytes=990-2000", 1000, []byteRange{{990, 10}}, false},
		{"bytes= 0-0 , 2-3", 1000, []byteRange{{0, 1}, {2, 2}}, false},
		{"bytes=0-0,5000-", 1000, []byteRange{{0, 1}}, false},
		{"items=0-5", 1000, nil, false},
		{"bytes=-0", 1000, nil, true},
		{"bytes=1000-", 1000, nil, true},
		{"bytes=5-1", 1000, nil, true},
		{"bytes=a-b", 1000, nil, true},
		{"bytes=--1", 1000, nil, true},
		{"bytes=+1-2", 1000, nil, true},
		{"bytes=0-1", 0, nil, true},
		{"bytes", 1000, nil, true},
		{"bytes=" + strings.Repeat("0-0,", 16) + "0-0", 1000, nil, true},
	} {
		got, err := parseRanges(tc.header, tc.size)
		if tc.bad != (err != nil) || (err != nil && !errors.Is(err, errRangeNotSatisfiable)) {
			t.Errorf("%q size %d: err %v, want bad=%v", tc.header, tc.size, err, tc.bad)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %v, want %v", tc.header, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: %v, want %v", tc.header, got, tc.want)
			}
		}
	}
}

// FuzzParseRanges: whatever the header, the ranges served lie inside the
// object, are never empty and never more than maxRanges.
func FuzzParseRanges(f *testing.F) {
	for _, seed := range []string{"bytes=0-99", "bytes=-0", "bytes=-1", "bytes=5-", "bytes=0-0,1-1,2-2", "bytes=9223372036854775807-", "bytes=-9223372036854775808", "bytes= 1 - 2 ", "Bytes=0-", "bytes=,,,", "x"} {
		f.Add(seed, int64(229_000))
	}
	f.Add("bytes=0-0", int64(0))
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		rs, err := parseRanges(header, size)
		if err != nil {
			if !errors.Is(err, errRangeNotSatisfiable) || rs != nil {
				t.Fatalf("error %v with ranges %v", err, rs)
			}
			return
		}
		if len(rs) > maxRanges {
			t.Fatalf("%d ranges served", len(rs))
		}
		for _, r := range rs {
			if r.Start < 0 || r.Length < 1 || r.Start > size-r.Length {
				t.Fatalf("range %+v outside an object of %d bytes (header %q)", r, size, header)
			}
		}
	})
}
