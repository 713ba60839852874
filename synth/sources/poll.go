package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/ingest"
	"github.com/loa-audio/loa/synth/pageurl"
	"github.com/loa-audio/loa/synth/text"
)

const queueIngest = "ingest"

// inFlight are the job states in which a second job with the same args is
// refused: one poll per source at a time, on whichever node.
var inFlight = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// pollArgs asks for the polls of one source. The job is the source's one
// row in river_job while it is followed: after each poll it snoozes until
// the source's next poll (River's way for a job to run again later, the
// same row, straight back to available when the wait is shorter than
// River's scheduler interval), so the table grows with the sources, not
// with time or polls. The unique states keep it one at a time across nodes.
type pollArgs struct {
	SourceID string `json:"source_id"`
}

func (pollArgs) Kind() string { return "source_poll" }

func (pollArgs) InsertOpts() river.InsertOpts {
	// A failed poll is recorded on the source and retried at its next
	// poll, with the poller's backoff; River need not retry it. A job
	// that fails otherwise (the database) is queued again by the sweep.
	return river.InsertOpts{Queue: queueIngest, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: inFlight}}
}

// dueArgs asks to queue a poll of every followed source that has none:
// after an upgrade, or a poll job River gave up on (its node died
// mid-poll).
type dueArgs struct {
	// SourceID narrows the look to one source an editor changed while its
	// poll job ran: that poll may have ended before the change and its job
	// be about to wait for the old time, so the look waits for the job to
	// stop running and then moves it to now.
	SourceID string `json:"source_id,omitempty"`
}

func (dueArgs) Kind() string { return "sources_due" }

func (a dueArgs) InsertOpts() river.InsertOpts {
	opts := river.InsertOpts{Queue: queueIngest, MaxAttempts: 1}
	// A look at one source is never unique (one per edit that met a
	// running poll): an earlier look that has already looked stays
	// "running" in river_job until River's completer records its end
	// (~100 ms later, more under load), and would absorb this edit's look
	// while the poll job it moved ends waiting for the old time.
	if a.SourceID == "" {
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: inFlight}
	}
	return opts
}

type pollWorker struct {
	river.WorkerDefaults[pollArgs]
	m *Manager
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[pollArgs]) error {
	next, err := w.m.Poll(ctx, job.Args.SourceID)
	w.m.jobEnd(ctx, job.Kind, job.Args.SourceID)
	if err != nil || next.IsZero() {
		return err
	}
	return river.JobSnooze(max(next.Sub(w.m.cfg.Now()), 0))
}

type dueWorker struct {
	river.WorkerDefaults[dueArgs]
	m *Manager
}

func (w *dueWorker) Work(ctx context.Context, job *river.Job[dueArgs]) error {
	if job.Args.SourceID == "" {
		return w.m.queueFollowed(ctx)
	}
	running, err := w.m.queueSource(ctx, job.Args.SourceID)
	if err != nil || !running {
		w.m.jobEnd(ctx, job.Kind, job.Args.SourceID)
		return err
	}
	return river.JobSnooze(time.Second / 2)
}

func (m *Manager) jobEnd(ctx context.Context, kind, sourceID string) {
	if m.cfg.AtJobEnd != nil {
		m.cfg.AtJobEnd(ctx, kind, sourceID)
	}
}

// ConfigureJobs adds the poll jobs and the sweep (run by the leader node
// only) to the service's River client.
//
// The sweep is no "due" look: a periodic job every second left a
// river_job row per second (86,400 a day until River's cleaner caught up)
// and took SQLite's one write connection each time, for a look that
// mostly found nothing due; River itself advises periodic jobs of a
// minute or more. Each source's own job waits for its next poll instead,
// and the sweep only repairs, every Lease and when a node becomes leader.
func (m *Manager) ConfigureJobs(cfg *river.Config) {
	river.AddWorker(cfg.Workers, &pollWorker{m: m})
	river.AddWorker(cfg.Workers, &dueWorker{m: m})
	if cfg.Queues == nil {
		cfg.Queues = map[string]river.QueueConfig{}
	}
	cfg.Queues[queueIngest] = river.QueueConfig{MaxWorkers: 2}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(m.cfg.Lease), func() (river.JobArgs, *river.InsertOpts) {
		return dueArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "sources_due", RunOnStart: true}))
}

