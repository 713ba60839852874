package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage"
)

// Job is a durable synthesis request: jobs/<article>/<revision>.json. One
// object per revision means a newer request never overwrites an older one
// that a worker is finishing, and a finished job deletes only itself.
//
// Nodes coordinate through conditional writes on the job object: a worker
// owns a job while its lease is fresh, renews it while working, and any node
// may take a job whose lease expired.
type Job struct {
	ArticleID  string    `json:"article_id"`
	Revision   int       `json:"revision"`
	Owner      string    `json:"owner,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
	NotBefore  time.Time `json:"not_before,omitzero"` // retry back-off
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func revisionJobKey(id string, revision int) string {
	return jobsPrefix + id + "/" + strconv.Itoa(revision) + ".json"
}

const jobsPrefix = "jobs/"

// jobRef is a job found by listing, before it is read.
type jobRef struct {
	key      string
	article  string
	revision int
	modified time.Time
}

func parseJobKey(info storage.Info) (jobRef, bool) {
	rest, ok := strings.CutPrefix(info.Key, jobsPrefix)
	if !ok {
		return jobRef{}, false
	}
	id, rev, ok := strings.Cut(strings.TrimSuffix(rest, ".json"), "/")
	if !ok {
		return jobRef{}, false
	}
	n, err := strconv.Atoi(rev)
	if err != nil {
		return jobRef{}, false
	}
	return jobRef{key: info.Key, article: id, revision: n, modified: info.ModTime}, true
}

// queue is the store-backed job list shared by every node.
type queue struct {
	store storage.Store
	node  string
	lease time.Duration
	now   func() time.Time
}

// enqueue records a request to synthesize revision of article id.
func (q *queue) enqueue(ctx context.Context, id string, revision int) error {
	j := Job{ArticleID: id, Revision: revision, CreatedAt: q.now().UTC()}
	_, err := storage.PutJSON(ctx, q.store, revisionJobKey(id, revision), j, storage.PutOptions{ContentType: "application/json", IfNoneMatch: true})
	if errors.Is(err, storage.ErrConflict) {
		return nil // already queued: the request is idempotent
	}
	if err != nil {
		return fmt.Errorf("queue job %s@%d: %w", id, revision, err)
	}
	return nil
}

// pending lists jobs oldest first, keeping only the newest revision of each
// article; older revisions are returned separately as obsolete.
func (q *queue) pending(ctx context.Context) (current, obsolete []jobRef, err error) {
	infos, err := storage.ListAll(ctx, q.store, jobsPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("list jobs: %w", err)
	}
	newest := map[string]jobRef{}
	for _, info := range infos {
		ref, ok := parseJobKey(info)
		if !ok {
			continue
		}
		if cur, seen := newest[ref.article]; seen {
			if cur.revision > ref.revision {
				obsolete = append(obsolete, ref)
				continue
			}
			obsolete = append(obsolete, cur)
		}
		newest[ref.article] = ref
	}
	for _, r := range newest {
		current = append(current, r)
	}
	sort.Slice(current, func(i, j int) bool {
		if !current[i].modified.Equal(current[j].modified) {
			return current[i].modified.Before(current[j].modified)
		}
		return current[i].key < current[j].key
	})
	return current, obsolete, nil
}

// claimed is a job this node holds, with the ETag of its last write.
type claimed struct {
	Job
	key  string
	etag string
}

// claim takes the job if nobody holds a fresh lease on it. It returns
// (nil, nil) when the job is taken, backing off, or gone.
func (q *queue) claim(ctx context.Context, ref jobRef) (*claimed, error) {
	data, info, err := storage.GetBytes(ctx, q.store, ref.key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s: %w", ref.key, err)
	}
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("decode job %s: %w", ref.key, err)
	}
	now := q.now()
	if j.Owner != "" && j.Owner != q.node && now.Before(j.LeaseUntil) {
		return nil, nil
	}
	if now.Before(j.NotBefore) {
		return nil, nil
	}
	j.Owner = q.node
	j.LeaseUntil = now.Add(q.lease)
	j.Attempts++
	out, err := storage.PutJSON(ctx, q.store, ref.key, j, storage.PutOptions{ContentType: "application/json", IfMatch: info.ETag})
	if errors.Is(err, storage.ErrConflict) {
		return nil, nil // another node was faster
	}
	if err != nil {
		return nil, fmt.Errorf("claim job %s: %w", ref.key, err)
	}
	return &claimed{Job: j, key: ref.key, etag: out.ETag}, nil
}

// errLeaseLost means another node took the job over; stop working on it.
var errLeaseLost = errors.New("job lease lost")

// renew extends the lease; it fails with errLeaseLost when the job changed
// hands or disappeared.
func (q *queue) renew(ctx context.Context, c *claimed) error {
	j := c.Job
	j.LeaseUntil = q.now().Add(q.lease)
	out, err := storage.PutJSON(ctx, q.store, c.key, j, storage.PutOptions{ContentType: "application/json", IfMatch: c.etag})
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return errLeaseLost
	}
	if err != nil {
		return fmt.Errorf("renew lease on %s: %w", c.key, err)
	}
	// Only the lease changes: the worker reads the job's other fields
	// concurrently.
	c.LeaseUntil, c.etag = j.LeaseUntil, out.ETag
	return nil
}

// release gives the job back to the queue, optionally not before a time.
func (q *queue) release(ctx context.Context, c *claimed, notBefore time.Time, lastErr string) error {
	j := c.Job
	j.Owner, j.LeaseUntil, j.NotBefore, j.LastError = "", time.Time{}, notBefore, lastErr
	_, err := storage.PutJSON(ctx, q.store, c.key, j, storage.PutOptions{ContentType: "application/json", IfMatch: c.etag})
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return nil // someone else has it now
	}
	if err != nil {
		return fmt.Errorf("release job %s: %w", c.key, err)
	}
	return nil
}

// finish removes a completed job, but only while this node still holds it.
func (q *queue) finish(ctx context.Context, c *claimed) error {
	if err := q.renew(ctx, c); err != nil {
		return err
	}
	if err := q.store.Delete(ctx, c.key); err != nil {
		return fmt.Errorf("delete finished job %s: %w", c.key, err)
	}
	return nil
}

// drop deletes jobs for revisions that newer requests replaced.
func (q *queue) drop(ctx context.Context, refs []jobRef) {
	for _, r := range refs {
		_ = q.store.Delete(ctx, r.key)
	}
}

// cancelAll removes every queued revision of an article (article deleted).
func (q *queue) cancelAll(ctx context.Context, id string) error {
	infos, err := storage.ListAll(ctx, q.store, jobsPrefix+id+"/")
	if err != nil {
		return fmt.Errorf("list jobs of %s: %w", id, err)
	}
	for _, info := range infos {
		if err := q.store.Delete(ctx, info.Key); err != nil {
			return fmt.Errorf("delete job %s: %w", info.Key, err)
		}
	}
	return nil
}
