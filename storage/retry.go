package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// RetryConfig tunes WithRetry. Zero values mean the documented defaults.
type RetryConfig struct {
	// Attempts is how many times one operation is tried; 0 = 6.
	Attempts int
	// InitialBackoff is the wait after the first failure, doubled after
	// each further one (with jitter); 0 = 100ms.
	InitialBackoff time.Duration
	// MaxBackoff caps one wait; 0 = 5s.
	MaxBackoff time.Duration
	// Logger receives one warning per retry; nil = slog.Default().
	Logger *slog.Logger
}

func (c RetryConfig) withDefaults() RetryConfig {
	if c.Attempts <= 0 {
		c.Attempts = 6
	}
	if c.InitialBackoff <= 0 {
		c.InitialBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// WithRetry wraps s so operations failing with ErrUnavailable (server down,
// connection reset, 5xx) are retried with backoff. Other errors, including
// ErrConflict and ErrNotFound, return at once. Put is retried only when its
// body is an io.Seeker (PutBytes and PutJSON always are). A download cut
// short resumes with a ranged Get, provided the object's ETag is unchanged.
// The result still implements URLSigner when s does.
//
// A conditional put whose first attempt was lost in transit may have been
// applied anyway; when a retry then reports ErrConflict, the wrapper reads
// the object back and reports success if it holds exactly the bytes sent.
func WithRetry(s Store, cfg RetryConfig) Store {
	r := &retryStore{inner: s, cfg: cfg.withDefaults()}
	if signer, ok := s.(URLSigner); ok {
		return &retrySigningStore{retryStore: r, signer: signer}
	}
	return r
}

type retryStore struct {
	inner Store
	cfg   RetryConfig
}

type retrySigningStore struct {
	*retryStore
	signer URLSigner
}

func (r *retrySigningStore) SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error) {
	var url string
	err := r.do(ctx, "sign url", key, func() (err error) {
		url, err = r.signer.SignedURL(ctx, key, expiry)
		return err
	})
	return url, err
}

// Unwrap returns the wrapped store.
func (r *retryStore) Unwrap() Store { return r.inner }

// do runs op until it succeeds, fails with something other than
// ErrUnavailable, runs out of attempts or ctx ends.
func (r *retryStore) do(ctx context.Context, what, key string, op func() error) error {
	backoff := r.cfg.InitialBackoff
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !errors.Is(err, ErrUnavailable) || attempt >= r.cfg.Attempts {
			return err
		}
		r.cfg.Logger.WarnContext(ctx, "storage unavailable, retrying", "op", what, "key", key, "attempt", attempt, "err", err)
		if serr := sleepJitter(ctx, backoff); serr != nil {
			return fmt.Errorf("%w (retry abandoned: %w)", err, serr)
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
}

func (r *retryStore) Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (Info, error) {
	seeker, seekable := body.(io.ReadSeeker)
	if !seekable {
		return r.inner.Put(ctx, key, body, size, opts)
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return r.inner.Put(ctx, key, body, size, opts)
	}
	var (
		info      Info
		uncertain bool // an earlier attempt may have been applied
	)
	err = r.do(ctx, "put", key, func() error {
		if _, err := seeker.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("put %s: rewind body: %w", key, err)
		}
		var err error
		info, err = r.inner.Put(ctx, key, seeker, size, opts)
		if errors.Is(err, ErrUnavailable) {
			uncertain = true
		}
		return err
	})
	conditional := opts.IfNoneMatch || opts.IfMatch != ""
	if uncertain && conditional && errors.Is(err, ErrConflict) {
		if cur, same := r.holds(ctx, key, seeker, start, size); same {
			return cur, nil
		}
	}
	return info, err
}

// holds reports whether key currently stores exactly the body's bytes.
func (r *retryStore) holds(ctx context.Context, key string, body io.ReadSeeker, start, size int64) (Info, bool) {
	if _, err := body.Seek(start, io.SeekStart); err != nil {
		return Info{}, false
	}
	rc, info, err := r.inner.Get(ctx, key, nil)
	if err != nil {
		return Info{}, false
	}
	defer rc.Close()
	if size >= 0 && info.Size != size {
		return Info{}, false
	}
	want := io.Reader(body)
	if size >= 0 {
		want = io.LimitReader(body, size)
	}
	same, err := sameBytes(rc, want)
	return info, err == nil && same
}

func sameBytes(a, b io.Reader) (bool, error) {
	bufA, bufB := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		na, errA := io.ReadFull(a, bufA)
		nb, errB := io.ReadFull(b, bufB)
		if !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		endA := errors.Is(errA, io.EOF) || errors.Is(errA, io.ErrUnexpectedEOF)
		endB := errors.Is(errB, io.EOF) || errors.Is(errB, io.ErrUnexpectedEOF)
		switch {
		case errA != nil && !endA:
			return false, errA
		case errB != nil && !endB:
			return false, errB
		case endA || endB:
			return endA == endB, nil
		}
	}
}

