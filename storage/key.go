package storage

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Key limits shared by every store, so an object written to one store can be
// copied to any other: S3 allows 1024 bytes per key, and most file systems
// 255 bytes per path segment.
const (
	MaxKeyLength     = 1024
	MaxSegmentLength = 255
)

// ReservedPrefix is the key space a store may use for its own bookkeeping
// (the local store keeps temporary files, locks and metadata there).
const ReservedPrefix = ".loa/"

// ValidateKey reports whether key is usable on every store. Keys are
// slash-separated relative paths: no leading slash, no empty, "." or ".."
// segments, no backslashes, NUL or other control characters, valid UTF-8.
// The error wraps ErrInvalidKey and says which rule was broken.
func ValidateKey(key string) error {
	if reason := keyProblem(key); reason != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, reason)
	}
	return nil
}

func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty key"
	case len(key) > MaxKeyLength:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLength)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	case strings.HasPrefix(key, "/"):
		return "absolute path (leading slash)"
	case strings.HasSuffix(key, "/"):
		return "ends with a slash (names a folder, not an object)"
	case strings.HasPrefix(key, ReservedPrefix):
		return "the " + ReservedPrefix + " prefix is reserved for the store's own files"
	}
	for _, r := range key {
		switch {
		case r == 0:
			return "contains a NUL byte"
		case r == '\\':
			return "contains a backslash"
		case unicode.IsControl(r):
			return fmt.Sprintf("contains control character %U", r)
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return "empty path segment (double slash)"
		case seg == ".":
			return `"." path segment`
		case seg == "..":
			return `".." path segment`
		case len(seg) > MaxSegmentLength:
			return fmt.Sprintf("path segment longer than %d bytes", MaxSegmentLength)
		}
	}
	return ""
}

// validatePrefix checks a List prefix: "" or anything a key could start
// with, so "articles/" is fine but "../" or "/x" is not.
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	// A prefix ending in "/" or in the middle of a segment is still a valid
	// key once something is appended to it.
	if reason := keyProblem(prefix + "x"); reason != "" {
		return fmt.Errorf("%w: prefix %q: %s", ErrInvalidKey, prefix, reason)
	}
	return nil
}
