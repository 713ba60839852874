package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage"
)

// outage wraps a real store and makes its next failures calls fail with
// ErrUnavailable. With applyPut set, a failing Put still reaches the store
// first, like a request whose answer was lost on the way back.
type outage struct {
	storage.Store
	failures atomic.Int64
	applyPut bool
	calls    atomic.Int64
}

func (o *outage) fail() error {
	o.calls.Add(1)
	if o.failures.Add(-1) >= 0 {
		return fmt.Errorf("injected: %w", storage.ErrUnavailable)
	}
	return nil
}

func (o *outage) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.Info, error) {
	if err := o.fail(); err != nil {
		if o.applyPut {
			o.Store.Put(ctx, key, r, size, opts)
		}
		return storage.Info{}, err
	}
	return o.Store.Put(ctx, key, r, size, opts)
}

func (o *outage) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := o.fail(); err != nil {
		return storage.Info{}, err
	}
	return o.Store.Stat(ctx, key)
}

func quickRetry(t *testing.T) storage.RetryConfig {
	return storage.RetryConfig{Attempts: 5, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}
}

func TestRetryRidesOutFailures(t *testing.T) {
	o := &outage{Store: newLocal(t)}
	s := storage.WithRetry(o, quickRetry(t))
	ctx := t.Context()
	o.failures.Store(3)
	if _, err := storage.PutBytes(ctx, s, "k", []byte("data"), storage.PutOptions{}); err != nil {
		t.Fatalf("put after 3 failures: %v", err)
	}
	if got := o.calls.Load(); got != 4 {
		t.Errorf("put took %d calls, want 4", got)
	}
	o.calls.Store(0)
	o.failures.Store(10)
	_, err := s.Stat(ctx, "k")
	if !errors.Is(err, storage.ErrUnavailable) || o.calls.Load() != 5 {
		t.Errorf("stat through a long outage: %v after %d calls; want ErrUnavailable after 5", err, o.calls.Load())
	}
	o.calls.Store(0)
	o.failures.Store(0)
	if _, err := s.Stat(ctx, "missing"); !errors.Is(err, storage.ErrNotFound) || o.calls.Load() != 1 {
		t.Errorf("not-found: %v after %d calls; want one call", err, o.calls.Load())
	}
}

func TestRetryDoesNotResendStreams(t *testing.T) {
	o := &outage{Store: newLocal(t)}
	s := storage.WithRetry(o, quickRetry(t))
	o.failures.Store(1)
	_, err := s.Put(t.Context(), "k", onlyReader{bytes.NewReader([]byte("x"))}, 1, storage.PutOptions{})
	if !errors.Is(err, storage.ErrUnavailable) || o.calls.Load() != 1 {
		t.Errorf("streamed body: %v after %d calls; want one call and ErrUnavailable", err, o.calls.Load())
	}
}

type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestRetryResolvesLostConditionalPut: the first conditional put is applied
// but its answer is lost; the retry then meets its own write.
func TestRetryResolvesLostConditionalPut(t *testing.T) {
	o := &outage{Store: newLocal(t), applyPut: true}
	s := storage.WithRetry(o, quickRetry(t))
	ctx := t.Context()
	o.failures.Store(1)
	info, err := storage.PutBytes(ctx, s, "lease", []byte("node-1"), storage.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatalf("create whose answer was lost: %v, want success", err)
	}
	if info.Size != 6 || info.ETag == "" {
		t.Errorf("info = %+v", info)
	}
	// Somebody else's lease is a real conflict.
	o.failures.Store(1)
	_, err = storage.PutBytes(ctx, s, "lease", []byte("node-2"), storage.PutOptions{IfNoneMatch: true})
	if !errors.Is(err, storage.ErrConflict) {
		t.Errorf("create over another node's lease: %v, want ErrConflict", err)
	}
	// An If-Match update whose answer was lost.
	o.failures.Store(1)
	if _, err := storage.PutBytes(ctx, s, "lease", []byte("node-1 renewed"), storage.PutOptions{IfMatch: info.ETag}); err != nil {
		t.Errorf("update whose answer was lost: %v, want success", err)
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	o := &outage{Store: newLocal(t)}
	s := storage.WithRetry(o, storage.RetryConfig{Attempts: 100, InitialBackoff: time.Second, MaxBackoff: time.Second})
	o.failures.Store(100)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Stat(ctx, "k")
	if !errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to notice the context", d)
	}
}

func TestPresignedURLOnLocal(t *testing.T) {
	s := storage.WithRetry(newLocal(t), storage.RetryConfig{})
	if _, ok := s.(storage.URLSigner); ok {
		t.Error("a wrapped local store claims to sign URLs")
	}
	if _, ok, err := storage.PresignedURL(t.Context(), s, "k", time.Minute); ok || err != nil {
		t.Errorf("PresignedURL on local = %v, %v; want not ok", ok, err)
	}
}
