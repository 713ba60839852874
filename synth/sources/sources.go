// Package sources follows publishers' feeds and sitemaps: editors add,
// edit, pause and remove sources; River jobs poll the due ones (one job per
// source at a time, whichever node runs it) and turn new and changed items
// into articles through the article service, so the same story reached
// twice stays one article.
package sources

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/ingest"
)

// Articles is what following a source needs from the article service.
type Articles interface {
	Create(ctx context.Context, sub article.Submission) (article.State, bool, error)
	Update(ctx context.Context, id string, sub article.Submission) (article.State, bool, error)
}

// Config wires a Manager. Zero values mean the defaults.
type Config struct {
	DB     *sqldb.DB
	Poller *ingest.Poller
	// CheckVoice reports an unknown voice id; nil accepts any.
	CheckVoice func(id string) error
	// Lease is how often the leader queues a poll of every followed
	// source that has none, e.g. after River gave up on a poll whose node
	// died (it rescues a job after the service's lease); default 10m.
	Lease  time.Duration
	Logger *slog.Logger
	Now    func() time.Time
	// AtJobEnd, when set, is called when a poll job has saved its poll,
	// or a look at one source has looked, before River records the job's
	// end: tests hold a job there so an edit meets it.
	AtJobEnd func(ctx context.Context, kind, sourceID string)
}

// Manager keeps the sources and runs their polls.
type Manager struct {
	cfg      Config
	articles Articles
	river    *river.Client[*sql.Tx]
}

// New builds a Manager; Attach gives it the article service and the job
// queue once they exist (they are built with its jobs registered).
func New(cfg Config) *Manager {
	if cfg.Lease <= 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Manager{cfg: cfg}
}

// Attach connects the article service and the River client its jobs run on.
func (m *Manager) Attach(a Articles, c *river.Client[*sql.Tx]) {
	m.articles, m.river = a, c
}

