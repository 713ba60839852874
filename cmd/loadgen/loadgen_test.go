package main

import (
	"context"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
)

// TestRangeLoadHasNoErrors: 200 concurrent clients seeking in published
// audio for a few seconds get only correct 206 answers. (make bench runs
// the 30-second version next to nginx.)
func TestRangeLoadHasNoErrors(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "load", "html": apitest.SampleHTML(t)}, nil)
	st := h.WaitStatus("load", article.StatusReady, 2*time.Minute)
	for _, u := range []string{st.AudioURL, st.VersionAudioURL} {
		res, err := Run(context.Background(), Config{URL: u, Clients: 200, Duration: 3 * time.Second, MaxRequests: 200000})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests < 200 {
			t.Fatalf("%s: %d requests, %d errors (first: %s)", u, res.Requests, res.Errors, res.FirstError)
		}
		t.Logf("%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms", u, res.RPS, res.P50ms, res.P99ms)
	}
	if _, err := Run(context.Background(), Config{URL: "http://10.1.2.3/x.mp3", Clients: 1, Duration: time.Second}); err == nil {
		t.Fatal("a non-loopback target was accepted")
	}
}
