package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
)

// TestRevocationEndsEventStreams: the event streams a token opened end
// once an admin revokes it.
func TestRevocationEndsEventStreams(t *testing.T) {
	h := apitest.New(t, apitest.Options{AdminToken: "admin-secret", NoWorkers: true})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "ev", "text": "Giá xăng tăng mạnh."}, nil)
	admin := func(method, path string, body any, out any) int {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, h.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer admin-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	var created struct{ Token, ID string }
	if code := admin("POST", "/api/v1/tokens", map[string]string{"name": "cms"}, &created); code != 201 {
		t.Fatalf("create token: %d", code)
	}
	ended := map[string]chan time.Time{}
	for _, path := range []string{"/api/v1/events?access_token=" + created.Token, "/api/v1/articles/ev/events?access_token=" + created.Token} {
		resp, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		done := make(chan time.Time, 1)
		ended[path] = done
		go func() {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			done <- time.Now()
		}()
	}
	time.Sleep(300 * time.Millisecond)
	revoked := time.Now()
	if code := admin("DELETE", "/api/v1/tokens/"+created.ID, nil, nil); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	for path, done := range ended {
		select {
		case at := <-done:
			t.Logf("%s ended %v after revocation", path, at.Sub(revoked))
		case <-time.After(5 * time.Second):
			t.Errorf("%s still open 5 s after its token was revoked", path)
		}
	}
}
