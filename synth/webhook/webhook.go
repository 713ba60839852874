// Package webhook tells publishers' systems when audio is ready, failed or
// deleted: signed JSON POSTs made by River jobs that are queued in the
// transaction of the change they report, retried with back-off, every
// attempt logged in the database so editors can see what was delivered.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
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

func (e Endpoint) wants(ev article.Event) bool {
	return (e.Feed == "" || e.Feed == ev.Feed) && (len(e.Events) == 0 || slices.Contains(e.Events, ev.Type))
}

// Attempt is one try of a delivery.
type Attempt struct {
	At       time.Time `json:"at"`
	Status   int       `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
	Duration float64   `json:"duration_ms"`
}

// Delivery is the log record of one event sent to one endpoint. ID is the
// idempotency key every attempt carries.
type Delivery struct {
	ID        string        `json:"id"`
	Endpoint  string        `json:"endpoint"`
	URL       string        `json:"url"`
	Event     article.Event `json:"event"`
	Delivered bool          `json:"delivered"`
	Attempts  []Attempt     `json:"attempts"`
}

// Config configures the dispatcher. Zero values mean the defaults.
type Config struct {
	DB *sqldb.DB
	// Global is an endpoint from the server configuration, receiving every
	// event; its URL empty means none.
	Global      Endpoint
	Client      *http.Client  // default: 10 s timeout
	MaxAttempts int           // default 6
	FirstDelay  time.Duration // default 1 s, doubling
	Workers     int           // deliveries in flight per node; default 10
	// CheckURL judges a target when an endpoint is created and before
	// every delivery attempt (synth.Fetcher.CheckURL: no credentials, no
	// inside addresses); default: an absolute http(s) URL without
	// credentials.
	CheckURL func(ctx context.Context, raw string) (*url.URL, error)
	// The delivery log keeps at most MaxDeliveries records per endpoint
	// (default 1000), none older than DeliveryMaxAge (default 30 days),
	// pruned every PruneInterval (default 10 minutes).
	MaxDeliveries  int
	DeliveryMaxAge time.Duration
	PruneInterval  time.Duration
	Logger         *slog.Logger
	Now            func() time.Time
}

// Dispatcher implements synth.Notifier and manages the endpoints.
type Dispatcher struct {
	cfg Config
}

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
	if cfg.Workers <= 0 {
		cfg.Workers = 10
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
	if cfg.PruneInterval <= 0 {
		cfg.PruneInterval = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{cfg: cfg}
}

const globalID = "global"

func fromRow(r sqldb.WebhookEndpointRow) Endpoint {
	return Endpoint{ID: r.ID, URL: r.URL, Secret: r.Secret, Feed: r.Feed, Events: r.Events, CreatedAt: r.CreatedAt}
}

// endpoints returns the configured endpoint, if any, and the stored ones.
func (d *Dispatcher) endpoints(ctx context.Context, c sqldb.Conn) ([]Endpoint, error) {
	rows, err := c.WebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(rows)+1)
	if d.cfg.Global.URL != "" {
		g := d.cfg.Global
		g.ID = globalID
		out = append(out, g)
	}
	for _, r := range rows {
		out = append(out, fromRow(r))
	}
	return out, nil
}

// endpoint returns the endpoint a delivery goes to; a deleted one is
// article.ErrNotFound.
func (d *Dispatcher) endpoint(ctx context.Context, id string) (Endpoint, error) {
	if id == globalID {
		if d.cfg.Global.URL == "" {
			return Endpoint{}, fmt.Errorf("%w: webhook %q is no longer configured", article.ErrNotFound, id)
		}
		g := d.cfg.Global
		g.ID = globalID
		return g, nil
	}
	r, err := d.cfg.DB.Conn().WebhookEndpoint(ctx, id)
	if errors.Is(err, sqldb.ErrNotFound) {
		return Endpoint{}, fmt.Errorf("%w: webhook %q was deleted", article.ErrNotFound, id)
	}
	if err != nil {
		return Endpoint{}, err
	}
	return fromRow(r), nil
}

// List returns the endpoints without their secrets.
func (d *Dispatcher) List(ctx context.Context) ([]Endpoint, error) {
	eps, err := d.endpoints(ctx, d.cfg.DB.Conn())
	if err != nil {
		return nil, err
	}
	for i := range eps {
		eps[i].Secret, eps[i].URL = "", redactURL(eps[i].URL)
		if eps[i].ID == globalID {
			eps[i].Feed, eps[i].Events, eps[i].CreatedAt = "", nil, time.Time{}
		}
	}
	return eps, nil
}

// Add validates and stores an endpoint, generating its secret if none given.
func (d *Dispatcher) Add(ctx context.Context, e Endpoint) (Endpoint, error) {
	if _, err := d.cfg.CheckURL(ctx, e.URL); err != nil {
		return Endpoint{}, fmt.Errorf("webhook %w", err)
	}
	for _, ev := range e.Events {
		if !slices.Contains(Events, ev) {
			return Endpoint{}, fmt.Errorf("%w: unknown webhook event %q (one of %s)", article.ErrInvalidInput, ev, strings.Join(Events, ", "))
		}
	}
	if e.Secret == "" {
		e.Secret = randomHex(24)
	}
	e.ID = "wh" + randomHex(6)
	e.CreatedAt = d.cfg.Now().UTC().Truncate(time.Microsecond)
	row := sqldb.WebhookEndpointRow{ID: e.ID, URL: e.URL, Secret: e.Secret, Feed: e.Feed, Events: e.Events, CreatedAt: e.CreatedAt}
	if err := d.cfg.DB.Conn().InsertWebhookEndpoint(ctx, row); err != nil {
		return Endpoint{}, fmt.Errorf("store webhook endpoint: %w", err)
	}
	return e, nil
}

// Delete removes an endpoint and its delivery log; deliveries still queued
// for it are dropped when their turn comes.
func (d *Dispatcher) Delete(ctx context.Context, id string) error {
	err := d.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error { return tx.DeleteWebhookEndpoint(ctx, id) })
	if errors.Is(err, sqldb.ErrNotFound) {
		return fmt.Errorf("%w: webhook %q", article.ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	return nil
}

// Deliveries returns the newest delivery records first.
func (d *Dispatcher) Deliveries(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := d.cfg.DB.Conn().WebhookDeliveries(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		del := Delivery{ID: r.ID, Endpoint: r.EndpointID, URL: r.URL, Delivered: !r.DeliveredAt.IsZero(), Attempts: []Attempt{}}
		if err := json.Unmarshal(r.Event, &del.Event); err != nil {
			return nil, fmt.Errorf("delivery %s: %w", r.ID, err)
		}
		for _, a := range r.Attempts {
			del.Attempts = append(del.Attempts, Attempt{At: a.At, Status: a.Status, Error: a.Error, Duration: float64(a.Duration.Microseconds()) / 1000})
		}
		out = append(out, del)
	}
	return out, nil
}

// NotifyTx records a delivery of ev for every interested endpoint and
// returns their jobs. Both happen in tx, the transaction of the change
// that caused ev: a change that rolls back sends nothing, one that commits
// is delivered even if this node dies.
func (d *Dispatcher) NotifyTx(ctx context.Context, tx sqldb.Conn, ev article.Event) ([]river.InsertManyParams, error) {
	eps, err := d.endpoints(ctx, tx)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	now := d.cfg.Now().UTC()
	var jobs []river.InsertManyParams
	for _, e := range eps {
		if !e.wants(ev) {
			continue
		}
		key := now.Format(deliveryTimeLayout) + "-" + randomHex(4)
		row := sqldb.WebhookDeliveryRow{ID: key, EndpointID: e.ID, URL: redactURL(e.URL), Event: body, CreatedAt: now}
		if err := tx.InsertWebhookDelivery(ctx, row); err != nil {
			return nil, err
		}
		jobs = append(jobs, river.InsertManyParams{
			Args:       deliverArgs{Key: key, Endpoint: e.ID, Event: ev},
			InsertOpts: &river.InsertOpts{Queue: queueWebhooks, MaxAttempts: d.cfg.MaxAttempts},
		})
	}
	return jobs, nil
}

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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
