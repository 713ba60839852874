package storage

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// S3Store keeps objects in one bucket (optionally under a key prefix) of any
// S3-compatible service. It is the only code in Loa that talks to minio-go.
//
// Conditional puts send If-None-Match: * and If-Match: "ETag" on a single
// PUT (never a multipart upload, whose conditions versitygw 1.8.0 ignores);
// AWS S3, MinIO and versitygw honour both.
type S3Store struct {
	client   *minio.Client
	bucket   string
	prefix   string
	sse      encrypt.ServerSide
	partSize uint64
	// conditionalMultipart lets conditional puts larger than partSize use
	// multipart uploads; only tests of server behaviour turn it on.
	conditionalMultipart bool
}

var (
	_ Store     = (*S3Store)(nil)
	_ URLSigner = (*S3Store)(nil)
)

func openS3(ctx context.Context, c s3Config) (*S3Store, error) {
	var creds *credentials.Credentials
	if c.AccessKey != "" {
		creds = credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken)
	} else {
		profile := c.Profile
		if profile == "" {
			profile = "default"
		}
		creds = credentials.NewFileAWSCredentials(c.CredFile, profile)
		if _, err := creds.GetWithContext(&credentials.CredContext{Context: ctx}); err != nil {
			return nil, fmt.Errorf("%w: s3 store: credentials file %s, profile %s: %v", ErrInvalidArgument, c.CredFile, profile, err)
		}
	}
	lookup := minio.BucketLookupAuto
	if c.PathStyle != nil {
		lookup = minio.BucketLookupDNS
		if *c.PathStyle {
			lookup = minio.BucketLookupPath
		}
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds:        creds,
		Secure:       c.TLS,
		Region:       c.Region,
		BucketLookup: lookup,
		Transport:    c.Transport,
		MaxRetries:   c.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: s3 store: %v", ErrInvalidArgument, err)
	}
	s := &S3Store{client: client, bucket: c.Bucket, prefix: c.Prefix, partSize: uint64(c.PartSize)}
	switch {
	case c.SSE == "AES256":
		s.sse = encrypt.NewSSE()
	case strings.HasPrefix(c.SSE, "aws:kms"):
		s.sse, err = encrypt.NewSSEKMS(strings.TrimPrefix(strings.TrimPrefix(c.SSE, "aws:kms"), ":"), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: s3 store: sse: %v", ErrInvalidArgument, err)
		}
	}
	exists, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, s3Error("open bucket", c.Bucket, err)
	}
	if !exists {
		if !c.Create {
			return nil, fmt.Errorf("%w: s3 store: bucket %q does not exist at %s (add create=true to the store URL to create it)", ErrNotFound, c.Bucket, c.Endpoint)
		}
		err := client.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: c.Region})
		var er minio.ErrorResponse
		// Another node may create it at the same moment.
		if err != nil && !(errors.As(err, &er) && (er.Code == "BucketAlreadyOwnedByYou" || er.Code == "BucketAlreadyExists")) {
			return nil, s3Error("create bucket", c.Bucket, err)
		}
	}
	return s, nil
}

// Bucket is the store's bucket name.
func (s *S3Store) Bucket() string { return s.bucket }

