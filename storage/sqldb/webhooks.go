package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// WebhookEndpointRow is a receiver of article events.
type WebhookEndpointRow struct {
	ID        string
	URL       string
	Secret    string
	Feed      string   // "" = every feed
	Events    []string // empty = every event
	CreatedAt time.Time
}

// WebhookDeliveryRow is one event sent to one endpoint, with its attempts
// oldest first. ID is the idempotency key of every attempt.
type WebhookDeliveryRow struct {
	ID          string
	EndpointID  string
	URL         string
	Event       []byte // the JSON body
	DeliveredAt time.Time
	CreatedAt   time.Time
	Attempts    []WebhookAttemptRow
}

// WebhookAttemptRow is one try of a delivery; Attempt is the job's attempt
// number.
type WebhookAttemptRow struct {
	Attempt  int
	At       time.Time
	Status   int
	Error    string
	Duration time.Duration
}

// InsertWebhookEndpoint stores an endpoint; a taken id is ErrConflict.
func (c Conn) InsertWebhookEndpoint(ctx context.Context, e WebhookEndpointRow) error {
	events, err := json.Marshal(nonNil(e.Events))
	if err != nil {
		return err
	}
	_, err = c.Exec(ctx, `INSERT INTO webhook_endpoints (id, url, secret, feed, events, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.URL, e.Secret, e.Feed, string(events), micros(e.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: webhook %s exists", ErrConflict, e.ID)
	}
	if err != nil {
		return fmt.Errorf("store webhook %s: %w", e.ID, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const webhookEndpointCols = `id, url, secret, feed, events, created_at`

func scanWebhookEndpoint(r scanner) (WebhookEndpointRow, error) {
	var e WebhookEndpointRow
	var events string
	var at int64
	if err := r.Scan(&e.ID, &e.URL, &e.Secret, &e.Feed, &events, &at); err != nil {
		return e, err
	}
	e.CreatedAt = fromMicros(at)
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return e, fmt.Errorf("events of webhook %s: %w", e.ID, err)
	}
	return e, nil
}

// WebhookEndpoints returns every stored endpoint, oldest first.
func (c Conn) WebhookEndpoints(ctx context.Context) ([]WebhookEndpointRow, error) {
	rows, err := c.Query(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints ORDER BY created_at, id`)
	out, err := collect(rows, err, scanWebhookEndpoint)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// WebhookEndpoint returns one endpoint; an unknown id is ErrNotFound.
func (c Conn) WebhookEndpoint(ctx context.Context, id string) (WebhookEndpointRow, error) {
	e, err := scanWebhookEndpoint(c.QueryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE id = ?`, id))
	if isNoRows(err) {
		return e, fmt.Errorf("%w: webhook %s", ErrNotFound, id)
	}
	if err != nil {
		return e, fmt.Errorf("read webhook %s: %w", id, err)
	}
	return e, nil
}

// DeleteWebhookEndpoint removes an endpoint and its delivery log; an
// unknown id is ErrNotFound.
func (c Conn) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	res, err := c.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return fmt.Errorf("delete webhook %s: %w", id, err)
		}
		return fmt.Errorf("%w: webhook %s", ErrNotFound, id)
	}
	if _, err := c.Exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
		return fmt.Errorf("delete deliveries of webhook %s: %w", id, err)
	}
	return nil
}

// InsertWebhookDelivery records a delivery before its first attempt.
func (c Conn) InsertWebhookDelivery(ctx context.Context, d WebhookDeliveryRow) error {
	if _, err := c.Exec(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, url, event, delivered_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.EndpointID, d.URL, string(d.Event), micros(d.DeliveredAt), micros(d.CreatedAt)); err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	return nil
}

// RecordWebhookAttempt adds an attempt to a delivery, marking it delivered
// when the attempt succeeded. A delivery pruned or deleted meanwhile is
// left alone; an attempt recorded before (a repeated job) is kept.
func (c Conn) RecordWebhookAttempt(ctx context.Context, deliveryID string, a WebhookAttemptRow, delivered bool) error {
	res, err := c.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_us)
SELECT id, ?, ?, ?, ?, ? FROM webhook_deliveries WHERE id = ? ON CONFLICT (delivery_id, attempt) DO NOTHING`,
		a.Attempt, micros(a.At), a.Status, a.Error, a.Duration.Microseconds(), deliveryID)
	if err != nil {
		return fmt.Errorf("record attempt %d of delivery %s: %w", a.Attempt, deliveryID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 || !delivered {
		return nil
	}
	if _, err := c.Exec(ctx, `UPDATE webhook_deliveries SET delivered_at = ? WHERE id = ? AND delivered_at = 0`, micros(a.At), deliveryID); err != nil {
		return fmt.Errorf("mark delivery %s delivered: %w", deliveryID, err)
	}
	return nil
}

// WebhookDeliveries returns the newest deliveries first, at most limit,
// with their attempts.
func (c Conn) WebhookDeliveries(ctx context.Context, limit int) ([]WebhookDeliveryRow, error) {
	rows, err := c.Query(ctx, `SELECT id, endpoint_id, url, event, delivered_at, created_at FROM webhook_deliveries
ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	dels, err := collect(rows, err, func(r scanner) (WebhookDeliveryRow, error) {
		var d WebhookDeliveryRow
		var event string
		var delivered, created int64
		err := r.Scan(&d.ID, &d.EndpointID, &d.URL, &event, &delivered, &created)
		d.Event, d.DeliveredAt, d.CreatedAt = []byte(event), fromMicros(delivered), fromMicros(created)
		return d, err
	})
	if err != nil || len(dels) == 0 {
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		return []WebhookDeliveryRow{}, nil
	}
	ids := make([]any, len(dels))
	at := make(map[string]int, len(dels))
	for i, d := range dels {
		ids[i], at[d.ID] = d.ID, i
	}
	rows, err = c.Query(ctx, `SELECT delivery_id, attempt, at, status, error, duration_us FROM webhook_attempts
WHERE delivery_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY delivery_id, attempt`, ids...)
	if err != nil {
		return nil, fmt.Errorf("list delivery attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a WebhookAttemptRow
		var when, us int64
		if err := rows.Scan(&id, &a.Attempt, &when, &a.Status, &a.Error, &us); err != nil {
			return nil, fmt.Errorf("list delivery attempts: %w", err)
		}
		a.At, a.Duration = fromMicros(when), time.Duration(us)*time.Microsecond
		d := &dels[at[id]]
		d.Attempts = append(d.Attempts, a)
	}
	return dels, rows.Err()
}

// PruneWebhookDeliveries keeps the newest keep deliveries of each endpoint
// and drops every delivery created before cutoff; it returns how many it
// dropped.
func (c Conn) PruneWebhookDeliveries(ctx context.Context, keep int, cutoff time.Time) (int64, error) {
	res, err := c.Exec(ctx, `DELETE FROM webhook_deliveries WHERE created_at < ? OR id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY created_at DESC, id DESC) AS n FROM webhook_deliveries
    ) ranked WHERE n > ?)`, micros(cutoff), keep)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return res.RowsAffected()
}
