package api

import (
	"context"

	"github.com/gin-gonic/gin"
)

// streamContext is the context of a long-lived response (event streams,
// progressive audio): it ends with the request and at server shutdown.
func (s *server) streamContext(c *gin.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.Request.Context())
	go func() {
		select {
		case <-ctx.Done():
		case <-s.Stop:
			cancel()
		}
	}()
	return ctx, cancel
}
