package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/tts"
)

// Worker runs synthesis jobs and publishes their versions; its collector
// deletes what no version needs any more.
type Worker struct {
	*collector
	lexicon *LexiconEditor
	catalog *Catalog // relays other nodes' changes while the worker runs
}

// errStale means the job's revision is no longer the one editors want.
var errStale = errors.New("revision superseded")

// Run works on jobs until ctx is cancelled, then cancels the jobs in
// flight, which River retries (here or on another node) from the segment
// cache, and returns.
func (s *Worker) Run(ctx context.Context) error {
	if err := s.queueOrphans(ctx); err != nil {
		return err
	}
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	go s.stats.flushLoop(ctx, s.log)
	go s.catalog.Listen(ctx)
	<-ctx.Done()
	s.log.InfoContext(ctx, "stopping: no new jobs; jobs in flight go back to the queue")
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.river.StopAndCancel(stopCtx); err != nil {
		s.log.WarnContext(stopCtx, "job queue did not stop cleanly", "err", err)
	}
	s.stats.flush(context.WithoutCancel(ctx))
	return nil
}

// queueOrphans queues the synthesis of articles that wait without a job:
// those imported from an older Loa while queued or synthesizing.
func (s *Worker) queueOrphans(ctx context.Context) error {
	orphans, err := s.db.Conn().Orphans(ctx)
	if err != nil {
		return err
	}
	for _, o := range orphans {
		err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
			a, err := loadArticle(ctx, tx, o.ID, true)
			if err != nil || a.row.JobID != 0 {
				return err
			}
			if a.row.JobID, err = s.enqueueTx(ctx, tx, a.Manifest); err != nil {
				return err
			}
			a.Status = article.StatusQueued
			return a.save(ctx, tx)
		})
		if err != nil && !errors.Is(err, article.ErrNotFound) {
			return fmt.Errorf("queue imported article %s: %w", o.ID, err)
		}
	}
	return nil
}

// work runs one synthesis job. The outcome is recorded on the article;
// River keeps the job's own record (attempts, errors, retries).
func (s *Worker) work(ctx context.Context, job *river.Job[synthesizeArgs]) error {
	args := job.Args
	log := s.log.With("article", args.ArticleID, "revision", args.Revision, "attempt", job.Attempt)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.mu.Lock()
	s.running[args.ArticleID] = append(s.running[args.ArticleID], running{revision: args.Revision, cancel: cancel})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		rs := s.running[args.ArticleID]
		for i, r := range rs {
			if r.revision == args.Revision {
				rs = append(rs[:i], rs[i+1:]...)
				break
			}
		}
		if len(rs) == 0 {
			delete(s.running, args.ArticleID)
		} else {
			s.running[args.ArticleID] = rs
		}
		s.mu.Unlock()
	}()

	s.metrics.jobs.WithLabelValues("started").Inc()
	began := time.Now()
	err := s.process(ctx, args)
	cause := context.Cause(ctx)
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		s.metrics.jobs.WithLabelValues("ready").Inc()
		s.metrics.synthSeconds.Observe(time.Since(began).Seconds())
		log.InfoContext(bg, "article ready", "seconds", time.Since(began).Seconds())
		return nil
	case errors.Is(err, errStale) || errors.Is(err, article.ErrNotFound) || errors.Is(cause, errSuperseded) || errors.Is(cause, errDeleted) || s.stale(bg, args):
		s.metrics.jobs.WithLabelValues("superseded").Inc()
		return river.JobCancel(fmt.Errorf("revision %d of %s is no longer wanted", args.Revision, args.ArticleID))
	case ctx.Err() != nil && job.Attempt >= job.MaxAttempts:
		// River discards a job interrupted on its last attempt: without
		// this the article would wait in "queued" for a job that is gone.
		s.metrics.jobs.WithLabelValues("failed").Inc()
		err = fmt.Errorf("interrupted on the last of %d attempts (%w); resynthesize to try again", job.MaxAttempts, context.Cause(ctx))
		log.ErrorContext(bg, "synthesis failed", "err", err)
		s.fail(bg, args, err)
		return river.JobCancel(err)
	case ctx.Err() != nil:
		// Shutdown, timeout or River's cancel: the job goes back to River,
		// which retries it.
		s.metrics.jobs.WithLabelValues("requeued").Inc()
		s.setQueued(bg, args, "")
		return fmt.Errorf("interrupted: %w", context.Cause(ctx))
	case retryable(err) && job.Attempt < job.MaxAttempts:
		s.metrics.jobs.WithLabelValues("retry").Inc()
		log.WarnContext(bg, "synthesis failed; River retries it", "err", err)
		s.setQueued(bg, args, err.Error())
		return err
	default:
		s.metrics.jobs.WithLabelValues("failed").Inc()
		log.ErrorContext(bg, "synthesis failed", "err", err)
		s.fail(bg, args, err)
		return river.JobCancel(err)
	}
}

