package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/ingest"
	"github.com/loa-audio/loa/synth/sources"
)

// Sources manages the feeds and sitemaps Loa follows.
type Sources interface {
	Create(ctx context.Context, spec ingest.Spec) (sources.Source, error)
	Get(ctx context.Context, id string) (sources.Source, error)
	List(ctx context.Context) ([]sources.Source, error)
	Update(ctx context.Context, id string, p sources.Patch) (sources.Source, error)
	Delete(ctx context.Context, id string) error
}

func (s *server) listSources(c *gin.Context) {
	list, err := s.Sources.List(c.Request.Context())
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"sources": list})
}

func (s *server) createSource(c *gin.Context) {
	var spec ingest.Spec
	if err := s.bindJSON(c, &spec); err != nil {
		respondErr(c, err)
		return
	}
	src, err := s.Sources.Create(c.Request.Context(), spec)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, src)
}

func (s *server) getSource(c *gin.Context) {
	src, err := s.Sources.Get(c.Request.Context(), c.Param("source"))
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, src)
}

func (s *server) updateSource(c *gin.Context) {
	var p sources.Patch
	if err := s.bindJSON(c, &p); err != nil {
		respondErr(c, err)
		return
	}
	src, err := s.Sources.Update(c.Request.Context(), c.Param("source"), p)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, src)
}

func (s *server) deleteSource(c *gin.Context) {
	if err := s.Sources.Delete(c.Request.Context(), c.Param("source")); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
