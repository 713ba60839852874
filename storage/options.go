package storage

import (
	"fmt"
	"unicode"
)

// DefaultContentType is what S3 servers assign to an object stored without
// a content type; the local store does the same so both read back alike.
const DefaultContentType = "application/octet-stream"

func contentTypeOrDefault(ct string) string {
	if ct == "" {
		return DefaultContentType
	}
	return ct
}

func validatePutOptions(opts PutOptions) error {
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return fmt.Errorf("%w: IfNoneMatch and IfMatch are mutually exclusive", ErrInvalidArgument)
	}
	for _, f := range []struct{ name, value string }{
		{"content type", opts.ContentType},
		{"cache control", opts.CacheControl},
		{"If-Match ETag", opts.IfMatch},
	} {
		if err := validateHeaderValue(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// validateHeaderValue keeps values that travel as HTTP headers on S3 (and
// are stored verbatim locally) free of anything that could split a header.
func validateHeaderValue(name, v string) error {
	if len(v) > maxHeaderValue {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalidArgument, name, maxHeaderValue)
	}
	for _, r := range v {
		if r > unicode.MaxASCII || unicode.IsControl(r) {
			return fmt.Errorf("%w: %s %q contains %U; only printable ASCII is allowed", ErrInvalidArgument, name, v, r)
		}
	}
	return nil
}

func validateRange(rng *Range) error {
	if rng != nil && rng.Offset < 0 {
		return fmt.Errorf("%w: negative range offset %d", ErrInvalidArgument, rng.Offset)
	}
	return nil
}

// clampRange turns rng into an offset and length inside an object of the
// given size: past-the-end offsets read as empty.
func clampRange(rng Range, size int64) (off, n int64) {
	off = min(rng.Offset, size)
	n = size - off
	if rng.Length >= 0 && rng.Length < n {
		n = rng.Length
	}
	return off, n
}
