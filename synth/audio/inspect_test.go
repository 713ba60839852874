package audio

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestInspectReadsWhatAssembleWrote: the start of an assembled file
// describes the whole file exactly, and damage is reported.
func TestInspectReadsWhatAssembleWrote(t *testing.T) {
	parts, _ := testParts(t, Profile{})
	var buf bytes.Buffer
	l, err := Assemble(context.Background(), &buf, parts, AssembleOptions{Tags: Tags{Title: "Tiêu đề", URL: "https://example.vn/a"}})
	if err != nil {
		t.Fatal(err)
	}
	head := buf.Bytes()[:min(buf.Len(), 4096)]
	info, err := Inspect(head)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != l.Frames || info.Duration != l.Duration || info.AudioOffset+info.Bytes != l.Bytes || info.Profile.SampleRate != 24000 {
		t.Fatalf("Inspect %+v, layout %d frames %v %d bytes", info, l.Frames, l.Duration, l.Bytes)
	}
	broken := bytes.Clone(head)
	copy(broken[info.AudioOffset+4+9:], "Nope")
	if _, err := Inspect(broken); !errors.Is(err, ErrBadAudio) {
		t.Fatalf("damaged Info frame: %v", err)
	}
	if _, err := Inspect(head[:20]); !errors.Is(err, ErrInvalid) {
		t.Fatalf("short head: %v", err)
	}
}
