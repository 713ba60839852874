package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"time"
)

// PutBytes stores data under key. The body is seekable, so WithRetry can
// resend it.
func PutBytes(ctx context.Context, s Store, key string, data []byte, opts PutOptions) (Info, error) {
	return s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), opts)
}

// GetBytes reads a whole object into memory; meant for small objects
// (manifests, jobs, timings), not audio.
func GetBytes(ctx context.Context, s Store, key string) ([]byte, Info, error) {
	rc, info, err := s.Get(ctx, key, nil)
	if err != nil {
		return nil, Info{}, err
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, max(info.Size, 0)))
	if _, err := io.Copy(buf, rc); err != nil {
		return nil, Info{}, fmt.Errorf("read %s: %w", key, err)
	}
	return buf.Bytes(), info, nil
}

// JSONContentType is what PutJSON stores unless opts names another type.
const JSONContentType = "application/json"

// PutJSON stores v as JSON.
func PutJSON(ctx context.Context, s Store, key string, v any, opts PutOptions) (Info, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: encode json: %w", key, err)
	}
	if opts.ContentType == "" {
		opts.ContentType = JSONContentType
	}
	return PutBytes(ctx, s, key, data, opts)
}

// GetJSON decodes the JSON object at key into v.
func GetJSON(ctx context.Context, s Store, key string, v any) (Info, error) {
	data, info, err := GetBytes(ctx, s, key)
	if err != nil {
		return Info{}, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return Info{}, fmt.Errorf("get %s: decode json: %w", key, err)
	}
	return info, nil
}

// Exists reports whether key holds an object.
func Exists(ctx context.Context, s Store, key string) (bool, error) {
	_, err := s.Stat(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}

// Objects iterates over every object under prefix in key order, fetching
// pages as it goes. It stops at the first error, which it yields.
func Objects(ctx context.Context, s Store, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		opts := ListOptions{}
		for {
			page, err := s.List(ctx, prefix, opts)
			if err != nil {
				yield(Info{}, err)
				return
			}
			for _, it := range page.Items {
				if !yield(it, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			opts.StartAfter = page.Next
		}
	}
}

// ListAll returns every object under prefix in key order.
func ListAll(ctx context.Context, s Store, prefix string) ([]Info, error) {
	var all []Info
	for it, err := range Objects(ctx, s, prefix) {
		if err != nil {
			return nil, err
		}
		all = append(all, it)
	}
	return all, nil
}

// maxUpdateAttempts bounds Update's compare-and-swap loop; with the
// backoff below it rides out dozens of writers racing on one key.
const maxUpdateAttempts = 64

// Update applies fn to the current content of key and writes the result
// only if nobody wrote in between (If-Match the ETag it read, or
// If-None-Match when the key was absent), retrying from a fresh read on
// ErrConflict. fn may run several times and must not have side effects
// beyond computing the new content; its error ends the loop and is returned
// wrapped. Returning the current bytes unchanged skips the write. The
// object's content type and cache control are kept.
func Update(ctx context.Context, s Store, key string, fn func(cur []byte, exists bool) ([]byte, error)) (Info, error) {
	backoff := 2 * time.Millisecond
	for range maxUpdateAttempts {
		cur, info, err := GetBytes(ctx, s, key)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Info{}, fmt.Errorf("update %s: %w", key, err)
		}
		next, err := fn(cur, exists)
		if err != nil {
			return Info{}, fmt.Errorf("update %s: %w", key, err)
		}
		if exists && bytes.Equal(next, cur) {
			return info, nil
		}
		opts := PutOptions{IfNoneMatch: !exists}
		if exists {
			opts.IfMatch = info.ETag
			opts.ContentType = info.ContentType
			opts.CacheControl = info.CacheControl
		}
		out, err := PutBytes(ctx, s, key, next, opts)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrConflict) {
			return Info{}, fmt.Errorf("update %s: %w", key, err)
		}
		if err := sleepJitter(ctx, backoff); err != nil {
			return Info{}, fmt.Errorf("update %s: %w", key, err)
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
	return Info{}, fmt.Errorf("update %s: gave up after %d conflicting writes: %w", key, maxUpdateAttempts, ErrConflict)
}

// sleepJitter waits a random time in [d/2, d], or until ctx ends.
func sleepJitter(ctx context.Context, d time.Duration) error {
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PresignedURL returns a direct, time-limited URL for key when s can sign
// one (S3, also through WithRetry); ok is false for stores that cannot, so
// the caller serves the bytes itself.
func PresignedURL(ctx context.Context, s Store, key string, expiry time.Duration) (url string, ok bool, err error) {
	signer, ok := s.(URLSigner)
	if !ok {
		return "", false, nil
	}
	url, err = signer.SignedURL(ctx, key, expiry)
	return url, true, err
}
