package synth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
)

// collector runs the collection jobs: retired versions, strays and unused
// segments.
type collector struct {
	*core
}

// collectJob deletes retired versions: those of one article at once (its
// takedown), or of every article once the grace period has passed. Then it
// deletes the segments no version uses any more, and, on the periodic run,
// settles staged sources and deletes stored segments no version has used
// for the grace period.
func (s *collector) collectJob(ctx context.Context, articleID string, retiredBy time.Time) error {
	now := s.now().UTC()
	cutoff := now.Add(-s.cfg.GCGrace)
	if articleID != "" {
		// A takedown does not wait, and leaves alone the versions of an
		// article created again under the id (recorded retired while
		// they are rendered).
		cutoff = now
		if !retiredBy.IsZero() {
			cutoff = retiredBy.Add(time.Microsecond)
		}
	}
	for {
		vs, err := s.db.Conn().Collectable(ctx, articleID, cutoff, now.Add(-time.Hour), 100)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			break
		}
		for _, v := range vs {
			if err := s.collectVersion(ctx, v, now); err != nil {
				return err
			}
		}
	}
	if articleID != "" {
		return nil
	}
	if err := s.failLostJobs(ctx); err != nil {
		return err
	}
	if err := s.settleStagedSources(ctx, now.Add(-s.cfg.Lease), s.cfg.GCSweep); err != nil {
		return err
	}
	// Objects a job may still be writing are left alone: a job runs at
	// most Lease.
	stray := now.Add(-max(s.cfg.GCGrace, s.cfg.Lease))
	if err := s.collectStrays(ctx, stray); err != nil {
		return err
	}
	return s.collectSegments(ctx, stray)
}

// sweep hands check the objects under prefix a page at a time, from
// where the previous run stopped, until it has listed GCSweep of them or
// reached the end; the run after the end starts again at the beginning.
// Its position is kept in the database, so no run lists, holds or checks
// the whole archive. What the sweeps find are rare leftovers (a version is
// recorded before any of its objects is written, so stray audio takes a
// job stopped at a bad moment; segments no version uses come from jobs
// superseded or killed before publishing): they may wait for the sweep to
// come round. Retired versions and takedowns are found through the
// catalog (collectVersion) and do not wait for it.
func (s *collector) sweep(ctx context.Context, prefix string, check func(ctx context.Context, page []storage.Info) error) error {
	after, err := s.db.Conn().SweepPosition(ctx, prefix)
	if err != nil {
		return err
	}
	for left := s.cfg.GCSweep; left > 0; {
		limit := min(left, storage.MaxListLimit)
		page, err := s.store.List(ctx, prefix, storage.ListOptions{StartAfter: after, Limit: limit})
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		if err := check(ctx, page.Items); err != nil {
			return err
		}
		left -= limit
		if after = page.Next; after == "" {
			break
		}
	}
	return s.db.Conn().SetSweepPosition(ctx, prefix, after)
}

// collectStrays deletes audio objects older than cutoff that no version
// row names: left by a job that stopped between writing them and
// recording or publishing their version.
func (s *collector) collectStrays(ctx context.Context, cutoff time.Time) error {
	return s.sweep(ctx, "audio/", func(ctx context.Context, page []storage.Info) error {
		owner := map[string]sqldb.VersionKey{}
		var versions []sqldb.VersionKey
		for _, info := range page {
			if !info.ModTime.Before(cutoff) {
				continue
			}
			rest := strings.TrimPrefix(info.Key, "audio/")
			id, file, ok := strings.Cut(rest, "/")
			if !ok {
				continue
			}
			version, _, _ := strings.Cut(file, ".")
			k := sqldb.VersionKey{ArticleID: id, ID: version}
			owner[info.Key] = k
			versions = append(versions, k)
		}
		if len(versions) == 0 {
			return nil
		}
		exists, err := s.db.Conn().ExistingVersions(ctx, versions)
		if err != nil {
			return err
		}
		for _, info := range page {
			if k, old := owner[info.Key]; !old || exists[k] {
				continue
			}
			if err := s.store.Delete(ctx, info.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("delete stray %s: %w", info.Key, err)
			}
		}
		return nil
	})
}

// collectVersion deletes one retired version's objects and the segments
// only it used. It is marked first, so that a publish of the same content
// meanwhile waits instead of naming objects about to disappear.
func (s *collector) collectVersion(ctx context.Context, row sqldb.VersionRow, now time.Time) error {
	ok, err := s.db.Conn().StartCollecting(ctx, row.ArticleID, row.ID, now)
	if err != nil || !ok {
		return err
	}
	for _, key := range versionFromRow(row).Keys() {
		if err := s.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("delete retired %s: %w", key, err)
		}
	}
	hashes, err := s.db.Conn().VersionSegments(ctx, row.ArticleID, row.ID)
	if err != nil {
		return err
	}
	if err := s.db.InTx(ctx, func(tx sqldb.Conn) error { return tx.FinishCollecting(ctx, row.ArticleID, row.ID) }); err != nil {
		return err
	}
	unused, err := s.db.Conn().UnusedSegments(ctx, hashes)
	if err != nil {
		return err
	}
	return s.deleteSegments(ctx, unused)
}

func (s *collector) deleteSegments(ctx context.Context, hashes []string) error {
	for _, h := range hashes {
		// The commit marker goes first: a half-deleted segment reads as
		// absent and is synthesized again.
		for _, key := range []string{segmentMetaKey(h), segmentKey(h)} {
			if err := s.store.Delete(ctx, key); err != nil {
				return fmt.Errorf("delete segment %s: %w", key, err)
			}
		}
	}
	return nil
}

// collectSegments deletes stored segments older than cutoff that no
// version uses.
func (s *collector) collectSegments(ctx context.Context, cutoff time.Time) error {
	return s.sweep(ctx, "segments/", func(ctx context.Context, page []storage.Info) error {
		var old []string
		for _, info := range page {
			name, ok := strings.CutSuffix(info.Key, ".mp3")
			if !ok || !info.ModTime.Before(cutoff) {
				continue
			}
			old = append(old, name[strings.LastIndex(name, "/")+1:])
		}
		if len(old) == 0 {
			return nil
		}
		unused, err := s.db.Conn().UnusedSegments(ctx, old)
		if err != nil {
			return err
		}
		return s.deleteSegments(ctx, unused)
	})
}

// failLostJobs marks failed the articles whose synthesis job River ended
// without them. The worker fails an article itself when an attempt ends,
// but a node that dies during the last attempt cannot: River's rescuer then
// discards the job, and the article would say "queued" for ever.
func (s *collector) failLostJobs(ctx context.Context) error {
	lost, err := s.db.Conn().LostJobs(ctx, 100)
	if err != nil {
		return err
	}
	for _, l := range lost {
		s.log.WarnContext(ctx, "article fails: its job was lost", "article", l.ArticleID, "revision", l.Revision, "job_state", l.JobState)
		s.fail(ctx, synthesizeArgs{ArticleID: l.ArticleID, GUID: l.GUID, Revision: l.Revision},
			fmt.Errorf("its synthesis job was %s after %d attempts (a node stopped during it); resynthesize to try again", l.JobState, l.Attempts))
	}
	return nil
}