// stale reports whether the article is gone or has moved past revision.
func (s *Worker) stale(ctx context.Context, args synthesizeArgs) bool {
	r, err := s.db.Conn().Article(ctx, args.ArticleID)
	return errors.Is(err, sqldb.ErrNotFound) || (err == nil && (r.Revision != args.Revision || r.GUID != args.GUID))
}

// retryable tells transient failures (a backend or store hiccup) from ones
// that will fail again (bad input, unknown voice, unusable audio).
func retryable(err error) bool {
	switch {
	case errors.Is(err, article.ErrInvalidInput), errors.Is(err, article.ErrTooLarge),
		errors.Is(err, tts.ErrUnknownVoice), errors.Is(err, tts.ErrAuth),
		errors.Is(err, tts.ErrInvalid), errors.Is(err, tts.ErrBadAudio),
		errors.Is(err, tts.ErrTextTooLong), errors.Is(err, audio.ErrBadAudio):
		return false
	}
	return true
}

func (s *Worker) setQueued(ctx context.Context, args synthesizeArgs, lastErr string) {
	// Stale or gone: the newer revision or the deletion stands.
	_, _ = s.updateManifest(ctx, args.ArticleID, func(m *article.Manifest) error {
		if !args.wants(*m) {
			return errStale
		}
		m.Status, m.Error = article.StatusQueued, lastErr
		return nil
	})
}

func (s *core) fail(ctx context.Context, args synthesizeArgs, cause error) {
	_, _ = s.updateManifestTx(ctx, args.ArticleID, func(tx sqldb.Conn, m *article.Manifest) error {
		if !args.wants(*m) {
			return errStale
		}
		m.Status = article.StatusFailed
		m.Error = cause.Error()
		return s.notifyTx(ctx, tx, article.Event{Type: "audio.failed", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Error: m.Error})
	})
}

// process renders the job's revision and publishes it.
func (s *Worker) process(ctx context.Context, args synthesizeArgs) error {
	id := args.ArticleID
	_, err := s.updateManifest(ctx, id, func(m *article.Manifest) error {
		if !args.wants(*m) {
			return errStale
		}
		m.Status = article.StatusSynthesizing
		m.SentencesDone, m.Error = 0, ""
		return nil
	})
	if err != nil {
		return err
	}
	src, token, err := s.readSourceVersion(ctx, s.db.Conn(), id)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return errStale // deleted
		}
		return err
	}

	doc, err := extract(src)
	if err != nil {
		return err
	}
	// A staged source goes to the store beside the rendering, and before
	// the version is published; a failure fails the job, which tries
	// again.
	stored := make(chan error, 1)
	go func() { stored <- s.storeStagedSource(ctx, id, token, &doc) }()
	waitStored := sync.OnceValue(func() error { return <-stored })
	defer waitStored()
	rules, err := s.lexicon.rulesFor(ctx, src.Feed)
	if err != nil {
		return err
	}
	progress := s.progressReporter(ctx, id, args.Revision)
	var segments []string
	res, err := s.pipeline.Render(ctx, RenderRequest{
		ArticleID: id,
		Revision:  args.Revision,
		Doc:       doc,
		Voice:     src.Voice,
		Lexicon:   rules,
		Feed:      src.Feed,
		Tags: audio.Tags{
			Title:   doc.Title,
			Artist:  s.cfg.Publisher,
			Album:   src.Feed,
			Date:    src.PublishedAt.Format("2006-01-02"),
			Comment: src.Link,
			URL:     asciiURL(src.Link),
		},
		OnPlan: func(ctx context.Context, p article.Plan) error {
			// A job that runs again writes its plan again.
			if _, err := storage.PutJSON(ctx, s.store, planKey(id), p, storage.PutOptions{ContentType: "application/json", Disposable: true}); err != nil {
				return err
			}
			total := 0
			last := -1
			seen := map[string]bool{}
			for _, part := range p.Parts {
				if part.Segment != "" && !seen[part.Segment] {
					seen[part.Segment] = true
					segments = append(segments, part.Segment)
				}
				if part.Segment != "" && part.Sentence != last {
					total++
					last = part.Sentence
				}
			}
			progress.start(total)
			return nil
		},
		// Recorded as retired before its objects are written: if this job
		// never publishes (superseded, deleted, killed), GC still finds
		// them.
		OnVersion: func(ctx context.Context, v article.Version) error {
			return s.db.InTx(ctx, func(tx sqldb.Conn) error { return tx.RecordRetired(ctx, versionRow(id, v), s.now().UTC()) })
		},
		OnProgress: progress.update,
	})
	progress.stop()
	if err != nil {
		return err
	}
	res.Version.Preflight = s.preflight(ctx, res.Version)
	if err := waitStored(); err != nil {
		return err
	}
	return s.publish(ctx, args, res, segments)
}

