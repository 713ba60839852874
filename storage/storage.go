// The package documentation, with the configuration table, is in doc.go.

package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Sentinels callers test with errors.Is. Implementations wrap them with what
// they were doing, e.g. fmt.Errorf("get %s: %w", key, ErrNotFound).
var (
	ErrNotFound    = errors.New("storage: object not found")
	ErrConflict    = errors.New("storage: precondition failed")
	ErrInvalidKey  = errors.New("storage: invalid key")
	ErrUnavailable = errors.New("storage: store unavailable")
	// ErrInvalidArgument reports bad options or input other than the key: a
	// negative range offset, a content type with control characters, a body
	// shorter than the size given to Put.
	ErrInvalidArgument = errors.New("storage: invalid argument")
)

// Info describes one stored object.
type Info struct {
	Key         string
	Size        int64
	ETag        string // changes whenever the content changes; opaque, unquoted
	ModTime     time.Time
	ContentType string
	// CacheControl is the value given at Put; listings may leave it empty.
	CacheControl string
}

// PutOptions: zero values mean "unconditional put, no content type". An
// object stored without a content type reads back as
// "application/octet-stream" on every store, because S3 servers assign it.
type PutOptions struct {
	ContentType  string
	CacheControl string
	// IfNoneMatch makes the put create-only: it fails with ErrConflict when
	// the key already exists (S3 If-None-Match: *).
	IfNoneMatch bool
	// IfMatch, when set, replaces the object only if its current ETag equals
	// this value; otherwise (or when the object is missing) ErrConflict.
	IfMatch string
	// Disposable marks an object Loa can do without after a crash: a cache
	// it rebuilds from other objects, or a file of work in progress that
	// the job rewrites when it runs again. The local store then does not
	// wait for it to reach the disk; S3 stores every object alike.
	Disposable bool
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

// ListPage is one page of a prefix listing, sorted by key (byte order). Next
// is the StartAfter value for the following page, "" when there is none.
// Items carry Key, Size, ETag and ModTime; ContentType and CacheControl may
// be empty because S3 listings do not include them.
type ListPage struct {
	Items []Info
	Next  string
}

// Store is the small interface every backend implements. Put is atomic:
// readers see the old or the new object, never part of one. Put reads
// exactly size bytes from r (size < 0: until EOF); a shorter body fails with
// ErrInvalidArgument and stores nothing. Offsets past the end of an object
// read as empty, like reading a file at EOF.
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

// FileOpener is the optional capability of stores whose objects are local
// files: serving an *os.File lets the kernel copy it to the socket
// (sendfile) instead of reading it through user space.
type FileOpener interface {
	OpenFile(ctx context.Context, key string) (*os.File, Info, error)
}

// URLSigner is the optional capability of handing out a time-limited direct
// URL for an object (S3 presigned GET), so audio can bypass the node.
type URLSigner interface {
	SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error)
}
