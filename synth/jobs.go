package synth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

// synthesizeArgs asks for one revision of one article. GUID tells a
// re-created article (whose revisions start again at 1) from the deleted
// one. Unique by all three, so a repeated request is one job; a newer
// revision is a new job, and the older one is cancelled in the transaction
// that asks for the newer.
type synthesizeArgs struct {
	ArticleID string `json:"article_id"`
	GUID      string `json:"guid"`
	Revision  int    `json:"revision"`
}

// wants reports whether the article still wants this job's revision.
func (a synthesizeArgs) wants(m article.Manifest) bool {
	return m.Revision == a.Revision && m.GUID == a.GUID
}

func (synthesizeArgs) Kind() string { return "synthesize" }

func (synthesizeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// collectArgs asks to delete retired versions and the segments no version
// uses: of one article at once (a takedown), or of every article after the
// grace period (ArticleID empty, the periodic run).
type collectArgs struct {
	ArticleID string `json:"article_id,omitempty"`
	// RetiredBy is a takedown's deletion time: the versions retired by
	// then are the deleted article's; those recorded later belong to an
	// article created again under its id, still being rendered.
	RetiredBy time.Time `json:"retired_by,omitzero"`
}

func (collectArgs) Kind() string { return "collect" }

func (collectArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueMaintenance, MaxAttempts: 10}
}

const queueMaintenance = "maintenance"

// fetchCooldown is the shortest time between two fetches of jobs. River
// fetches again when a job ends, but not sooner than this after the last
// fetch, and takes at most as many jobs as there are free workers: with
// River's default (100 ms) and one worker, a node ran at most 10 jobs a
// second however short they were. A fetch happens only when a worker is
// free, so a short cooldown costs at most one query per job.
const fetchCooldown = 5 * time.Millisecond

type synthWorker struct {
	river.WorkerDefaults[synthesizeArgs]
	s *Worker
}

func (w *synthWorker) Work(ctx context.Context, job *river.Job[synthesizeArgs]) error {
	return w.s.work(ctx, job)
}

type collectWorker struct {
	river.WorkerDefaults[collectArgs]
	s *collector
}

func (w *collectWorker) Work(ctx context.Context, job *river.Job[collectArgs]) error {
	return w.s.collectJob(ctx, job.Args.ArticleID, job.Args.RetiredBy)
}

// retryPolicy backs off 2, 4, 8 … 64 s with jitter: a backend hiccup is
// retried soon, a longer outage does not hammer it.
type retryPolicy struct{}

func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	backoff := time.Duration(1<<min(max(job.Attempt, 1), 6)) * time.Second
	return time.Now().Add(backoff + time.Duration(rand.Int64N(int64(backoff/2))))
}

// JobPlugin adds another package's workers, queues and periodic jobs to
// the service's River client, so they share its database, leader and
// shutdown.
type JobPlugin interface {
	// ConfigureJobs adds workers, queues and periodic jobs to cfg.
	ConfigureJobs(cfg *river.Config)
}

func newRiver(s *Worker) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &synthWorker{s: s})
	river.AddWorker(workers, &collectWorker{s: s.collector})
	interval := min(max(s.cfg.GCGrace/4, time.Second), time.Hour)
	cfg := &river.Config{
		ID:                   s.cfg.NodeID,
		Logger:               s.log,
		Workers:              workers,
		MaxAttempts:          s.cfg.MaxAttempts,
		RetryPolicy:          retryPolicy{},
		FetchPollInterval:    s.cfg.PollInterval,
		FetchCooldown:        min(s.cfg.PollInterval, fetchCooldown),
		JobTimeout:           s.cfg.Lease,
		RescueStuckJobsAfter: s.cfg.Lease,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: s.cfg.Workers},
			queueMaintenance:   {MaxWorkers: 1},
		},
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
				return collectArgs{}, nil
			}, &river.PeriodicJobOpts{ID: "collect", RunOnStart: true}),
		},
	}
	plugins := s.cfg.Plugins
	if s.cfg.Notifier != nil {
		plugins = append([]JobPlugin{s.cfg.Notifier}, plugins...)
	}
	for _, p := range plugins {
		p.ConfigureJobs(cfg)
	}
	c, err := river.NewClient(s.cfg.DB.RiverDriver(), cfg)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return c, nil
}

// enqueueTx asks for a synthesis of m's revision in the catalog transaction tx
// and returns the job's id.
func (s *core) enqueueTx(ctx context.Context, tx sqldb.Conn, m article.Manifest) (int64, error) {
	id, revision := m.ID, m.Revision
	res, err := s.river.InsertTx(ctx, tx.Tx(), synthesizeArgs{ArticleID: id, GUID: m.GUID, Revision: revision}, nil)
	if err != nil {
		return 0, fmt.Errorf("queue synthesis of %s@%d: %w", id, revision, err)
	}
	return res.Job.ID, nil
}

// cancelTx cancels a job in tx: a queued one never runs, a running one is
// told to stop (its node cancels it; its revision could not publish anyway).
func (s *core) cancelTx(ctx context.Context, tx sqldb.Conn, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	if _, err := s.river.JobCancelTx(ctx, tx.Tx(), jobID); err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", jobID, err)
	}
	return nil
}

// collectTx asks for the collection of the versions of an article
// retired by its deletion.
func (s *core) collectTx(ctx context.Context, tx sqldb.Conn, id string, deleted time.Time) error {
	if _, err := s.river.InsertTx(ctx, tx.Tx(), collectArgs{ArticleID: id, RetiredBy: deleted}, nil); err != nil {
		return fmt.Errorf("queue takedown of %s: %w", id, err)
	}
	return nil
}
