package ttstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

// WriteTruncated answers 200 with a Content-Length for all of body but
// sends only the first half before dropping the connection, the way a
// proxy restart or a lost link looks to a client.
func WriteTruncated(w http.ResponseWriter, contentType string, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("ttstest: ResponseWriter cannot hijack")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", contentType, len(body))
	buf.Write(body[:len(body)/2])
	buf.Flush()
}

// Stall holds the response until the client gives up (or 30 s pass), like
// an overloaded vendor.
func Stall(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
}

// MP3 encodes samples with the lame CLI (as a vendor would send them) at
// the given rate, calling testenv.Missing when lame is not installed.
func MP3(t testing.TB, samples []int16, rate int) []byte {
	t.Helper()
	lame := testenv.LookPath(t, "lame")
	in := wav.Encode(samples, rate, 1)
	khz := strconv.FormatFloat(float64(rate)/1000, 'f', -1, 64)
	// --resample keeps lame from picking a lower rate for the bitrate.
	cmd := exec.CommandContext(context.Background(), lame, "--quiet", "-r", "-s", khz, "--resample", khz,
		"--bitwidth", "16", "--signed", "--little-endian", "-m", "m", "-b", "48", "-", "-")
	cmd.Stdin = bytes.NewReader(in[44:])
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lame: %v", err)
	}
	return out
}

// ErrorCase is one vendor failure an adapter must classify.
type ErrorCase struct {
	Name    string
	Respond http.HandlerFunc // the vendor's answer, in its real shape
	Want    error            // sentinel the adapter must return
	// RetryAfter, when set, is the delay the error must carry.
	RetryAfter time.Duration
	// Retryable is what tts.Retryable must say about the error.
	Retryable bool
	// Timeout bounds the call; set it for slow-response cases.
	Timeout time.Duration
}

// RunErrorCases makes the fake give each answer in turn (serve swaps its
// handler) and checks how backend b, pointed at that fake, classifies it.
func RunErrorCases(t *testing.T, serve func(http.HandlerFunc), b tts.Backend, v tts.Voice, text string, cases []ErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			serve(tc.Respond)
			ctx := context.Background()
			if tc.Timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.Timeout)
				defer cancel()
			}
			start := time.Now()
			_, err := b.Synthesize(ctx, text, v)
			if !errors.Is(err, tc.Want) {
				t.Fatalf("err = %v, want %v", err, tc.Want)
			}
			if got := tts.Retryable(err); got != tc.Retryable {
				t.Errorf("Retryable(%v) = %v, want %v", err, got, tc.Retryable)
			}
			if tc.RetryAfter > 0 {
				if ra, ok := tts.RetryAfter(err); !ok || ra != tc.RetryAfter {
					t.Errorf("RetryAfter = %v, %v; want %v", ra, ok, tc.RetryAfter)
				}
			}
			if tc.Timeout > 0 && time.Since(start) > tc.Timeout+2*time.Second {
				t.Errorf("call took %v with a %v deadline", time.Since(start), tc.Timeout)
			}
		})
	}
}