func (s *S3Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("put: %w", err)
	}
	if err := validatePutOptions(opts); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	po := minio.PutObjectOptions{
		ContentType:          contentTypeOrDefault(opts.ContentType),
		CacheControl:         opts.CacheControl,
		ServerSideEncryption: s.sse,
		PartSize:             s.partSize,
	}
	if opts.IfNoneMatch {
		po.SetMatchETagExcept("*")
	}
	if opts.IfMatch != "" {
		po.SetMatchETag(opts.IfMatch)
	}
	conditional := opts.IfNoneMatch || opts.IfMatch != ""
	if conditional && !s.conditionalMultipart {
		// versitygw (1.8.0) ignores conditions on multipart uploads, so
		// conditional puts always go up as one PUT, which every server
		// checks. They are small coordination objects anyway.
		if size < 0 {
			var err error
			if r, size, err = bufferUpTo(r, int64(s.partSize)); err != nil {
				return Info{}, fmt.Errorf("put %s: %w", key, err)
			}
		}
		po.DisableMultipart = true
	}
	body := r
	seeker, seekable := r.(io.Seeker)
	if seekable && size >= 0 {
		if left, err := remaining(seeker); err == nil && left < size {
			return Info{}, fmt.Errorf("put %s: %w: body has %d of %d bytes", key, ErrInvalidArgument, left, size)
		}
	}
	// Seekable bodies of unconditional puts go to the client as they are,
	// so it can retry them. The others are counted (to tell a short body
	// from a network error) and, when conditional, hashed (see
	// resolveConditional); hiding the Seeker also stops the client from
	// resending a conditional put that may already have been applied.
	var counted *countingReader
	var sum hash.Hash
	if !seekable || size < 0 || conditional {
		counted = &countingReader{r: r}
		body = counted
	}
	if conditional {
		sum = md5.New()
		body = io.TeeReader(body, sum)
	}
	ui, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, body, size, po)
	if err != nil {
		if counted != nil && counted.eof && size >= 0 && counted.n < size {
			return Info{}, fmt.Errorf("put %s: %w: body ended after %d of %d bytes", key, ErrInvalidArgument, counted.n, size)
		}
		sentinel := s3Sentinel(err)
		if opts.IfMatch != "" && errors.Is(sentinel, ErrNotFound) {
			// S3 answers If-Match on a missing key with 404; to callers it
			// is the same lost race as a changed ETag.
			return Info{}, fmt.Errorf("put %s: %w: object does not exist (%w)", key, ErrConflict, err)
		}
		if conditional && errors.Is(sentinel, ErrUnavailable) && ctx.Err() == nil {
			if info, ok, rerr := s.resolveConditional(ctx, key, opts, hex.EncodeToString(sum.Sum(nil)), err); ok {
				return info, rerr
			}
		}
		return Info{}, s3Error("put", key, err)
	}
	mod := ui.LastModified
	if mod.IsZero() {
		mod = time.Now()
	}
	return Info{
		Key:          key,
		Size:         ui.Size,
		ETag:         ui.ETag,
		ModTime:      mod.UTC(),
		ContentType:  po.ContentType,
		CacheControl: opts.CacheControl,
	}, nil
}

// resolveConditional decides a conditional put whose connection failed.
// Some servers (versitygw) answer 412 before reading a large body and
// reset the connection, so the client sees a network error, not the 412.
// The object's state now tells: our bytes are there (the put landed: MD5
// ETag of a single PUT), or the precondition fails (the put did not land
// and could not), or neither (a real outage, left to the caller).
func (s *S3Store) resolveConditional(ctx context.Context, key string, opts PutOptions, ourMD5 string, putErr error) (Info, bool, error) {
	cur, err := s.Stat(ctx, key)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Info{}, false, nil
	}
	switch {
	case exists && cur.ETag == ourMD5:
		return cur, true, nil
	case opts.IfNoneMatch && exists:
		return Info{}, true, fmt.Errorf("put %s: %w: object exists (request failed: %w)", key, ErrConflict, putErr)
	case opts.IfMatch != "" && !exists:
		return Info{}, true, fmt.Errorf("put %s: %w: object does not exist (request failed: %w)", key, ErrConflict, putErr)
	case opts.IfMatch != "" && cur.ETag != opts.IfMatch:
		return Info{}, true, fmt.Errorf("put %s: %w: ETag is %s (request failed: %w)", key, ErrConflict, cur.ETag, putErr)
	}
	return Info{}, false, nil
}

// bufferUpTo reads all of r into memory, refusing bodies over limit.
func bufferUpTo(r io.Reader, limit int64) (io.Reader, int64, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, 0, fmt.Errorf("%w: a conditional put of unknown size must be at most %d bytes; pass the size", ErrInvalidArgument, limit)
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

func remaining(s io.Seeker) (int64, error) {
	cur, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	end, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := s.Seek(cur, io.SeekStart); err != nil {
		return 0, err
	}
	return end - cur, nil
}

type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if errors.Is(err, io.EOF) {
		c.eof = true
	}
	return n, err
}

