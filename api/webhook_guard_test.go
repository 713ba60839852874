package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
)

// TestWebhookCredentialsNeverShown: an endpoint stored with credentials in
// its URL (before they were refused at creation) is not called, and
// neither its listing nor its delivery records show the password.
func TestWebhookCredentialsNeverShown(t *testing.T) {
	var calls atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer recv.Close()
	h := apitest.New(t, apitest.Options{})
	target := strings.Replace(recv.URL, "http://", "http://hook:s3cr3t-pw@", 1) + "/hook"
	doc := `{"endpoints":[{"id":"whold","url":"` + target + `","secret":"k","created_at":"2026-01-01T00:00:00Z"}]}`
	if _, err := storage.PutBytes(context.Background(), h.Store, "webhooks/endpoints.json", []byte(doc), storage.PutOptions{ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "cred", "text": "Giá xăng tăng mạnh."}, nil)
	h.WaitStatus("cred", synth.StatusReady, time.Minute)
	waitFor(t, func() bool {
		infos, _ := storage.ListAll(context.Background(), h.Store, "webhooks/deliveries/")
		return len(infos) > 0
	})
	h.Hooks.Wait()
	if n := calls.Load(); n != 0 {
		t.Errorf("a webhook URL with credentials was called %d times", n)
	}
	for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/deliveries"} {
		resp, body := get(t, h.URL+path, "Authorization", "Bearer "+apitest.Token)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(string(body), "s3cr3t-pw") {
			t.Errorf("%s shows the URL's password: %s", path, body)
		}
		if path == "/api/v1/webhooks/deliveries" && !strings.Contains(string(body), "credentials") {
			t.Errorf("the delivery record does not say why nothing was sent: %s", body)
		}
	}
	infos, _ := storage.ListAll(context.Background(), h.Store, "webhooks/deliveries/")
	for _, info := range infos {
		rc, _, err := h.Store.Get(context.Background(), info.Key, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if strings.Contains(string(b), "s3cr3t-pw") {
			t.Errorf("delivery record %s stores the password", info.Key)
		}
	}
}
