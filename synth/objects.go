package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/article"
)

// The public reads audio by article, version and file; the store's layout
// stays with the other keys (article.go), so the HTTP layer names none.

// versionFiles are the immutable files of a version, by their name's
// ending: audio, timings, transcript and chapters.
var versionFiles = map[string]bool{"mp3": true, "json": true, "vtt": true, "chapters.json": true}

func versionKey(id, version, file string) (string, error) {
	if err := article.ValidateID(id); err != nil {
		return "", err
	}
	if !versionFiles[file] || version == "" || len(version) > 64 || strings.Trim(version, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: article %q has no file %s.%s", article.ErrNotFound, id, version, file)
	}
	return audioPrefix(id) + version + "." + file, nil
}

// OpenVersion opens one immutable file of a version of an article ("mp3",
// "json", "vtt" or "chapters.json") for reading and seeking: the file
// itself on a local store, so that the kernel can send it, ranged reads on
// S3.
func (s *Playback) OpenVersion(ctx context.Context, id, version, file string) (io.ReadSeekCloser, storage.Info, error) {
	key, err := versionKey(id, version, file)
	if err != nil {
		return nil, storage.Info{}, err
	}
	var obj io.ReadSeekCloser
	var info storage.Info
	if fo, ok := s.store.(storage.FileOpener); ok {
		obj, info, err = fo.OpenFile(ctx, key)
	} else {
		var r *storage.ObjectReader
		if r, err = storage.OpenSeeker(ctx, s.store, key); err == nil {
			obj, info = r, r.Info()
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, storage.Info{}, fmt.Errorf("%w: article %q has no file %s.%s", article.ErrNotFound, id, version, file)
	}
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("open %s.%s of %q: %w", version, file, id, err)
	}
	return obj, info, nil
}

// VersionURL is a time-limited direct URL of a version's file from the
// store, or "" when the store hands out none.
func (s *Playback) VersionURL(ctx context.Context, id, version, file string, ttl time.Duration) (string, error) {
	key, err := versionKey(id, version, file)
	if err != nil {
		return "", err
	}
	signer, ok := s.store.(storage.URLSigner)
	if !ok {
		return "", nil
	}
	u, err := signer.SignedURL(ctx, key, ttl)
	if err != nil {
		return "", fmt.Errorf("sign URL of %s.%s of %q: %w", version, file, id, err)
	}
	return u, nil
}

// OpenSegment opens the MP3 frames of a stored segment of a plan.
func (s *Playback) OpenSegment(ctx context.Context, hash string) (io.ReadCloser, error) {
	if len(hash) < 2 || strings.Trim(hash, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("%w: segment %q", article.ErrNotFound, hash)
	}
	rc, _, err := s.store.Get(ctx, segmentKey(hash), nil)
	if err != nil {
		return nil, fmt.Errorf("open segment %s: %w", hash, err)
	}
	return rc, nil
}
