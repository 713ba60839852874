package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// errStale means the job's revision is no longer the one editors want.
var errStale = errors.New("revision superseded")

// Run works on jobs until ctx is cancelled, then stops taking work, gives
// unfinished jobs back to the queue (so this or another node resumes them
// from the segment cache) and returns.
func (s *Service) Run(ctx context.Context) error {
	sem := make(chan struct{}, s.cfg.Workers)
	jobCtx, cancelJobs := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelJobs(nil)
	var wg sync.WaitGroup
	go s.janitor(ctx)
	go s.stats.flushLoop(ctx, s.log)

	ticker := time.NewTicker(s.cfg.PollInterval)
	defer ticker.Stop()
	for {
		claimedAny := false
		if ctx.Err() == nil {
			var err error
			claimedAny, err = s.claimAndStart(ctx, jobCtx, sem, &wg)
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "looking for jobs failed", "err", err)
			}
		}
		if claimedAny {
			continue
		}
		select {
		case <-ctx.Done():
			s.log.InfoContext(ctx, "stopping: no new jobs; re-queueing jobs in flight")
			cancelJobs(errShutdown)
			wg.Wait()
			s.stats.flush(context.WithoutCancel(ctx))
			return nil
		case <-s.wake:
		case <-ticker.C:
		}
	}
}

var errShutdown = errors.New("node shutting down")

// claimAndStart claims as many jobs as there are free workers.
func (s *Service) claimAndStart(ctx, jobCtx context.Context, sem chan struct{}, wg *sync.WaitGroup) (bool, error) {
	refs, obsolete, err := s.queue.pending(ctx)
	if err != nil {
		return false, err
	}
	s.metrics.queueDepth.Set(float64(len(refs)))
	s.queue.drop(ctx, obsolete)
	started := false
	for _, ref := range refs {
		s.mu.Lock()
		_, busy := s.running[ref.article]
		s.mu.Unlock()
		if busy {
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			return started, nil
		}
		c, err := s.queue.claim(ctx, ref)
		if err != nil || c == nil {
			<-sem
			if err != nil {
				return started, err
			}
			continue
		}
		started = true
		runCtx, cancel := context.WithCancelCause(jobCtx)
		s.mu.Lock()
		s.running[c.ArticleID] = cancel
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				s.mu.Lock()
				delete(s.running, c.ArticleID)
				s.mu.Unlock()
				cancel(nil)
				s.kick()
			}()
			s.work(runCtx, c)
		}()
	}
	return started, nil
}

// work runs one claimed job with its lease renewed in the background.
func (s *Service) work(ctx context.Context, c *claimed) {
	log := s.log.With("article", c.ArticleID, "revision", c.Revision, "attempt", c.Attempts)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var leaseMu sync.Mutex // renewals and the final write share c.etag
	go func() {
		t := time.NewTicker(s.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				leaseMu.Lock()
				err := s.queue.renew(context.WithoutCancel(ctx), c)
				leaseMu.Unlock()
				if errors.Is(err, errLeaseLost) {
					cancel(errLeaseLost)
					return
				}
				if err != nil {
					log.WarnContext(ctx, "lease renewal failed", "err", err)
				}
			}
		}
	}()

	s.metrics.jobs.WithLabelValues("started").Inc()
	began := time.Now()
	err := s.process(ctx, c)
	cause := context.Cause(ctx)
	cancel(nil)
	leaseMu.Lock()
	defer leaseMu.Unlock()
	bg := context.WithoutCancel(ctx)
	switch {
	case err == nil:
		s.metrics.jobs.WithLabelValues("ready").Inc()
		s.metrics.synthSeconds.Observe(time.Since(began).Seconds())
		if err := s.queue.finish(bg, c); err != nil && !errors.Is(err, errLeaseLost) {
			log.WarnContext(bg, "finished job not removed", "err", err)
		}
		log.InfoContext(bg, "article ready", "seconds", time.Since(began).Seconds())
	case errors.Is(err, errStale) || errors.Is(cause, errSuperseded):
		s.metrics.jobs.WithLabelValues("superseded").Inc()
		_ = s.queue.finish(bg, c)
	case errors.Is(cause, errLeaseLost):
		s.metrics.jobs.WithLabelValues("lease_lost").Inc()
		log.WarnContext(bg, "lease lost; another node continues the job")
	case errors.Is(cause, errShutdown):
		s.metrics.jobs.WithLabelValues("requeued").Inc()
		if err := s.queue.release(bg, c, time.Time{}, ""); err != nil {
			log.WarnContext(bg, "job not released on shutdown; its lease will expire", "err", err)
		}
		s.setQueued(bg, c)
	case ctx.Err() != nil && cause != nil:
		// Deleted while running: nothing to record.
		s.metrics.jobs.WithLabelValues("cancelled").Inc()
		_ = s.queue.finish(bg, c)
	case retryable(err) && c.Attempts < s.cfg.MaxAttempts:
		s.metrics.jobs.WithLabelValues("retry").Inc()
		backoff := time.Duration(1<<min(c.Attempts, 6)) * time.Second
		backoff += time.Duration(rand.Int64N(int64(backoff / 2)))
		log.WarnContext(bg, "synthesis failed; will retry", "err", err, "in", backoff)
		if err := s.queue.release(bg, c, s.now().Add(backoff), err.Error()); err != nil {
			log.WarnContext(bg, "job not released for retry", "err", err)
		}
	default:
		s.metrics.jobs.WithLabelValues("failed").Inc()
		log.ErrorContext(bg, "synthesis failed", "err", err)
		s.fail(bg, c, err)
		_ = s.queue.finish(bg, c)
	}
}

