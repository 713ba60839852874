package vendorhttp

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
)

func TestFailureByStatus(t *testing.T) {
	c := Client{Secrets: []string{"sk-abcdef"}}
	for status, want := range map[int]error{
		400: tts.ErrInvalid, 401: tts.ErrAuth, 403: tts.ErrAuth, 404: tts.ErrInvalid, 408: tts.ErrUnavailable,
		413: tts.ErrTextTooLong, 415: tts.ErrInvalid, 422: tts.ErrInvalid, 429: tts.ErrRateLimited,
		500: tts.ErrUnavailable, 502: tts.ErrUnavailable, 503: tts.ErrUnavailable, 302: tts.ErrBadAudio,
	} {
		h := http.Header{}
		h.Set("Retry-After", "3")
		e := c.Failure(Response{Status: status, Header: h}, "CODE", "key sk-abcdef rejected")
		if !errors.Is(e, want) {
			t.Errorf("%d: %v, want %v", status, e, want)
		}
		if e.RetryAfter != 3*time.Second || e.Message != "key [redacted] rejected" {
			t.Errorf("%d: %+v", status, e)
		}
	}
}

func TestTruncateAndCheckText(t *testing.T) {
	if got := Truncate("Việt Nam", 3); got != "Vi…" {
		t.Errorf("Truncate = %q", got) // never cuts inside ệ
	}
	if got := Truncate("abc", 10); got != "abc" {
		t.Errorf("Truncate = %q", got)
	}
	for _, bad := range []string{"", " \t\n", "\xff\xfe"} {
		if err := CheckText(bad); !errors.Is(err, tts.ErrInvalid) {
			t.Errorf("CheckText(%q) = %v", bad, err)
		}
	}
	if err := CheckText("Xin chào"); err != nil {
		t.Error(err)
	}
}

func TestSettings(t *testing.T) {
	s := NewSettings(map[string]string{"n": "4", "d": "1.5", "d2": "90s", "bad": "x"})
	if s.Int("n", 0) != 4 || s.Int("missing", 7) != 7 || s.Duration("d", 0) != 1500*time.Millisecond ||
		s.Duration("d2", 0) != 90*time.Second || s.String("missing", "def") != "def" || s.Err() != nil {
		t.Fatal("settings misread")
	}
	s.Int("bad", 0)
	if s.Err() == nil {
		t.Fatal("bad integer accepted")
	}
}