// preflight checks the stored audio the way podcast apps will: the object
// exists, byte ranges read, size and duration are real, and the file's own
// header agrees with the manifest on both.
func (s *Worker) preflight(ctx context.Context, v article.Version) string {
	info, err := s.store.Stat(ctx, v.AudioKey)
	switch {
	case err != nil:
		return fmt.Sprintf("audio object unreadable: %v", err)
	case info.Size != v.Bytes:
		return fmt.Sprintf("audio object is %d bytes, manifest says %d", info.Size, v.Bytes)
	case v.Bytes == 0 || v.DurationMS == 0:
		return "audio is empty"
	}
	head, err := s.readRange(ctx, v.AudioKey, 0, min(v.Bytes, 10))
	if err != nil || len(head) < 2 {
		return fmt.Sprintf("range bytes=0-9 returned %d bytes (%v)", len(head), err)
	}
	if head, err = s.readRange(ctx, v.AudioKey, 0, min(v.Bytes, id3Size(head)+8192)); err != nil {
		return fmt.Sprintf("reading the file header failed: %v", err)
	}
	fi, err := audio.Inspect(head)
	switch {
	case err != nil:
		return fmt.Sprintf("file header: %v", err)
	case fi.AudioOffset+fi.Bytes != info.Size:
		return fmt.Sprintf("file header counts %d bytes, the object has %d", fi.AudioOffset+fi.Bytes, info.Size)
	case fi.Duration.Milliseconds() != v.DurationMS:
		return fmt.Sprintf("file header says %d ms, manifest says %d", fi.Duration.Milliseconds(), v.DurationMS)
	}
	return ""
}

// id3Size is the length of the ID3v2 tag a file starts with (0 without
// one), so that the header check reads past a large chapter table.
func id3Size(head []byte) int64 {
	if len(head) < 10 || string(head[:3]) != "ID3" {
		return 0
	}
	return 10 + (int64(head[6]&0x7f)<<21 | int64(head[7]&0x7f)<<14 | int64(head[8]&0x7f)<<7 | int64(head[9]&0x7f))
}

func (s *Worker) readRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	rc, _, err := s.store.Get(ctx, key, &storage.Range{Offset: off, Length: n})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, n))
}