// Get issues one GET (minio-go's Core API, not the lazy Object), so a
// missing key or a dead server is reported here, before any byte is read.
func (s *S3Store) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("get: %w", err)
	}
	if err := validateRange(rng); err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	if rng != nil && rng.Length == 0 {
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, Info{}, fmt.Errorf("get: %w", err)
		}
		return io.NopCloser(strings.NewReader("")), info, nil
	}
	var opts minio.GetObjectOptions
	ranged := rng != nil && (rng.Offset > 0 || rng.Length > 0)
	if ranged {
		end := int64(0) // "to the end" for a positive offset
		if rng.Length > 0 {
			end = rng.Offset + rng.Length - 1
		}
		if err := opts.SetRange(rng.Offset, end); err != nil {
			return nil, Info{}, fmt.Errorf("get %s: %w: %v", key, ErrInvalidArgument, err)
		}
	}
	body, oi, hdr, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, s.prefix+key, opts)
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "InvalidRange" && rng != nil {
			// The offset is at or past the end: read as empty, like a file.
			info, serr := s.Stat(ctx, key)
			if serr != nil {
				return nil, Info{}, fmt.Errorf("get: %w", serr)
			}
			if rng.Offset >= info.Size {
				return io.NopCloser(strings.NewReader("")), info, nil
			}
		}
		return nil, Info{}, s3Error("get", key, err)
	}
	info := s.info(key, oi, hdr)
	var rc io.ReadCloser = &s3Body{rc: body, key: key}
	if cr := hdr.Get("Content-Range"); cr != "" {
		total, perr := totalFromContentRange(cr)
		if perr != nil {
			rc.Close()
			return nil, Info{}, fmt.Errorf("get %s: %w", key, perr)
		}
		info.Size = total
	} else if ranged {
		// The server ignored Range and sent the whole object.
		off, n := clampRange(*rng, info.Size)
		if _, err := io.CopyN(io.Discard, rc, off); err != nil {
			rc.Close()
			return nil, Info{}, fmt.Errorf("get %s: skip to offset: %w", key, err)
		}
		rc = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(rc, n), rc}
	}
	return rc, info, nil
}

func totalFromContentRange(cr string) (int64, error) {
	// "bytes 0-4/10"
	_, total, ok := strings.Cut(cr, "/")
	if !ok {
		return 0, fmt.Errorf("malformed Content-Range %q", cr)
	}
	n, err := strconv.ParseInt(total, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("malformed Content-Range %q", cr)
	}
	return n, nil
}

// s3Body translates errors that end a download early (server gone,
// connection reset, truncated body) into ErrUnavailable.
type s3Body struct {
	rc  io.ReadCloser
	key string
}

func (b *s3Body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = s3Error("read", b.key, err)
	}
	return n, err
}

func (b *s3Body) Close() error { return b.rc.Close() }

func (s *S3Store) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s3Error("stat", key, err)
	}
	return s.info(key, oi, oi.Metadata), nil
}

func (s *S3Store) info(key string, oi minio.ObjectInfo, hdr http.Header) Info {
	return Info{
		Key:          key,
		Size:         oi.Size,
		ETag:         oi.ETag,
		ModTime:      oi.LastModified.UTC(),
		ContentType:  oi.ContentType,
		CacheControl: hdr.Get("Cache-Control"),
	}
}