// retryable tells transient failures (a backend or store hiccup) from ones
// that will fail again (bad input, unknown voice, unusable audio).
func retryable(err error) bool {
	switch {
	case errors.Is(err, ErrInvalidInput), errors.Is(err, ErrTooLarge),
		errors.Is(err, tts.ErrUnknownVoice), errors.Is(err, tts.ErrAuth),
		errors.Is(err, tts.ErrInvalid), errors.Is(err, tts.ErrBadAudio),
		errors.Is(err, tts.ErrTextTooLong), errors.Is(err, audio.ErrBadAudio):
		return false
	}
	return true
}

func (s *Service) setQueued(ctx context.Context, c *claimed) {
	m, err := s.updateManifest(ctx, c.ArticleID, func(m *Manifest) error {
		if m.Revision != c.Revision {
			return errStale
		}
		m.Status = StatusQueued
		return nil
	})
	if err == nil {
		s.afterChange(ctx, m)
	}
}

func (s *Service) fail(ctx context.Context, c *claimed, cause error) {
	m, err := s.updateManifest(ctx, c.ArticleID, func(m *Manifest) error {
		if m.Revision != c.Revision {
			return errStale
		}
		m.Status = StatusFailed
		m.Error = cause.Error()
		return nil
	})
	if err != nil {
		return
	}
	s.afterChange(ctx, m)
	s.notify(ctx, Event{Type: "audio.failed", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Error: m.Error})
}

// process renders the job's revision and publishes it.
func (s *Service) process(ctx context.Context, c *claimed) error {
	id := c.ArticleID
	var src Source
	if _, err := storage.GetJSON(ctx, s.store, sourceKey(id), &src); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return errStale // deleted
		}
		return fmt.Errorf("read source: %w", err)
	}
	m, err := s.updateManifest(ctx, id, func(m *Manifest) error {
		if m.Revision != c.Revision {
			return errStale
		}
		m.Status = StatusSynthesizing
		m.SentencesDone, m.Error = 0, ""
		return nil
	})
	if err != nil {
		return err
	}
	s.afterChange(ctx, m)

	doc, err := extract(src)
	if err != nil {
		return err
	}
	rules, err := s.rulesFor(ctx, src.Feed)
	if err != nil {
		return err
	}
	progress := s.progressReporter(ctx, id, c.Revision)
	res, err := s.pipeline.Render(ctx, RenderRequest{
		ArticleID: id,
		Revision:  c.Revision,
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
		OnPlan: func(ctx context.Context, p Plan) error {
			if _, err := storage.PutJSON(ctx, s.store, planKey(id), p, storage.PutOptions{ContentType: "application/json"}); err != nil {
				return err
			}
			total := 0
			last := -1
			for _, part := range p.Parts {
				if part.Segment != "" && part.Sentence != last {
					total++
					last = part.Sentence
				}
			}
			progress.start(total)
			return nil
		},
		OnProgress: progress.update,
	})
	progress.stop()
	if err != nil {
		return err
	}
	res.Version.Preflight = s.preflight(ctx, res.Version)
	return s.publish(ctx, c, res)
}

