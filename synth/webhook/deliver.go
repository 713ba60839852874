package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/article"
)

// queueWebhooks keeps deliveries, which wait on other people's servers,
// from holding up synthesis.
const queueWebhooks = "webhooks"

// deliverArgs is one event for one endpoint. Key, the delivery's id, is
// the same on every attempt and sent as the Idempotency-Key header, so a
// receiver can drop a repeat (an attempt whose answer was lost, or one
// made again after the node making it died).
type deliverArgs struct {
	Key      string        `json:"idempotency_key"`
	Endpoint string        `json:"endpoint"`
	Event    article.Event `json:"event"`
}

func (deliverArgs) Kind() string { return "webhook_delivery" }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	d *Dispatcher
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.d.deliver(ctx, job.Attempt, job.Args)
}

// NextRetry waits FirstDelay, then twice as long after each failure.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	return time.Now().Add(w.d.cfg.FirstDelay << min(max(job.Attempt-1, 0), 16))
}

// pruneArgs asks to drop old delivery records.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "webhook_prune" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	d *Dispatcher
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	_, err := w.d.Prune(ctx)
	return err
}

// ConfigureJobs adds the delivery and pruning jobs to a River
// configuration whose Workers is set.
func (d *Dispatcher) ConfigureJobs(cfg *river.Config) {
	river.AddWorker(cfg.Workers, &deliverWorker{d: d})
	river.AddWorker(cfg.Workers, &pruneWorker{d: d})
	if cfg.Queues == nil {
		cfg.Queues = map[string]river.QueueConfig{}
	}
	cfg.Queues[queueWebhooks] = river.QueueConfig{MaxWorkers: d.cfg.Workers}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(d.cfg.PruneInterval),
		func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, &river.InsertOpts{Queue: queueWebhooks} },
		&river.PeriodicJobOpts{ID: "webhook_prune", RunOnStart: true}))
}

// Prune keeps the newest MaxDeliveries records of each endpoint and drops
// those older than DeliveryMaxAge; it returns how many it dropped.
func (d *Dispatcher) Prune(ctx context.Context) (int64, error) {
	return d.cfg.DB.Conn().PruneWebhookDeliveries(ctx, d.cfg.MaxDeliveries, d.cfg.Now().Add(-d.cfg.DeliveryMaxAge))
}

// refused marks a failure that another attempt would repeat.
type refused struct{ err error }

func (r refused) Error() string { return r.err.Error() }
func (r refused) Unwrap() error { return r.err }

func isRefused(err error) bool {
	var r refused
	return errors.As(err, &r)
}

// deliver makes one attempt and logs it. The target is judged again on
// every attempt: a name may resolve elsewhere by now.
func (d *Dispatcher) deliver(ctx context.Context, attempt int, args deliverArgs) error {
	e, err := d.endpoint(ctx, args.Endpoint)
	if errors.Is(err, article.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(args.Event)
	if err != nil {
		return river.JobCancel(err)
	}
	start := time.Now()
	status := 0
	if _, cerr := d.cfg.CheckURL(ctx, e.URL); cerr != nil {
		// The target became unacceptable (or was stored before the
		// check existed): nothing is sent, the record says why.
		status, err = http.StatusForbidden, refused{cerr}
	} else {
		status, err = d.post(ctx, e, args.Key, args.Event.Type, body)
	}
	a := sqldb.WebhookAttemptRow{Attempt: attempt, At: start.UTC(), Status: status, Duration: time.Since(start)}
	if err != nil {
		a.Error = err.Error()
	}
	// Logged even when the job's time ran out meanwhile.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if lerr := d.cfg.DB.Conn().RecordWebhookAttempt(lctx, args.Key, a, err == nil); lerr != nil {
		d.cfg.Logger.WarnContext(ctx, "webhook attempt not logged", "delivery", args.Key, "err", lerr)
	}
	if err == nil {
		return nil
	}
	d.cfg.Logger.WarnContext(ctx, "webhook delivery failed", "endpoint", e.ID, "event", args.Event.Type, "delivery", args.Key, "attempt", attempt, "err", a.Error)
	if isRefused(err) {
		return river.JobCancel(err)
	}
	return err
}

func (d *Dispatcher) post(ctx context.Context, e Endpoint, key, event string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, refused{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Loa-Webhook/1")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("X-Loa-Delivery", key)
	req.Header.Set("X-Loa-Event", event)
	if e.Secret != "" {
		req.Header.Set("X-Loa-Signature", Sign(e.Secret, time.Now(), body))
	}
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		if errors.Is(err, synth.ErrBlockedAddress) {
			// Redirected, or resolved at connect time, to an inside address.
			return http.StatusForbidden, refused{errors.New(synth.DescribeNetError(err))}
		}
		return 0, errors.New(synth.DescribeNetError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return resp.StatusCode, nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		// The receiver refuses this event; retrying will not help.
		return resp.StatusCode, refused{fmt.Errorf("receiver answered %s", resp.Status)}
	}
	return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
}
