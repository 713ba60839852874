package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
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
	old := sqldb.WebhookEndpointRow{ID: "whold", URL: target, Secret: "k", CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := h.DB.Conn().InsertWebhookEndpoint(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "cred", "text": "Giá xăng tăng mạnh."}, nil)
	h.WaitStatus("cred", article.StatusReady, time.Minute)
	waitFor(t, func() bool {
		dels, _ := h.DB.Conn().WebhookDeliveries(context.Background(), 10)
		return len(dels) > 0 && len(dels[0].Attempts) > 0
	})
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
	dels, err := h.DB.Conn().WebhookDeliveries(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dels {
		if strings.Contains(d.URL+string(d.Event)+fmt.Sprint(d.Attempts), "s3cr3t-pw") {
			t.Errorf("delivery record %s stores the password: %+v", d.ID, d)
		}
	}
}