// preflight checks the stored audio the way podcast apps will: the object
// exists, byte ranges read, size and duration are real, and the file's own
// header agrees with the manifest on both.
func (s *Service) preflight(ctx context.Context, v Version) string {
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

func (s *Service) readRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	rc, _, err := s.store.Get(ctx, key, &storage.Range{Offset: off, Length: n})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, n))
}

// publish flips the manifest to the new version. The audio is complete in
// the store before this write, so listeners get the old or the new file,
// never a partial one.
func (s *Service) publish(ctx context.Context, c *claimed, res RenderResult) error {
	if res.Version.Preflight != "" {
		return s.rejectVersion(ctx, c, res)
	}
	now := s.now().UTC()
	m, err := s.updateManifest(ctx, c.ArticleID, func(m *Manifest) error {
		if m.Revision != c.Revision {
			return errStale
		}
		if m.Current != nil && m.Current.ID != res.Version.ID {
			retired := *m.Current
			retired.PublishedAt = now // retirement time, for garbage collection
			m.Retired = append(m.Retired, retired)
		}
		// Re-publishing the same version must not make it collectable.
		kept := m.Retired[:0]
		for _, r := range m.Retired {
			if r.ID != res.Version.ID {
				kept = append(kept, r)
			}
		}
		m.Retired = kept
		v := res.Version
		m.Current = &v
		m.Status = StatusReady
		m.SentencesDone = m.SentencesTotal
		m.SentencesSynthesized, m.SentencesCached = res.Synthesized, res.Cached
		m.Error, m.Preflight = "", ""
		return nil
	})
	if err != nil {
		return err
	}
	s.afterChange(ctx, m)
	s.notify(ctx, Event{Type: "audio.ready", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Version: m.Current.ID, DurationMS: m.Current.DurationMS, Bytes: m.Current.Bytes})
	_ = s.store.Delete(ctx, planKey(c.ArticleID))
	s.collect(ctx, c.ArticleID)
	return nil
}

// rejectVersion records audio that failed preflight: the revision fails,
// the previous version (if any) stays current and in feeds, and editors and
// webhooks are told why.
func (s *Service) rejectVersion(ctx context.Context, c *claimed, res RenderResult) error {
	// The objects go first, so that an article reported failed has none
	// left behind.
	if cur, err := s.manifest(ctx, c.ArticleID); err == nil {
		s.discardVersion(ctx, cur, res.Version)
	}
	m, err := s.updateManifest(ctx, c.ArticleID, func(m *Manifest) error {
		if m.Revision != c.Revision {
			return errStale
		}
		m.Status = StatusFailed
		m.Preflight = res.Version.Preflight
		m.Error = "audio failed preflight: " + res.Version.Preflight
		m.SentencesSynthesized, m.SentencesCached = res.Synthesized, res.Cached
		return nil
	})
	if err != nil {
		return err
	}
	s.afterChange(ctx, m)
	s.notify(ctx, Event{Type: "audio.failed", ArticleID: m.ID, Feed: m.Feed, Revision: m.Revision, Version: res.Version.ID, Error: m.Error})
	return nil
}

// discardVersion deletes the objects of a refused version, unless the
// manifest still names it: versions are content hashes, so the refused one
// can be the very version listeners are playing.
func (s *Service) discardVersion(ctx context.Context, m Manifest, v Version) {
	if m.Current != nil && m.Current.ID == v.ID {
		return
	}
	for _, r := range m.Retired {
		if r.ID == v.ID {
			return
		}
	}
	for _, key := range v.keys() {
		if err := s.store.Delete(ctx, key); err != nil {
			s.log.WarnContext(ctx, "refused audio not deleted", "key", key, "err", err)
		}
	}
}

// progressReporter writes progress to the manifest at most a few times a
// second and tells local subscribers at once.
type progressReporter struct {
	s        *Service
	ctx      context.Context
	id       string
	revision int
	mu       sync.Mutex
	total    int
	done     int
	written  int
	last     time.Time
}

