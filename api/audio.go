package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
)

// audio serves /audio/{id}.mp3: the article's current version, or, with
// ?progressive=1 while it is being made, the sentences done so far followed
// by the rest as they finish.
func (s *server) audio(c *gin.Context) {
	id, ok := strings.CutSuffix(c.Param("id"), ".mp3")
	if !ok {
		respondErr(c, fmt.Errorf("%w: audio URLs end in .mp3", article.ErrNotFound))
		return
	}
	m, err := s.Catalog.Manifest(c.Request.Context(), id)
	if err != nil {
		respondErr(c, err)
		return
	}
	building := m.Status == article.StatusQueued || m.Status == article.StatusSynthesizing
	if c.Query("progressive") == "1" && building && c.Request.Method == http.MethodGet {
		s.progressive(c, id)
		return
	}
	if m.Current == nil {
		switch m.Status {
		case article.StatusFailed:
			respondErr(c, fmt.Errorf("%w: audio of %q failed: %s", article.ErrNotFound, id, m.Error))
		default:
			respondErr(c, fmt.Errorf("%w: audio of %q is not ready yet (status %s)", article.ErrNotFound, id, m.Status))
		}
		return
	}
	// The stable URL changes content when a new version is published, so
	// caches must revalidate; the ETag makes that a cheap 304.
	c.Header("Cache-Control", "public, max-age=60, must-revalidate")
	s.serveObject(c, id, m.Current.ID, "mp3", `"`+m.Current.ID+`"`, m.Current.PublishedAt, "audio/mpeg")
}

// versioned serves immutable objects of one version:
// /audio/{id}/{version}.mp3|.json|.vtt|.chapters.json
func (s *server) versioned(c *gin.Context) {
	id, file := c.Param("id"), c.Param("file")
	if err := article.ValidateID(id); err != nil {
		respondErr(c, err)
		return
	}
	version, ext, ok := strings.Cut(file, ".")
	types := map[string]string{
		"mp3":           "audio/mpeg",
		"json":          "application/json",
		"vtt":           "text/vtt; charset=utf-8",
		"chapters.json": "application/json+chapters",
	}
	ctype, known := types[ext]
	if !ok || !known { // the version itself is checked where it is opened
		respondErr(c, fmt.Errorf("%w: %s", article.ErrNotFound, c.Request.URL.Path))
		return
	}
	if s.Presign > 0 && ext == "mp3" {
		u, err := s.Playback.VersionURL(c.Request.Context(), id, version, ext, s.Presign)
		if err != nil {
			respondErr(c, err)
			return
		}
		if u != "" {
			c.Header("Cache-Control", fmt.Sprintf("private, max-age=%d", int(s.Presign.Seconds()/2)))
			c.Redirect(http.StatusFound, u)
			return
		}
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	s.serveObject(c, id, version, ext, `"`+version+`"`, time.Time{}, ctype)
}

// serveObject answers GET/HEAD with Range, ETag, If-None-Match and
// Last-Modified from either store without loading the object in memory.
func (s *server) serveObject(c *gin.Context, id, version, file, etag string, modTime time.Time, ctype string) {
	obj, info, err := s.Playback.OpenVersion(c.Request.Context(), id, version, file)
	if err != nil {
		respondErr(c, err)
		return
	}
	defer obj.Close()
	if modTime.IsZero() {
		modTime = info.ModTime
	}
	c.Header("ETag", etag)
	c.Header("Accept-Ranges", "bytes")
	c.Header("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges, ETag")
	if !checkRange(c, info.Size) {
		return
	}
	c.Header("Content-Type", ctype)
	w := &objectWriter{ResponseWriter: c.Writer}
	http.ServeContent(w, c.Request, "", modTime, obj)
	w.finish()
}

func (w *objectWriter) ReadFrom(r io.Reader) (int64, error) {
	w.WriteHeaderNow()
	inner, _ := w.ResponseWriter.(interface{ Unwrap() http.ResponseWriter })
	if inner == nil {
		return io.Copy(w.ResponseWriter, r)
	}
	if rf, ok := inner.Unwrap().(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// progressive streams the planned parts of an article in order, waiting
// for each segment to be stored. The stream has no length: players treat it
// like a live stream until the finished file replaces it.
func (s *server) progressive(c *gin.Context, id string) {
	ctx, stop := s.streamContext(c)
	defer stop()
	plan, err := s.waitPlan(ctx, id)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.Header("Content-Type", "audio/mpeg")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Loa-Progressive", "1")
	c.Status(http.StatusOK)
	flusher, _ := c.Writer.(http.Flusher)
	const idle = 3 * time.Minute
	for _, part := range plan.Parts {
		if part.Segment == "" {
			b, err := s.Playback.Silence(time.Duration(part.SilenceMS) * time.Millisecond)
			if err != nil {
				return
			}
			if _, err := c.Writer.Write(b); err != nil {
				return
			}
			continue
		}
		deadline := time.Now().Add(idle)
		for {
			ready, err := s.Playback.SegmentReady(ctx, part.Segment)
			if err != nil || ctx.Err() != nil {
				return
			}
			if ready {
				break
			}
			if time.Now().After(deadline) {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(150 * time.Millisecond):
			}
		}
		rc, err := s.Playback.OpenSegment(ctx, part.Segment)
		if err != nil {
			return
		}
		_, err = io.Copy(c.Writer, rc)
		rc.Close()
		if err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// waitPlan waits briefly for a queued article's plan: it is written as soon
// as a worker has normalized the text, typically well under a second.
func (s *server) waitPlan(ctx context.Context, id string) (article.Plan, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		plan, err := s.Playback.Plan(ctx, id)
		if err == nil {
			return plan, nil
		}
		if !errors.Is(err, article.ErrNotFound) || time.Now().After(deadline) {
			return article.Plan{}, err
		}
		select {
		case <-ctx.Done():
			return article.Plan{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cors lets the configured player origins (any, when none are configured)
// read public resources: audio, timings, transcripts, feeds.
func (s *server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	switch {
	case len(s.CORSOrigins) == 0:
		c.Header("Access-Control-Allow-Origin", "*")
	default:
		// The answer depends on the Origin, allowed or not: shared caches
		// must keep one copy per origin.
		c.Writer.Header().Add("Vary", "Origin")
		if origin != "" && slices.Contains(s.CORSOrigins, origin) {
			c.Header("Access-Control-Allow-Origin", origin)
		}
	}
	c.Next()
}

func (s *server) preflightCORS(c *gin.Context) {
	c.Header("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
	c.Header("Access-Control-Allow-Headers", "Range, Content-Type, If-None-Match")
	c.Header("Access-Control-Max-Age", "86400")
	c.Status(http.StatusNoContent)
}