// queueFollowed makes sure every followed source has its poll job.
func (m *Manager) queueFollowed(ctx context.Context) error {
	return m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		due, err := tx.FollowedSources(ctx)
		if err != nil {
			return err
		}
		for _, s := range due {
			if _, err := m.queueTx(ctx, tx, s.ID, s.NextPoll); err != nil {
				return err
			}
		}
		return nil
	})
}

// queueSource makes sure one followed source has its poll job by its next
// poll; it reports a poll job still running, which it cannot move.
func (m *Manager) queueSource(ctx context.Context, id string) (running bool, err error) {
	err = m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		row, err := tx.Source(ctx, id)
		if errors.Is(err, sqldb.ErrNotFound) || (err == nil && row.Paused) {
			return nil
		}
		if err != nil {
			return err
		}
		running, err = m.queueTx(ctx, tx, id, row.NextPoll)
		return err
	})
	return running, err
}

// Poll reads a source once: a failure is recorded on the source, in words,
// and changes no article; new items become articles and changed ones are
// updated. It returns when the source is to be polled next, zero when it
// is no longer followed (deleted or paused).
func (m *Manager) Poll(ctx context.Context, id string) (time.Time, error) {
	row, err := m.cfg.DB.Conn().Source(ctx, id)
	if errors.Is(err, sqldb.ErrNotFound) {
		return time.Time{}, nil // deleted meanwhile
	}
	if err != nil {
		return time.Time{}, err
	}
	if row.Paused {
		return time.Time{}, nil
	}
	var spec ingest.Spec
	if err := json.Unmarshal([]byte(row.Settings), &spec); err != nil {
		return time.Time{}, fmt.Errorf("read settings of source %s: %w", id, err)
	}
	set, err := spec.Validate()
	if err != nil {
		return time.Time{}, fmt.Errorf("settings of source %s: %w", id, err)
	}
	rules, err := set.Rules.Compile()
	if err != nil {
		return time.Time{}, fmt.Errorf("rules of source %s: %w", id, err)
	}
	var mem memory
	_ = json.Unmarshal([]byte(row.State), &mem)
	listing, unchanged, next, pollErr := m.cfg.Poller.Poll(ctx, set.URL, set.Interval, mem.State)
	mem.State = next
	var itemErrs []string
	if pollErr == nil && !unchanged {
		itemErrs = m.items(ctx, id, set, rules, listing.Items, !mem.Polled)
	}
	if pollErr == nil {
		mem.Polled = true
	}
	lastErr := next.LastError
	if pollErr == nil && len(itemErrs) > 0 {
		lastErr = fmt.Sprintf("%d of the listed items could not be read; first: %s", len(itemErrs), itemErrs[0])
	}
	if pollErr != nil {
		m.cfg.Logger.WarnContext(ctx, "source poll failed", "source", id, "url", set.URL, "err", pollErr, "next_poll", next.NextPoll)
	}
	raw, _ := json.Marshal(mem)
	var at time.Time
	err = m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		at = time.Time{}
		cur, err := tx.LockSource(ctx, id)
		if errors.Is(err, sqldb.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// An editor who changed the URL or interval meanwhile moved the
		// next poll to then, and this job, still running, is the one that
		// polls it: its end waits until then.
		asked := !cur.NextPoll.Equal(row.NextPoll) && cur.NextPoll.Before(next.NextPoll)
		if cur.URL != row.URL {
			// Another listing than the one read: nothing of it is kept.
			if !cur.Paused {
				at = cur.NextPoll
			}
			return nil
		}
		cur.State, cur.LastPoll, cur.LastError = string(raw), next.LastPoll, lastErr
		if !asked {
			cur.NextPoll = next.NextPoll
		}
		if !cur.Paused {
			at = cur.NextPoll
		}
		return tx.SaveSource(ctx, cur)
	})
	return at, err
}