// publish names the new version in the catalog, in a transaction that
// checks the job's revision is still the one editors want. The audio is
// complete in the store (preflight read it back) before, so listeners get
// the old or the new file, never a partial one.
func (s *Worker) publish(ctx context.Context, args synthesizeArgs, res RenderResult, segments []string) error {
	if res.Version.Preflight != "" {
		return s.rejectVersion(ctx, args, res)
	}
	now := s.now().UTC()
	v := res.Version
	v.Revision = args.Revision
	var m article.Manifest
	err := s.db.InTx(ctx, func(tx sqldb.Conn) error {
		a, err := loadArticle(ctx, tx, args.ArticleID, true)
		if err != nil {
			return err
		}
		if !args.wants(a.Manifest) {
			return errStale
		}
		if err := tx.PublishVersion(ctx, versionRow(args.ArticleID, v), segments, now); err != nil {
			return err
		}
		// The version row is locked now, so GC cannot start on it; if GC
		// finished with it since preflight, its audio is gone and the job
		// renders again.
		if _, err := s.store.Stat(ctx, v.AudioKey); err != nil {
			return fmt.Errorf("audio %s went missing before publish: %w", v.AudioKey, err)
		}
		a.Current = &v
		a.Status = article.StatusReady
		a.SentencesDone = a.SentencesTotal
		a.SentencesSynthesized, a.SentencesCached = res.Synthesized, res.Cached
		a.Error, a.Preflight = "", ""
		a.UpdatedAt = now
		if err := a.save(ctx, tx); err != nil {
			return err
		}
		m = a.Manifest
		if err := s.notifyTx(ctx, tx, article.Event{Type: "audio.ready", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Version: v.ID, DurationMS: v.DurationMS, Bytes: v.Bytes}); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, m)
	})
	if err != nil {
		return err
	}
	_ = s.store.Delete(ctx, planKey(args.ArticleID))
	return nil
}

// rejectVersion records audio that failed preflight: the revision fails,
// the previous version (if any) stays current and in feeds, and editors and
// webhooks are told why.
func (s *Worker) rejectVersion(ctx context.Context, args synthesizeArgs, res RenderResult) error {
	// The objects go first, so that an article reported failed has none
	// left behind. The refused version was recorded as retired before its
	// objects were written; collecting it now is safe even when the same
	// content is being published meanwhile (see collectVersion). The
	// version listeners play is never collected: it is not retired.
	row := versionRow(args.ArticleID, res.Version)
	row.RetiredAt = s.now().UTC()
	if err := s.collectVersion(ctx, row, s.now().UTC()); err != nil {
		s.log.WarnContext(ctx, "refused audio not deleted", "article", args.ArticleID, "version", res.Version.ID, "err", err)
	}
	_, err := s.updateManifestTx(ctx, args.ArticleID, func(tx sqldb.Conn, m *article.Manifest) error {
		if !args.wants(*m) {
			return errStale
		}
		m.Status = article.StatusFailed
		m.Preflight = res.Version.Preflight
		m.Error = "audio failed preflight: " + res.Version.Preflight
		m.SentencesSynthesized, m.SentencesCached = res.Synthesized, res.Cached
		return s.notifyTx(ctx, tx, article.Event{Type: "audio.failed", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Version: res.Version.ID, Error: m.Error})
	})
	return err
}

// progressReporter writes progress to the manifest at most a few times a
// second and tells local subscribers at once.
type progressReporter struct {
	s        *core
	ctx      context.Context
	id       string
	revision int
	mu       sync.Mutex
	total    int
	done     int
	written  int
	last     time.Time
}

func (s *Worker) progressReporter(ctx context.Context, id string, revision int) *progressReporter {
	return &progressReporter{s: s.core, ctx: ctx, id: id, revision: revision}
}

func (p *progressReporter) start(total int) {
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
	p.write(true)
}

func (p *progressReporter) update(done, total int) {
	p.mu.Lock()
	p.done, p.total = done, total
	due := time.Since(p.last) > 300*time.Millisecond
	p.mu.Unlock()
	if due {
		p.write(false)
	}
}

func (p *progressReporter) stop() { p.write(true) }

func (p *progressReporter) write(force bool) {
	p.mu.Lock()
	done, total := p.done, p.total
	if !force && done == p.written {
		p.mu.Unlock()
		return
	}
	p.written, p.last = done, time.Now()
	p.mu.Unlock()
	if p.ctx.Err() != nil {
		return
	}
	ok, err := p.s.db.Conn().SetProgress(p.ctx, p.id, p.revision, done, total)
	if err != nil || !ok {
		return
	}
	p.s.announceProgress(p.ctx, p.id)
}
