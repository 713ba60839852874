package audio

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// id3Frames splits an ID3v2.3 tag into its top-level frames.
func id3Frames(t *testing.T, tag []byte) map[string][]byte {
	t.Helper()
	if len(tag) < 10 || string(tag[:3]) != "ID3" {
		t.Fatalf("not an ID3 tag: %q", tag[:min(len(tag), 10)])
	}
	size := int(tag[6])<<21 | int(tag[7])<<14 | int(tag[8])<<7 | int(tag[9])
	if size != len(tag)-10 {
		t.Fatalf("tag header says %d bytes, body has %d", size, len(tag)-10)
	}
	out := map[string][]byte{}
	for b := tag[10:]; len(b) >= 10; {
		n := int(binary.BigEndian.Uint32(b[4:8]))
		out[string(b[:4])] = b[10 : 10+n]
		b = b[10+n:]
	}
	return out
}

func decodeID3Text(t *testing.T, p []byte) string {
	t.Helper()
	switch p[0] {
	case 0:
		rs := make([]rune, len(p)-1)
		for i, c := range p[1:] {
			rs[i] = rune(c)
		}
		return string(rs)
	case 1:
		if len(p)%2 != 1 || p[1] != 0xff || p[2] != 0xfe {
			t.Fatalf("UTF-16 text without a little-endian BOM or of odd length")
		}
		u := make([]uint16, 0, len(p)/2)
		for i := 3; i+1 < len(p); i += 2 {
			u = append(u, uint16(p[i])|uint16(p[i+1])<<8)
		}
		for i, c := range u {
			if utf16.IsSurrogate(rune(c)) && (i+1 >= len(u) || !utf16.IsSurrogate(rune(u[i+1]))) && (i == 0 || !utf16.IsSurrogate(rune(u[i-1]))) {
				t.Fatalf("lone surrogate at %d: a character was cut in half", i)
			}
		}
		return string(utf16.Decode(u))
	}
	t.Fatalf("unknown text encoding %d", p[0])
	return ""
}

// TestLongTagsAreCutAtCharacters: titles, comments and links of any length
// give a small tag (so a player finds the audio in the first kilobytes),
// cut between characters, never inside one.
func TestLongTagsAreCutAtCharacters(t *testing.T) {
	title := strings.Repeat("Triều Tiên 🇰🇵 ", 2000)
	comment := "https://ngaynay.vn/" + strings.Repeat("a", 4100)
	tag, err := id3Tag(Tags{Title: title, Comment: comment, URL: comment, Album: strings.Repeat("é", 3000)}, time.Minute)
	if err != nil {
		t.Fatalf("long tags refused: %v", err)
	}
	if len(tag) > 4096 {
		t.Fatalf("tag is %d bytes; long fields must be cut", len(tag))
	}
	f := id3Frames(t, tag)
	for id, full := range map[string]string{"TIT2": title, "TALB": strings.Repeat("é", 3000)} {
		got := decodeID3Text(t, f[id])
		if got == "" || !utf8.ValidString(got) || !strings.HasPrefix(full, got) {
			t.Errorf("%s = %q…, want a non-empty prefix of the field cut between characters", id, got[:min(len(got), 40)])
		}
	}
	if _, ok := f["WXXX"]; ok {
		t.Error("a link too long for the tag was cut instead of left out (a cut link points elsewhere)")
	}
	// Short fields are kept whole.
	tag, err = id3Tag(Tags{Title: "Nga – Triều Tiên", URL: "https://ngaynay.vn/a"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f = id3Frames(t, tag)
	if got := decodeID3Text(t, f["TIT2"]); got != "Nga – Triều Tiên" {
		t.Errorf("short title became %q", got)
	}
	if string(f["WXXX"][2:]) != "https://ngaynay.vn/a" {
		t.Errorf("short URL became %q", f["WXXX"])
	}
}
