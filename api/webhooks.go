package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/webhook"
)

// Webhooks manages webhook endpoints and shows their delivery log.
type Webhooks interface {
	List(ctx context.Context) ([]webhook.Endpoint, error)
	Add(ctx context.Context, e webhook.Endpoint) (webhook.Endpoint, error)
	Delete(ctx context.Context, id string) error
	Deliveries(ctx context.Context, limit int) ([]webhook.Delivery, error)
}

func (s *server) listWebhooks(c *gin.Context) {
	eps, err := s.Webhooks.List(c.Request.Context())
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"webhooks": eps, "events": webhook.Events})
}

func (s *server) addWebhook(c *gin.Context) {
	var e webhook.Endpoint
	if err := s.bindJSON(c, &e); err != nil {
		respondErr(c, err)
		return
	}
	e, err := s.Webhooks.Add(c.Request.Context(), e)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

func (s *server) deleteWebhook(c *gin.Context) {
	if err := s.Webhooks.Delete(c.Request.Context(), c.Param("hook")); err != nil {
		respondErr(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *server) webhookDeliveries(c *gin.Context) {
	limit, err := intParam(c, "limit")
	if err != nil {
		respondErr(c, err)
		return
	}
	dels, err := s.Webhooks.Deliveries(c.Request.Context(), limit)
	if err != nil {
		respondErr(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deliveries": dels})
}
