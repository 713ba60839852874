// Package storage is Loa's system of record: every article source, manifest,
// audio file, timing file, cached segment, job and lexicon is an object in a
// Store. One machine uses a local folder; a cluster shares one S3 bucket.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinels callers test with errors.Is. Implementations wrap them with what
// they were doing, e.g. fmt.Errorf("get %s: %w", key, ErrNotFound).
var (
	ErrNotFound    = errors.New("storage: object not found")
	ErrConflict    = errors.New("storage: precondition failed")
	ErrInvalidKey  = errors.New("storage: invalid key")
	ErrUnavailable = errors.New("storage: store unavailable")
)

// Info describes one stored object.
type Info struct {
	Key         string
	Size        int64
	ETag        string // changes whenever the content changes; opaque
	ModTime     time.Time
	ContentType string
}

// PutOptions: zero values mean "unconditional put, no content type".
type PutOptions struct {
	ContentType  string
	CacheControl string
	// IfNoneMatch makes the put create-only: it fails with ErrConflict when
	// the key already exists (S3 If-None-Match: *).
	IfNoneMatch bool
	// IfMatch, when set, replaces the object only if its current ETag equals
	// this value; otherwise (or when the object is missing) ErrConflict.
	IfMatch string
}

// Range selects bytes [Offset, Offset+Length) of an object; Length < 0 means
// "to the end".
type Range struct {
	Offset int64
	Length int64
}

// ListOptions: Limit 0 means the implementation's default page size.
type ListOptions struct {
	StartAfter string
	Limit      int
}

// ListPage is one page of a prefix listing, sorted by key. Next is the
// StartAfter value for the following page, "" when there is none.
type ListPage struct {
	Items []Info
	Next  string
}

// Store is the small interface every backend implements. Put is atomic:
// readers see the old or the new object, never part of one.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Get returns the object's bytes (all of them when rng is nil) and the
	// Info of the whole object. A missing key is ErrNotFound before any read.
	Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error)
	Stat(ctx context.Context, key string) (Info, error)
	List(ctx context.Context, prefix string, opts ListOptions) (ListPage, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// URLSigner is the optional capability of handing out a time-limited direct
// URL for an object (S3 presigned GET), so audio can bypass the node.
type URLSigner interface {
	SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error)
}
