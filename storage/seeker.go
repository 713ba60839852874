package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ObjectReader is a read-only, seekable view of one object that fetches
// bytes with ranged Gets only when read, so http.ServeContent can answer
// Range requests from any store without loading the object. It pins the
// version it was opened on: if the object is replaced meanwhile, the next
// fetch fails with ErrConflict rather than mixing two versions.
type ObjectReader struct {
	info Info
	get  func(off int64) (io.ReadCloser, Info, error)

	pos       int64         // where the next Read starts
	body      io.ReadCloser // open download, nil until needed
	bodyStart int64         // object offset of body's first byte
	bodyPos   int64         // object offset of body's next byte
}

// skipInsteadOfRefetch is how far ahead a Seek may jump by reading and
// discarding rather than starting a new ranged Get.
const skipInsteadOfRefetch = 64 << 10

// OpenSeeker stats key and returns a lazy reader over it. ctx governs every
// fetch the reader makes, so pass the request's context.
func OpenSeeker(ctx context.Context, s Store, key string) (*ObjectReader, error) {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &ObjectReader{
		info: info,
		get: func(off int64) (io.ReadCloser, Info, error) {
			return s.Get(ctx, key, &Range{Offset: off, Length: -1})
		},
	}, nil
}

// Info describes the object being read: use its ModTime and ETag for HTTP
// caching headers.
func (o *ObjectReader) Info() Info { return o.info }

func (o *ObjectReader) Read(p []byte) (int, error) {
	if o.pos >= o.info.Size {
		return 0, io.EOF
	}
	if err := o.position(); err != nil {
		return 0, err
	}
	if max := o.info.Size - o.pos; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	o.bodyPos += int64(n)
	if errors.Is(err, io.EOF) && o.pos < o.info.Size {
		err = fmt.Errorf("read %s: %w: object ended at %d of %d bytes", o.info.Key, ErrConflict, o.pos, o.info.Size)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		o.closeBody()
	}
	return n, err
}

// position makes body deliver the byte at pos next.
func (o *ObjectReader) position() error {
	if o.body != nil && o.bodyPos != o.pos {
		switch seeker, ok := o.body.(io.Seeker); {
		case ok && o.pos >= o.bodyStart:
			// Local files seek for free.
			if _, err := seeker.Seek(o.pos-o.bodyStart, io.SeekStart); err != nil {
				o.closeBody()
			} else {
				o.bodyPos = o.pos
			}
		case o.pos > o.bodyPos && o.pos-o.bodyPos <= skipInsteadOfRefetch:
			n, err := io.CopyN(io.Discard, o.body, o.pos-o.bodyPos)
			o.bodyPos += n
			if err != nil {
				o.closeBody()
			}
		default:
			o.closeBody()
		}
	}
	if o.body != nil {
		return nil
	}
	body, info, err := o.get(o.pos)
	if err != nil {
		return err
	}
	if info.ETag != o.info.ETag {
		body.Close()
		return fmt.Errorf("read %s: %w: object changed while being read (ETag %s, now %s)", o.info.Key, ErrConflict, o.info.ETag, info.ETag)
	}
	o.body, o.bodyStart, o.bodyPos = body, o.pos, o.pos
	return nil
}

func (o *ObjectReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = o.pos + offset
	case io.SeekEnd:
		abs = o.info.Size + offset
	default:
		return o.pos, fmt.Errorf("seek %s: %w: whence %d", o.info.Key, ErrInvalidArgument, whence)
	}
	if abs < 0 {
		return o.pos, fmt.Errorf("seek %s: %w: negative position %d", o.info.Key, ErrInvalidArgument, abs)
	}
	o.pos = abs
	return abs, nil
}

func (o *ObjectReader) Close() error {
	o.closeBody()
	return nil
}

func (o *ObjectReader) closeBody() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}