// Source is a source as the API shows it: the editor's settings and how
// following it goes.
type Source struct {
	ID string `json:"id"`
	ingest.Spec
	Interval        string     `json:"interval"`
	Backfill        int        `json:"backfill"`
	Paused          bool       `json:"paused"`
	LastPoll        *time.Time `json:"last_poll"`
	NextPoll        *time.Time `json:"next_poll"`
	ItemsSeen       int        `json:"items_seen"`
	ArticlesCreated int        `json:"articles_created"`
	LastError       string     `json:"last_error"`
	Failing         bool       `json:"failing"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Patch is a PUT body: the fields given replace the stored ones.
type Patch struct {
	URL      *string   `json:"url"`
	Feed     *string   `json:"feed"`
	Voice    *string   `json:"voice"`
	Interval *string   `json:"interval"`
	Backfill *int      `json:"backfill"`
	Include  *[]string `json:"include"`
	Exclude  *[]string `json:"exclude"`
	MaxAge   *string   `json:"max_age"`
	Paused   *bool     `json:"paused"`
}

func (p Patch) apply(s *ingest.Spec) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.URL, p.URL)
	set(&s.Feed, p.Feed)
	set(&s.Voice, p.Voice)
	set(&s.Interval, p.Interval)
	set(&s.MaxAge, p.MaxAge)
	if p.Backfill != nil {
		s.Backfill = p.Backfill
	}
	if p.Include != nil {
		s.Include = *p.Include
	}
	if p.Exclude != nil {
		s.Exclude = *p.Exclude
	}
	if p.Paused != nil {
		s.Paused = *p.Paused
	}
}

// memory is what a source keeps between polls (the sources.state column).
type memory struct {
	ingest.State
	// Polled is set after the first successful poll: only that one is
	// limited to the backfill.
	Polled bool `json:"polled,omitempty"`
}

// validate checks a spec and returns it in its stored form, with the
// defaults written out.
func (m *Manager) validate(spec ingest.Spec) (ingest.Spec, ingest.Settings, error) {
	set, err := spec.Validate()
	if err != nil {
		return ingest.Spec{}, ingest.Settings{}, article.Invalid(err.Error())
	}
	if set.Feed != "" && !article.ValidFeedName(set.Feed) {
		return ingest.Spec{}, ingest.Settings{}, article.Invalid(`"feed" must be lowercase letters, digits and '-' (at most 64), and not "all"`)
	}
	if set.Voice != "" && m.cfg.CheckVoice != nil {
		if err := m.cfg.CheckVoice(set.Voice); err != nil {
			return ingest.Spec{}, ingest.Settings{}, article.Invalid(fmt.Sprintf(`"voice": unknown voice %q`, set.Voice))
		}
	}
	backfill := set.Rules.Backfill
	spec.URL, spec.Interval, spec.Backfill = set.URL, set.Interval.String(), &backfill
	return spec, set, nil
}

// Create stores a new source and queues its first poll.
func (m *Manager) Create(ctx context.Context, spec ingest.Spec) (Source, error) {
	spec, set, err := m.validate(spec)
	if err != nil {
		return Source{}, err
	}
	raw, _ := json.Marshal(spec)
	now := m.cfg.Now().UTC()
	row := sqldb.SourceRow{
		ID: "src-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16], URL: set.URL, Settings: string(raw), State: "{}",
		Paused: set.Paused, NextPoll: now, CreatedAt: now, UpdatedAt: now,
	}
	err = m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		if err := tx.InsertSource(ctx, row); err != nil {
			return err
		}
		if row.Paused {
			return nil
		}
		_, err := m.queueTx(ctx, tx, row.ID, now)
		return err
	})
	if err != nil {
		return Source{}, err
	}
	return m.Get(ctx, row.ID)
}

// queueTx makes sure the source's poll job runs by at: a new job, or its
// waiting one moved to now when the source is due (never earlier than at:
// at may be a backoff or the publisher's Retry-After). It reports a job
// still running, which reads next_poll when its poll ends and waits until
// then, unless that end has passed already.
func (m *Manager) queueTx(ctx context.Context, tx sqldb.Conn, id string, at time.Time) (running bool, err error) {
	now := m.cfg.Now().UTC()
	var opts *river.InsertOpts
	if at.After(now) {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	res, err := m.river.InsertTx(ctx, tx.Tx(), pollArgs{SourceID: id}, opts)
	if err != nil {
		return false, fmt.Errorf("queue poll of source %s: %w", id, err)
	}
	job := res.Job
	if !res.UniqueSkippedAsDuplicate {
		return false, nil
	}
	if job.State == rivertype.JobStateRunning {
		return true, nil
	}
	if at.After(now) || !job.ScheduledAt.After(at) {
		return false, nil
	}
	if _, err := m.river.JobRetryTx(ctx, tx.Tx(), job.ID); err != nil {
		return false, fmt.Errorf("poll source %s now: %w", id, err)
	}
	return false, nil
}

// Get returns one source.
func (m *Manager) Get(ctx context.Context, id string) (Source, error) {
	row, err := m.cfg.DB.Conn().Source(ctx, id)
	if err != nil {
		return Source{}, notFound(err)
	}
	return view(row), nil
}

// List returns every source, oldest first.
func (m *Manager) List(ctx context.Context) ([]Source, error) {
	rows, err := m.cfg.DB.Conn().Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(rows))
	for _, r := range rows {
		out = append(out, view(r))
	}
	return out, nil
}

// Update changes a source's settings; resuming it or changing its URL or
// interval polls it at once.
func (m *Manager) Update(ctx context.Context, id string, p Patch) (Source, error) {
	err := m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		row, err := tx.LockSource(ctx, id)
		if err != nil {
			return notFound(err)
		}
		var spec ingest.Spec
		if err := json.Unmarshal([]byte(row.Settings), &spec); err != nil {
			return fmt.Errorf("read settings of source %s: %w", id, err)
		}
		before := spec
		spec.Paused = row.Paused
		p.apply(&spec)
		spec, set, err := m.validate(spec)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(spec)
		now := m.cfg.Now().UTC()
		resumed := row.Paused && !set.Paused
		if set.URL != row.URL {
			row.State = "{}" // another listing: its validators mean nothing
		}
		pollNow := !set.Paused && (resumed || set.URL != row.URL || spec.Interval != before.Interval)
		row.URL, row.Settings, row.Paused, row.UpdatedAt = set.URL, string(raw), set.Paused, now
		if pollNow {
			row.NextPoll = now
		}
		if err := tx.SaveSource(ctx, row); err != nil {
			return err
		}
		if !pollNow {
			return nil
		}
		running, err := m.queueTx(ctx, tx, id, now)
		if err != nil || !running {
			return err
		}
		// Its poll may have ended before this change, the job about to
		// wait for the old time: a look of this edit's own moves it.
		if _, err := m.river.InsertTx(ctx, tx.Tx(), dueArgs{SourceID: id}, nil); err != nil {
			return fmt.Errorf("queue a look at source %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Source{}, err
	}
	return m.Get(ctx, id)
}

// Delete removes a source; the articles it made stay, and a poll in
// flight finds it gone and stops.
func (m *Manager) Delete(ctx context.Context, id string) error {
	return notFound(m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error { return tx.DeleteSource(ctx, id) }))
}

func notFound(err error) error {
	if errors.Is(err, sqldb.ErrNotFound) {
		return fmt.Errorf("%w: %v", article.ErrNotFound, err)
	}
	return err
}

func view(r sqldb.SourceRow) Source {
	var spec ingest.Spec
	_ = json.Unmarshal([]byte(r.Settings), &spec)
	s := Source{
		ID: r.ID, Spec: spec, Interval: spec.Interval, Paused: r.Paused,
		ItemsSeen: r.ItemsSeen, ArticlesCreated: r.ArticlesCreated, LastError: r.LastError, Failing: r.LastError != "",
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if spec.Backfill != nil {
		s.Backfill = *spec.Backfill
	}
	if !r.LastPoll.IsZero() {
		s.LastPoll = &r.LastPoll
	}
	if !r.Paused && !r.NextPoll.IsZero() {
		s.NextPoll = &r.NextPoll
	}
	return s
}
