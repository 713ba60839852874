package main

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// openStream starts a GET that stays open (an event stream or progressive
// audio) and returns once the answer's headers arrived.
func openStream(t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	go func() {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}()
}

// TestSIGTERMEndsEventStreams: open editor event streams do not hold up
// shutdown: with nothing else in flight, SIGTERM exits 0 within a second.
func TestSIGTERMEndsEventStreams(t *testing.T) {
	n := startNode(t, "LOA_DATA_DIR="+t.TempDir(), "LOA_SHUTDOWN_TIMEOUT=30s")
	n.api("POST", "/api/v1/articles", map[string]string{"id": "sse", "text": "Giá xăng tăng mạnh."}, nil)
	n.waitReady("sse", time.Minute)
	openStream(t, "http://"+n.addr+"/api/v1/events")
	openStream(t, "http://"+n.addr+"/api/v1/articles/sse/events")
	time.Sleep(200 * time.Millisecond)
	took, err := n.signal(syscall.SIGTERM)
	if err != nil {
		t.Fatalf("exit after SIGTERM with open event streams: %v\n%s", err, n.out)
	}
	if took > time.Second {
		t.Fatalf("SIGTERM with open event streams took %v, want under a second", took)
	}
	t.Logf("SIGTERM → exit in %v", took)
}

// TestSIGTERMEndsProgressiveAudio: a listener on the progressive stream of
// an article being made does not hold up shutdown either.
func TestSIGTERMEndsProgressiveAudio(t *testing.T) {
	cfg, logPath := countingVoice(t, 2*time.Second)
	n := startNode(t, "LOA_DATA_DIR="+t.TempDir(), "LOA_TTS_CONFIG_JSON="+cfg, "LOA_SHUTDOWN_TIMEOUT=30s")
	n.api("POST", "/api/v1/articles", map[string]string{"id": "prog", "text": longArticle("prog", 20)}, nil)
	waitCalls(t, logPath, 1, time.Minute)
	openStream(t, "http://"+n.addr+"/audio/prog.mp3?progressive=1")
	took, err := n.signal(syscall.SIGTERM)
	if err != nil {
		t.Fatalf("exit after SIGTERM with a progressive listener: %v\n%s", err, n.out)
	}
	if took > 10*time.Second {
		t.Fatalf("SIGTERM with a progressive listener took %v", took)
	}
	t.Logf("SIGTERM → exit in %v", took)
}
