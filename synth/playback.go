package synth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/audio"
)

// Playback serves what players fetch and report: a version's immutable
// files, the plan, segments and pauses of an article still being made, and
// listen counts.
type Playback struct {
	*core
}

// Plan returns the part list of the revision in work (progressive playback).
func (s *Playback) Plan(ctx context.Context, id string) (article.Plan, error) {
	var p article.Plan
	if _, err := storage.GetJSON(ctx, s.store, planKey(id), &p); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return article.Plan{}, fmt.Errorf("%w: no synthesis plan for %q yet", article.ErrNotFound, id)
		}
		return article.Plan{}, fmt.Errorf("read plan of %s: %w", id, err)
	}
	return p, nil
}

// SegmentReady reports whether a planned segment is stored, with its size.
func (s *Playback) SegmentReady(ctx context.Context, hash string) (bool, error) {
	ok, err := storage.Exists(ctx, s.store, segmentMetaKey(hash))
	if err != nil {
		return false, fmt.Errorf("check segment %s: %w", hash, err)
	}
	return ok, nil
}

// Silence returns the pre-encoded pause of a plan part.
func (s *Playback) Silence(d time.Duration) ([]byte, error) {
	seg, err := s.pipeline.silence(d)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(seg.MP3), nil
}

// Profile is the MP3 profile of every file this service makes.
func (s *Playback) Profile() audio.Profile { return s.pipeline.profile }

// ListenEvent counts an anonymous player event (load, play, 25/50/75/100%).
func (s *Playback) ListenEvent(ctx context.Context, id, event string) error {
	if err := article.ValidateID(id); err != nil {
		return err
	}
	switch event {
	case "load", "play", "25", "50", "75", "100":
	default:
		return article.Invalid(fmt.Sprintf("unknown player event %q", event))
	}
	if _, err := s.manifest(ctx, id); err != nil {
		return err
	}
	s.stats.add(id, event)
	return nil
}

// Listens returns the counted player events of an article.
func (s *Playback) Listens(ctx context.Context, id string) (map[string]int, error) {
	return s.stats.get(ctx, id)
}
