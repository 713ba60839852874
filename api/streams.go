package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

// tokenCtxKey is where checkEditor leaves the token a request was allowed
// with, so that a long stream can notice its revocation.
const tokenCtxKey = "loa_token"

// streamRecheck is how often a long stream checks that its token still
// works; revocations on other nodes arrive within the token cache's time.
const streamRecheck = time.Second

// streamContext is the context of a long-lived response (event streams,
// progressive audio): it ends with the request, at server shutdown, and
// when the token that opened the stream is revoked.
func (s *server) streamContext(c *gin.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(c.Request.Context())
	tok := c.GetString(tokenCtxKey)
	go func() {
		var tick <-chan time.Time
		if tok != "" {
			t := time.NewTicker(streamRecheck)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.Stop:
				cancel()
				return
			case <-tick:
				if ok, err := s.Tokens.isEditor(ctx, tok); err == nil && !ok {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}
