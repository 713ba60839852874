package main

import (
	"strings"
	"testing"
)

// TestWarnsWithoutPublicURL: serving feeds whose links follow each
// request's Host is worth a warning at start-up, and only then.
func TestWarnsWithoutPublicURL(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		warn bool
	}{
		{[]string{"LOA_DATA_DIR=" + t.TempDir()}, true},
		{[]string{"LOA_DATA_DIR=" + t.TempDir(), "LOA_PUBLIC_URL=https://audio.example.vn"}, false},
	} {
		n := startNode(t, tc.env...)
		n.kill() // the output is read once the process is gone
		warned := strings.Contains(n.out.String(), "without LOA_PUBLIC_URL")
		if warned != tc.warn {
			t.Errorf("env %v: warned %v, want %v\n%s", tc.env, warned, tc.warn, n.out)
		}
	}
}
