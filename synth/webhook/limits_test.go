package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
)

// TestDeliveryLogIsBounded: the delivery log keeps the newest records up
// to its count limit and drops records past its age limit.
func TestDeliveryLogIsBounded(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer recv.Close()
	store, err := storage.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := New(Config{Store: store, Global: Endpoint{URL: recv.URL}, MaxDeliveries: 3, DeliveryMaxAge: time.Hour, Now: func() time.Time { return now }})
	old := deliveriesPrefix + now.Add(-2*time.Hour).Format(deliveryTimeLayout) + "-00000000.json"
	if _, err := storage.PutBytes(ctx, store, old, []byte(`{}`), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	d.Notify(ctx, synth.Event{Type: "audio.ready", ArticleID: "a0"})
	d.Wait()
	if ok, _ := storage.Exists(ctx, store, old); ok {
		t.Error("a record older than the age limit was kept")
	}
	for i := 1; i <= 5; i++ {
		now = now.Add(time.Second)
		d.Notify(ctx, synth.Event{Type: "audio.ready", ArticleID: "a" + string(rune('0'+i))})
		d.Wait()
	}
	dels, err := d.Deliveries(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, del := range dels {
		got = append(got, del.Event.ArticleID)
	}
	if strings.Join(got, ",") != "a5,a4,a3" {
		t.Fatalf("delivery log holds %v, want the newest three", got)
	}
}