func (s *Service) progressReporter(ctx context.Context, id string, revision int) *progressReporter {
	return &progressReporter{s: s, ctx: ctx, id: id, revision: revision}
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
	m, err := p.s.updateManifest(p.ctx, p.id, func(m *Manifest) error {
		if m.Revision != p.revision || m.Status != StatusSynthesizing {
			return errStale
		}
		m.SentencesDone, m.SentencesTotal = done, total
		return nil
	})
	if err == nil {
		p.s.broker.publish(p.id, m)
	}
}

// janitor collects retired versions of every article now and then, for
// versions whose article saw no publish since they expired.
func (s *Service) janitor(ctx context.Context) {
	interval := s.cfg.GCGrace / 4
	if interval > time.Hour {
		interval = time.Hour
	}
	if interval < time.Second {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			entries, err := s.index.all(ctx)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if e.Retired > 0 {
					s.collect(ctx, e.ID)
				}
			}
		}
	}
}

// collect deletes retired versions older than the grace period. Listeners
// who loaded the previous version keep playing it until then.
func (s *Service) collect(ctx context.Context, id string) {
	m, err := s.manifest(ctx, id)
	if err != nil || len(m.Retired) == 0 {
		return
	}
	cutoff := s.now().Add(-s.cfg.GCGrace)
	var expired []Version
	for _, v := range m.Retired {
		if v.PublishedAt.Before(cutoff) && (m.Current == nil || v.ID != m.Current.ID) {
			expired = append(expired, v)
		}
	}
	if len(expired) == 0 {
		return
	}
	gone := map[string]bool{}
	for _, v := range expired {
		for _, key := range v.keys() {
			if err := s.store.Delete(ctx, key); err != nil {
				s.log.WarnContext(ctx, "retired audio not deleted", "key", key, "err", err)
				return
			}
		}
		gone[v.ID] = true
	}
	m, err = s.updateManifest(ctx, id, func(m *Manifest) error {
		kept := m.Retired[:0]
		for _, v := range m.Retired {
			if !gone[v.ID] {
				kept = append(kept, v)
			}
		}
		m.Retired = kept
		return nil
	})
	if err == nil {
		s.afterChange(ctx, m)
	}
}

// Preview returns what will be spoken for an article, sentence by sentence,
// with the rule behind every change.
func (s *Service) Preview(ctx context.Context, sub Submission) (PreviewResult, error) {
	var doc text.Document
	if sub.ID != "" && sub.HTML == "" && sub.Text == "" && sub.URL == "" {
		d, err := s.Document(ctx, sub.ID)
		if err != nil {
			return PreviewResult{}, err
		}
		doc = d
		if sub.Feed == "" {
			if src, err := s.Source(ctx, sub.ID); err == nil {
				sub.Feed = src.Feed
			}
		}
	} else {
		sub.ID = ""
		p, err := s.prepare(ctx, sub)
		if err != nil {
			return PreviewResult{}, err
		}
		doc = p.doc
	}
	rules, err := s.rulesFor(ctx, sub.Feed)
	if err != nil {
		return PreviewResult{}, err
	}
	opts := s.pipeline.normalize
	opts.Lexicon, opts.Feed = rules, sub.Feed
	norm := text.NewNormalizer(opts)
	return PreviewResult{Title: doc.Title, Blocks: doc.Blocks, Sentences: norm.Preview(doc)}, nil
}

// PreviewResult is the editor's "what will be spoken" view.
type PreviewResult struct {
	Title     string                 `json:"title"`
	Blocks    []text.Block           `json:"blocks"`
	Sentences []text.PreviewSentence `json:"sentences"`
}

// ListenEvent counts an anonymous player event (load, play, 25/50/75/100%).
func (s *Service) ListenEvent(ctx context.Context, id, event string) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	switch event {
	case "load", "play", "25", "50", "75", "100":
	default:
		return invalid(fmt.Sprintf("unknown player event %q", event))
	}
	if _, err := s.manifest(ctx, id); err != nil {
		return err
	}
	s.stats.add(id, event)
	return nil
}

// Listens returns the counted player events of an article.
func (s *Service) Listens(ctx context.Context, id string) (map[string]int, error) {
	return s.stats.get(ctx, id)
}

// Voices lists the configured voices and their status.
func (s *Service) Voices(ctx context.Context) []tts.VoiceStatus { return s.voices.Voices(ctx) }
