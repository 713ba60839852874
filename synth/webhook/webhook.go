// Package webhook tells publishers' systems when audio is ready, failed or
// deleted: signed JSON POSTs, retried with back-off, every attempt logged in
// the store so editors can see what was delivered.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
)

// Events a webhook can subscribe to.
var Events = []string{"audio.ready", "audio.failed", "audio.deleted"}

// Endpoint is one receiver. Secret signs deliveries; it is shown once, when
// the endpoint is created, and never listed again.
type Endpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"`
	Feed      string    `json:"feed,omitempty"`   // "" = every feed
	Events    []string  `json:"events,omitempty"` // empty = every event
	CreatedAt time.Time `json:"created_at"`
}

func (e Endpoint) wants(ev synth.Event) bool {
	return (e.Feed == "" || e.Feed == ev.Feed) && (len(e.Events) == 0 || slices.Contains(e.Events, ev.Type))
}

// Attempt is one try of a delivery.
type Attempt struct {
	At       time.Time `json:"at"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration float64   `json:"duration_ms"`
}

// Delivery is the log record of one event sent to one endpoint.
type Delivery struct {
	ID        string      `json:"id"`
	Endpoint  string      `json:"endpoint"`
	URL       string      `json:"url"`
	Event     synth.Event `json:"event"`
	Delivered bool        `json:"delivered"`
	Attempts  []Attempt   `json:"attempts"`
}

// Config configures the dispatcher. Zero values mean the defaults.
type Config struct {
	Store storage.Store
	// Global is an endpoint from the server configuration, receiving every
	// event; its URL empty means none.
	Global      Endpoint
	Client      *http.Client  // default: 10 s timeout
	MaxAttempts int           // default 6
	FirstDelay  time.Duration // default 1 s, doubling
	// CheckURL judges a target when an endpoint is created and before
	// every delivery (synth.Fetcher.CheckURL: no credentials, no inside
	// addresses); default: an absolute http(s) URL without credentials.
	CheckURL func(ctx context.Context, raw string) (*url.URL, error)
	// The delivery log keeps at most MaxDeliveries records (default 1000),
	// none older than DeliveryMaxAge (default 30 days).
	MaxDeliveries  int
	DeliveryMaxAge time.Duration
	Logger         *slog.Logger
	Now            func() time.Time
}

// Dispatcher implements synth.Notifier.
type Dispatcher struct {
	cfg Config
	wg  sync.WaitGroup
}

const endpointsKey = "webhooks/endpoints.json"
const deliveriesPrefix = "webhooks/deliveries/"

// New builds a dispatcher.
func New(cfg Config) *Dispatcher {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.FirstDelay <= 0 {
		cfg.FirstDelay = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CheckURL == nil {
		cfg.CheckURL = checkURLText
	}
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = 1000
	}
	if cfg.DeliveryMaxAge <= 0 {
		cfg.DeliveryMaxAge = 30 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{cfg: cfg}
}

type endpointsDoc struct {
	Endpoints []Endpoint `json:"endpoints"`
}

func (d *Dispatcher) endpoints(ctx context.Context) ([]Endpoint, error) {
	var doc endpointsDoc
	if _, err := storage.GetJSON(ctx, d.cfg.Store, endpointsKey, &doc); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("read webhook endpoints: %w", err)
	}
	return doc.Endpoints, nil
}

// List returns the stored endpoints without their secrets.
func (d *Dispatcher) List(ctx context.Context) ([]Endpoint, error) {
	eps, err := d.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(eps)+1)
	if d.cfg.Global.URL != "" {
		out = append(out, Endpoint{ID: "global", URL: redactURL(d.cfg.Global.URL)})
	}
	for _, e := range eps {
		e.Secret, e.URL = "", redactURL(e.URL)
		out = append(out, e)
	}
	return out, nil
}

// Add validates and stores an endpoint, generating its secret if none given.
func (d *Dispatcher) Add(ctx context.Context, e Endpoint) (Endpoint, error) {
	if _, err := d.cfg.CheckURL(ctx, e.URL); err != nil {
		return Endpoint{}, fmt.Errorf("webhook %w", err)
	}
	for _, ev := range e.Events {
		if !slices.Contains(Events, ev) {
			return Endpoint{}, fmt.Errorf("%w: unknown webhook event %q (one of %s)", synth.ErrInvalidInput, ev, strings.Join(Events, ", "))
		}
	}
	if e.Secret == "" {
		e.Secret = randomHex(24)
	}
	e.ID = "wh" + randomHex(6)
	e.CreatedAt = time.Now().UTC()
	_, err := storage.Update(ctx, d.cfg.Store, endpointsKey, func(cur []byte, exists bool) ([]byte, error) {
		var doc endpointsDoc
		if exists {
			if err := json.Unmarshal(cur, &doc); err != nil {
				return nil, err
			}
		}
		doc.Endpoints = append(doc.Endpoints, e)
		return json.Marshal(doc)
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("store webhook endpoint: %w", err)
	}
	return e, nil
}

// Delete removes an endpoint.
func (d *Dispatcher) Delete(ctx context.Context, id string) error {
	found := false
	_, err := storage.Update(ctx, d.cfg.Store, endpointsKey, func(cur []byte, exists bool) ([]byte, error) {
		var doc endpointsDoc
		if exists {
			if err := json.Unmarshal(cur, &doc); err != nil {
				return nil, err
			}
		}
		n := len(doc.Endpoints)
		doc.Endpoints = slices.DeleteFunc(doc.Endpoints, func(e Endpoint) bool { return e.ID == id })
		found = len(doc.Endpoints) < n
		return json.Marshal(doc)
	})
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	if !found {
		return fmt.Errorf("%w: webhook %q", synth.ErrNotFound, id)
	}
	return nil
}

// Deliveries returns the newest delivery records first.
func (d *Dispatcher) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	infos, err := storage.ListAll(ctx, d.cfg.Store, deliveriesPrefix)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key > infos[j].Key })
	out := []Delivery{}
	for _, info := range infos {
		if len(out) == limit {
			break
		}
		var del Delivery
		if _, err := storage.GetJSON(ctx, d.cfg.Store, info.Key, &del); err == nil {
			out = append(out, del)
		}
	}
	return out, nil
}

// Notify sends ev to every interested endpoint in the background.
func (d *Dispatcher) Notify(ctx context.Context, ev synth.Event) {
	eps, err := d.endpoints(ctx)
	if err != nil {
		d.cfg.Logger.WarnContext(ctx, "webhooks not sent", "event", ev.Type, "article", ev.ArticleID, "err", err)
		return
	}
	if d.cfg.Global.URL != "" {
		g := d.cfg.Global
		g.ID = "global"
		eps = append([]Endpoint{g}, eps...)
	}
	for _, e := range eps {
		if !e.wants(ev) {
			continue
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.deliver(context.WithoutCancel(ctx), e, ev)
		}()
	}
}

// Wait blocks until deliveries in flight are done (tests, shutdown).
func (d *Dispatcher) Wait() { d.wg.Wait() }

// Sign computes the signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>". Receivers
// recompute it and reject old timestamps to stop replays.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

func (d *Dispatcher) deliver(ctx context.Context, e Endpoint, ev synth.Event) {
	body, _ := json.Marshal(ev)
	del := Delivery{
		ID:       d.cfg.Now().UTC().Format(deliveryTimeLayout) + "-" + randomHex(4),
		Endpoint: e.ID, URL: redactURL(e.URL), Event: ev,
	}
	key := deliveriesPrefix + del.ID + ".json"
	defer d.pruneDeliveries(ctx)
	delay := d.cfg.FirstDelay
	for attempt := 1; attempt <= d.cfg.MaxAttempts; attempt++ {
		start := time.Now()
		status, err := 0, error(nil)
		if _, cerr := d.cfg.CheckURL(ctx, e.URL); cerr != nil {
			// The target became unacceptable (or was stored before the
			// check existed): nothing is sent, the record says why.
			status, err = http.StatusForbidden, cerr
		} else {
			status, err = d.post(ctx, e, del.ID, body)
		}
		a := Attempt{At: start.UTC(), Status: status, Duration: float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			a.Error = err.Error()
		}
		del.Attempts = append(del.Attempts, a)
		del.Delivered = err == nil
		if _, perr := storage.PutJSON(ctx, d.cfg.Store, key, del, storage.PutOptions{ContentType: "application/json"}); perr != nil {
			d.cfg.Logger.WarnContext(ctx, "webhook delivery not logged", "err", perr)
		}
		if err == nil {
			return
		}
		d.cfg.Logger.WarnContext(ctx, "webhook delivery failed", "endpoint", e.ID, "event", ev.Type, "attempt", attempt, "err", err)
		if status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout {
			return // the receiver refuses this event; retrying will not help
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (d *Dispatcher) post(ctx context.Context, e Endpoint, deliveryID string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Loa-Webhook/1")
	req.Header.Set("X-Loa-Delivery", deliveryID)
	var ev synth.Event
	_ = json.Unmarshal(body, &ev)
	req.Header.Set("X-Loa-Event", ev.Type)
	if e.Secret != "" {
		req.Header.Set("X-Loa-Signature", Sign(e.Secret, time.Now(), body))
	}
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		return 0, errors.New(synth.DescribeNetError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