func (s *S3Store) List(ctx context.Context, prefix string, opts ListOptions) (ListPage, error) {
	if err := validatePrefix(prefix); err != nil {
		return ListPage{}, fmt.Errorf("list: %w", err)
	}
	limit := opts.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	startAfter := ""
	if opts.StartAfter != "" {
		startAfter = s.prefix + opts.StartAfter
	}
	noOwner := false
	// Ask for one more than a page to learn whether another page exists;
	// breaking out of the iterator stops further requests.
	iter := s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix:     s.prefix + prefix,
		StartAfter: startAfter,
		Recursive:  true,
		MaxKeys:    min(limit+1, MaxListLimit),
		FetchOwner: &noOwner,
	})
	var page ListPage
	for oi := range iter {
		if oi.Err != nil {
			return ListPage{}, s3Error("list", prefix, oi.Err)
		}
		if len(page.Items) == limit {
			page.Next = page.Items[limit-1].Key
			break
		}
		key := strings.TrimPrefix(oi.Key, s.prefix)
		page.Items = append(page.Items, Info{Key: key, Size: oi.Size, ETag: oi.ETag, ModTime: oi.LastModified.UTC(), ContentType: oi.ContentType})
	}
	if err := ctx.Err(); err != nil {
		return ListPage{}, fmt.Errorf("list %s: %w", prefix, err)
	}
	return page, nil
}

func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		if err := s3Error("delete", key, err); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// Longest and shortest lifetimes S3 accepts for a presigned URL.
const (
	MaxSignedURLExpiry = 7 * 24 * time.Hour
	MinSignedURLExpiry = time.Second
)

// SignedURL returns a presigned GET URL for key, valid for expiry. It does
// not check that the object exists.
func (s *S3Store) SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", fmt.Errorf("sign url: %w", err)
	}
	if expiry < MinSignedURLExpiry || expiry > MaxSignedURLExpiry {
		return "", fmt.Errorf("sign url %s: %w: expiry %v outside [%v, %v]", key, ErrInvalidArgument, expiry, MinSignedURLExpiry, MaxSignedURLExpiry)
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.prefix+key, expiry, nil)
	if err != nil {
		return "", s3Error("sign url", key, err)
	}
	return u.String(), nil
}

// DestroyBucket deletes every object, every unfinished multipart upload and
// then the bucket itself. It exists for tests and tooling; Loa never calls
// it.
func (s *S3Store) DestroyBucket(ctx context.Context) error {
	for oi := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			return s3Error("destroy bucket", s.bucket, oi.Err)
		}
		if err := s.client.RemoveObject(ctx, s.bucket, oi.Key, minio.RemoveObjectOptions{}); err != nil {
			return s3Error("destroy bucket", oi.Key, err)
		}
	}
	for up := range s.client.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if up.Err != nil {
			break // not every server lists uploads; the bucket removal below decides
		}
		if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, up.Key); err != nil {
			return s3Error("destroy bucket", up.Key, err)
		}
	}
	if err := s.client.RemoveBucket(ctx, s.bucket); err != nil {
		return s3Error("destroy bucket", s.bucket, err)
	}
	return nil
}

// s3Error wraps err with the operation and key and, where one applies, the
// package sentinel, keeping the original (minio.ErrorResponse, net errors)
// reachable with errors.As.
func s3Error(op, key string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: %w", op, key, err)
	}
	if sentinel := s3Sentinel(err); sentinel != nil {
		return fmt.Errorf("%s %s: %w: %w", op, key, sentinel, err)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func s3Sentinel(err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "NoSuchKey", "NoSuchObject":
			return ErrNotFound
		case "PreconditionFailed", "ConditionalRequestConflict":
			return ErrConflict
		case "XMinioInvalidObjectName", "InvalidObjectName", "KeyTooLongError":
			return ErrInvalidKey
		case "NotImplemented":
			return errors.ErrUnsupported
		case "InternalError", "ServiceUnavailable", "SlowDown", "SlowDownWrite", "SlowDownRead",
			"RequestTimeout", "XMinioServerNotInitialized", "XMinioStorageFull", "OperationAborted":
			return ErrUnavailable
		}
		switch {
		case er.StatusCode == http.StatusPreconditionFailed:
			return ErrConflict
		case er.StatusCode == http.StatusNotFound && er.Code == "":
			return ErrNotFound
		case er.StatusCode >= 500 || er.StatusCode == http.StatusTooManyRequests:
			return ErrUnavailable
		}
		return nil
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return ErrUnavailable
	}
	return nil
}
