package main

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

func TestMPEGStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"MPEG-2 Layer III 48 kbps 24 kHz", []byte{0xFF, 0xF3, 0x64, 0xC4}, true},
		{"MPEG-1 Layer III 128 kbps 44.1 kHz", []byte{0xFF, 0xFB, 0x90, 0x64}, true},
		{"ID3 tag", []byte("ID3\x04\x00\x00"), true},
		{"JSON error", []byte(`{"error":"not found"}`), false},
		{"reserved version", []byte{0xFF, 0xEB, 0x90, 0x64}, false},
		{"Layer II", []byte{0xFF, 0xFD, 0x90, 0x64}, false},
		{"free bit rate", []byte{0xFF, 0xFB, 0x04, 0x64}, false},
		{"bad bit rate", []byte{0xFF, 0xFB, 0xF0, 0x64}, false},
		{"reserved sample rate", []byte{0xFF, 0xFB, 0x9C, 0x64}, false},
		{"too short", []byte{0xFF, 0xFB}, false},
	} {
		if got := mpegStart(tc.b); got != tc.want {
			t.Errorf("%s: mpegStart = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// espeakHeader is the header espeak-ng --stdout writes: real format,
// placeholder sizes.
func espeakHeader(channels, rate, bits int, data string) []byte {
	h := make([]byte, 44)
	copy(h, "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 0x7ffff024)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	copy(h[36:], data)
	binary.LittleEndian.PutUint32(h[40:], 0x7ffff000)
	return h
}

func TestParseWAVHeader(t *testing.T) {
	h, err := parseWAVHeader(espeakHeader(1, 22050, 16, "data"))
	if err != nil {
		t.Fatal(err)
	}
	if h.rate != 22050 {
		t.Fatalf("rate %d", h.rate)
	}
	if d := h.duration(22050 * 2 * 3); d != 3*time.Second {
		t.Fatalf("3 s of 16-bit mono read as %v", d)
	}
	for name, b := range map[string][]byte{
		"stereo":           espeakHeader(2, 22050, 16, "data"),
		"8-bit":            espeakHeader(1, 22050, 8, "data"),
		"LIST before data": espeakHeader(1, 22050, 16, "LIST"),
		"truncated":        espeakHeader(1, 22050, 16, "data")[:30],
		"not WAV":          bytes.Repeat([]byte("x"), 44),
	} {
		if _, err := parseWAVHeader(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAddrWatcher(t *testing.T) {
	var log bytes.Buffer
	w := &addrWatcher{out: &log, found: make(chan string, 1)}
	lines := `{"time":"t","level":"INFO","msg":"opening store"}` + "\n" +
		`{"time":"t","level":"INFO","msg":"loa serving","addr":"http://127.0.0.1:40123","node":"n"}` + "\n" +
		`{"time":"t","level":"INFO","msg":"loa serving","addr":"http://127.0.0.1:1"}` + "\n"
	// Written in pieces that split lines, as a pipe delivers them.
	for _, piece := range []string{lines[:30], lines[30:90], lines[90:]} {
		if _, err := w.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case got := <-w.found:
		if got != "http://127.0.0.1:40123" {
			t.Fatalf("address %q", got)
		}
	default:
		t.Fatal("no address found")
	}
	if log.String() != lines {
		t.Fatal("the log was not passed through unchanged")
	}
}