// items turns a listing's wanted items into articles and returns what went
// wrong with some of them, in words.
func (m *Manager) items(ctx context.Context, sourceID string, set ingest.Settings, rules ingest.Matcher, listed []ingest.Item, first bool) []string {
	known, err := m.cfg.DB.Conn().SourceItems(ctx, sourceID)
	if err != nil {
		return []string{err.Error()}
	}
	now := m.cfg.Now().UTC()
	selected := rules.Select(listed, first, now)
	var errs []string
	if first {
		// Beyond the backfill, items are remembered as seen and never
		// fetched: adding a source does not turn its archive into audio.
		take := map[string]bool{}
		for _, it := range selected {
			take[it.GUID] = true
		}
		for _, it := range listed {
			if !take[it.GUID] && known[it.GUID].GUID == "" {
				if err := m.cfg.DB.Conn().SaveSourceItem(ctx, sqldb.SourceItemRow{SourceID: sourceID, GUID: it.GUID, URL: it.URL, SeenAt: now}); err != nil {
					errs = append(errs, err.Error())
				}
			}
		}
	}
	for _, it := range selected {
		if ctx.Err() != nil {
			return append(errs, ctx.Err().Error())
		}
		k, seen := known[it.GUID]
		if seen && k.ArticleID == "" {
			continue // skipped on the first poll
		}
		if err := m.item(ctx, sourceID, set, it, k, seen); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", it.URL, err))
		}
	}
	return errs
}

// item reads one listed item: its page, fetched conditionally (or the
// feed's content when it holds the whole article), becomes a new article,
// updates the one it made before when its text changed, or is linked to the
// article an editor or another source already made of the same page.
func (m *Manager) item(ctx context.Context, sourceID string, set ingest.Settings, it ingest.Item, k sqldb.SourceItemRow, seen bool) error {
	rec := k
	rec.SourceID, rec.GUID, rec.URL, rec.SeenAt = sourceID, it.GUID, it.URL, m.cfg.Now().UTC()
	sub := article.Submission{Feed: set.Feed, Voice: set.Voice}
	if !it.Published.IsZero() {
		p := it.Published
		sub.PublishedAt = &p
	}
	if ingest.HoldsWholeArticle(it.Content) {
		sub.HTML, sub.Link, sub.Title = it.Content, it.URL, it.Title
	} else {
		resp, err := m.cfg.Poller.Page(ctx, it.URL, ingest.Validators{ETag: k.ETag, LastModified: k.LastModified})
		if err != nil {
			return err
		}
		if resp.NotModified {
			return nil
		}
		sub.HTML, sub.Link = string(resp.Body), resp.URL
		rec.ETag, rec.LastModified = resp.ETag, resp.LastModified
	}
	hash, err := textHash(sub.HTML, sub.Link)
	if err != nil {
		return err
	}
	if seen && hash == k.ContentHash {
		return m.cfg.DB.Conn().SaveSourceItem(ctx, rec) // new validators, same text
	}
	rec.ContentHash = hash
	switch {
	case seen && rec.Created:
		if _, _, err := m.articles.Update(ctx, rec.ArticleID, sub); err != nil {
			return fmt.Errorf("update article %s: %w", rec.ArticleID, err)
		}
	case seen:
		// Another's article: its owner decides when it changes.
	default:
		canonical := pageurl.Canonical(sub.HTML, sub.Link)
		id, err := m.cfg.DB.Conn().ArticleIDByURL(ctx, canonical)
		switch {
		case err == nil:
			rec.ArticleID = id
		case !errors.Is(err, sqldb.ErrNotFound):
			return err
		default:
			st, created, err := m.articles.Create(ctx, sub)
			if errors.Is(err, article.ErrConflict) {
				// Made of the same page a moment ago, by another source.
				if st.ID, err = m.cfg.DB.Conn().ArticleIDByURL(ctx, canonical); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			rec.ArticleID, rec.Created = st.ID, created
		}
	}
	return m.cfg.DB.Conn().SaveSourceItem(ctx, rec)
}

// textHash identifies what would be spoken of a page, so a page whose ads
// or comments changed is not synthesized again.
func textHash(html, link string) (string, error) {
	doc, err := text.ExtractHTML(strings.NewReader(html), text.ExtractOptions{URL: link})
	if err != nil {
		return "", fmt.Errorf("extract: %w", err)
	}
	h := sha256.New()
	for _, s := range []string{doc.Title, doc.Lead} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	for _, b := range doc.Blocks {
		fmt.Fprintf(h, "%s%d:%s", b.Kind, len(b.Text), b.Text)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
