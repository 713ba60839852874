package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
)

func jsonError(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: %d answer is not a JSON error: %s %q", what, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// TestRangeDetails: impossible and abusive ranges are refused with a JSON
// 416 naming the file's size; ordinary ones keep working.
func TestRangeDetails(t *testing.T) {
	h := apitest.New(t, apitest.Options{})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "rng", "text": "Giá xăng tăng mạnh. Người dân lo lắng."}, nil)
	st := h.WaitStatus("rng", article.StatusReady, time.Minute)
	many := make([]string, 20000)
	for i := range many {
		many[i] = fmt.Sprintf("%d-%d", i, i)
	}
	for name, rng := range map[string]string{
		"empty suffix":   "bytes=-0",
		"past the end":   fmt.Sprintf("bytes=%d-", st.Bytes+10),
		"20,000 ranges":  "bytes=" + strings.Join(many, ","),
		"start past end": "bytes=10-5",
	} {
		for _, url := range []string{st.AudioURL, st.VersionAudioURL} {
			resp, body := get(t, url, "Range", rng)
			if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("%s on %s: %d (%d bytes), want 416", name, url, resp.StatusCode, len(body))
				continue
			}
			if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes */%d", st.Bytes) {
				t.Errorf("%s: Content-Range %q", name, cr)
			}
			jsonError(t, name, resp, body)
		}
	}
	for rng, want := range map[string]int{"bytes=0-0": 1, "bytes=-1": 1, "bytes=0-1,4-5": 0} {
		resp, body := get(t, st.AudioURL, "Range", rng)
		if resp.StatusCode != http.StatusPartialContent || want > 0 && len(body) != want {
			t.Errorf("%s: %d, %d bytes", rng, resp.StatusCode, len(body))
		}
	}
	// A failed precondition is an error from Loa too, so it is JSON.
	resp, body := get(t, st.AudioURL, "If-Match", `"nope"`)
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("If-Match mismatch: %d", resp.StatusCode)
	}
	jsonError(t, "If-Match mismatch", resp, body)
}

// TestEveryResponseSaysNosniff: no response leaves the content type to the
// browser's guess.
func TestEveryResponseSaysNosniff(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "ns", "text": "Giá xăng tăng mạnh."}, nil)
	for _, path := range []string{"/healthz", "/api/v1/articles", "/api/v1/articles/ns", "/audio/ns.mp3", "/audio/x/0a.mp3",
		"/feeds/all.xml", "/articles/ns", "/articles/ns.json", "/embed/ns", "/admin", "/nope", "/api/v1/openapi.json", "/metrics"} {
		resp, _ := get(t, h.URL+path)
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d) lacks X-Content-Type-Options: nosniff", path, resp.StatusCode)
		}
	}
}

// TestVaryOriginWithConfiguredOrigins: when the CORS answer depends on the
// Origin, caches are told so even when the answer is "not allowed".
func TestVaryOriginWithConfiguredOrigins(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true, CORSOrigins: []string{"https://ngaynay.vn"}})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "cors", "text": "Giá xăng tăng mạnh."}, nil)
	for _, origin := range []string{"", "https://ngaynay.vn", "https://evil.example"} {
		for _, path := range []string{"/audio/cors.mp3", "/articles/cors.json", "/feeds/all.xml"} {
			resp, _ := get(t, h.URL+path, "Origin", origin)
			if !strings.Contains(resp.Header.Get("Vary"), "Origin") {
				t.Errorf("%s with Origin %q: Vary %q", path, origin, resp.Header.Get("Vary"))
			}
			allowed := resp.Header.Get("Access-Control-Allow-Origin")
			if origin == "https://ngaynay.vn" && allowed != origin || origin != "https://ngaynay.vn" && allowed != "" {
				t.Errorf("%s with Origin %q: Access-Control-Allow-Origin %q", path, origin, allowed)
			}
		}
	}
}

// TestMalformedChunkedBody: a request body whose chunked framing is broken
// is a 400 with a JSON error, on the API and on the public event endpoint.
func TestMalformedChunkedBody(t *testing.T) {
	h := apitest.New(t, apitest.Options{NoWorkers: true})
	addr := strings.TrimPrefix(h.URL, "http://")
	for _, target := range []struct{ path, ctype string }{{"/api/v1/articles", "application/json"}, {"/events", "text/plain"}, {"/api/v1/preview", "application/json"}} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{\"text\":1}\r\n0\r\n\r\n", target.path, addr, apitest.Token, target.ctype)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", target.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: malformed chunked body answered %d %s", target.path, resp.StatusCode, body)
			continue
		}
		jsonError(t, target.path, resp, body)
	}
}