func (r *retryStore) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	var (
		rc   io.ReadCloser
		info Info
	)
	err := r.do(ctx, "get", key, func() (err error) {
		rc, info, err = r.inner.Get(ctx, key, rng)
		return err
	})
	if err != nil {
		return nil, Info{}, err
	}
	if _, ok := rc.(io.Seeker); ok {
		return rc, info, nil // a local file: nothing to resume, keep it seekable
	}
	want := Range{Length: -1}
	if rng != nil {
		want = *rng
	}
	off, n := clampRange(want, info.Size)
	return &resumingReader{r: r, ctx: ctx, key: key, etag: info.ETag, body: rc, next: off, left: n}, info, nil
}

// resumingReader continues a download cut short by an outage with a ranged
// Get from the first byte not yet delivered.
type resumingReader struct {
	r    *retryStore
	ctx  context.Context //nolint:containedctx // a reader has no other way to carry the caller's context into resumed fetches
	key  string
	etag string
	body io.ReadCloser
	next int64 // object offset of the next byte
	left int64 // bytes still to deliver
}

func (rr *resumingReader) Read(p []byte) (int, error) {
	if rr.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > rr.left {
		p = p[:rr.left]
	}
	n, err := rr.body.Read(p)
	rr.next += int64(n)
	rr.left -= int64(n)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF):
		if rr.left > 0 {
			return n, fmt.Errorf("read %s: %w: object ended %d bytes early", rr.key, ErrConflict, rr.left)
		}
		return n, io.EOF
	case !errors.Is(err, ErrUnavailable):
		return n, err
	}
	rr.body.Close()
	rerr := rr.r.do(rr.ctx, "resume get", rr.key, func() error {
		body, info, gerr := rr.r.inner.Get(rr.ctx, rr.key, &Range{Offset: rr.next, Length: rr.left})
		if gerr != nil {
			return gerr
		}
		if info.ETag != rr.etag {
			body.Close()
			return fmt.Errorf("resume %s: %w: object changed while being read", rr.key, ErrConflict)
		}
		rr.body = body
		return nil
	})
	if rerr != nil {
		rr.body = io.NopCloser(bytes.NewReader(nil))
		return n, fmt.Errorf("%w (resume failed: %w)", err, rerr)
	}
	return n, nil
}

func (rr *resumingReader) Close() error { return rr.body.Close() }

func (r *retryStore) Stat(ctx context.Context, key string) (Info, error) {
	var info Info
	err := r.do(ctx, "stat", key, func() (err error) {
		info, err = r.inner.Stat(ctx, key)
		return err
	})
	return info, err
}

func (r *retryStore) List(ctx context.Context, prefix string, opts ListOptions) (ListPage, error) {
	var page ListPage
	err := r.do(ctx, "list", prefix, func() (err error) {
		page, err = r.inner.List(ctx, prefix, opts)
		return err
	})
	return page, err
}

func (r *retryStore) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func() error { return r.inner.Delete(ctx, key) })
}
