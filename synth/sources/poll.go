package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// pollArgs asks for one poll of one source.
type pollArgs struct {
	SourceID string `json:"source_id"`
}

func (pollArgs) Kind() string { return "source_poll" }

func (pollArgs) InsertOpts() river.InsertOpts {
	// A failed poll is recorded on the source and retried at its next
	// poll, with the poller's backoff; River need not retry it.
	return river.InsertOpts{Queue: queueIngest, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: inFlight}}
}

// dueArgs asks to queue a poll of every due source.
type dueArgs struct{}

func (dueArgs) Kind() string { return "sources_due" }

func (dueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueIngest, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: inFlight}}
}

type pollWorker struct {
	river.WorkerDefaults[pollArgs]
	m *Manager
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[pollArgs]) error {
	return w.m.Poll(ctx, job.Args.SourceID)
}

type dueWorker struct {
	river.WorkerDefaults[dueArgs]
	m *Manager
}

func (w *dueWorker) Work(ctx context.Context, _ *river.Job[dueArgs]) error {
	return w.m.enqueueDue(ctx)
}

// ConfigureJobs adds the poll jobs and the periodic look for due sources
// (run by the leader node only) to the service's River client.
func (m *Manager) ConfigureJobs(cfg *river.Config) {
	river.AddWorker(cfg.Workers, &pollWorker{m: m})
	river.AddWorker(cfg.Workers, &dueWorker{m: m})
	if cfg.Queues == nil {
		cfg.Queues = map[string]river.QueueConfig{}
	}
	cfg.Queues[queueIngest] = river.QueueConfig{MaxWorkers: 2}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(m.cfg.Tick), func() (river.JobArgs, *river.InsertOpts) {
		return dueArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "sources_due", RunOnStart: true}))
}

func (m *Manager) enqueueDue(ctx context.Context) error {
	return m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		ids, err := tx.ClaimDueSources(ctx, m.cfg.Now().UTC(), m.cfg.Lease, 100)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := m.enqueueTx(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Poll reads a source once: a failure is recorded on the source, in words,
// and changes no article; new items become articles and changed ones are
// updated.
func (m *Manager) Poll(ctx context.Context, id string) error {
	row, err := m.cfg.DB.Conn().Source(ctx, id)
	if errors.Is(err, sqldb.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if row.Paused {
		return nil
	}
	var spec ingest.Spec
	if err := json.Unmarshal([]byte(row.Settings), &spec); err != nil {
		return fmt.Errorf("read settings of source %s: %w", id, err)
	}
	set, err := spec.Validate()
	if err != nil {
		return fmt.Errorf("settings of source %s: %w", id, err)
	}
	rules, err := set.Rules.Compile()
	if err != nil {
		return fmt.Errorf("rules of source %s: %w", id, err)
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
	return m.cfg.DB.InTx(ctx, func(tx sqldb.Conn) error {
		cur, err := tx.LockSource(ctx, id)
		if errors.Is(err, sqldb.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if cur.URL != row.URL {
			return nil // an editor pointed it elsewhere meanwhile; that poll is queued
		}
		cur.State, cur.LastPoll, cur.LastError = string(raw), next.LastPoll, lastErr
		if cur.NextPoll.After(row.NextPoll) || cur.NextPoll.Equal(row.NextPoll) {
			// Unless an editor asked for an earlier poll meanwhile.
			cur.NextPoll = next.NextPoll
		}
		return tx.SaveSource(ctx, cur)
	})
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
