package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/synth/article"
)

// articleEvents streams an article's state as Server-Sent Events: one
// "state" event at once, then one per change. Changes made by other nodes
// arrive through a once-a-second re-read of the manifest.
func (s *server) articleEvents(c *gin.Context) {
	id := c.Param("id")
	ctx, stop := s.streamContext(c)
	defer stop()
	st, err := s.Catalog.Get(ctx, id)
	if err != nil {
		respondErr(c, err)
		return
	}
	updates, cancel := s.Catalog.Subscribe(id)
	defer cancel()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	last := ""
	send := func(st article.State) bool {
		b, _ := json.Marshal(s.articleJSON(c, st))
		if string(b) == last {
			return true
		}
		last = string(b)
		if _, err := fmt.Fprintf(c.Writer, "event: state\ndata: %s\n\n", b); err != nil {
			return false
		}
		c.Writer.Flush()
		return true
	}
	if !send(st) {
		return
	}
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-updates:
			if m.Status == "deleted" {
				fmt.Fprintf(c.Writer, "event: deleted\ndata: {\"id\":%q}\n\n", id)
				c.Writer.Flush()
				return
			}
			if st, err := s.Catalog.Get(ctx, id); err == nil && !send(st) {
				return
			}
		case <-poll.C:
			st, err := s.Catalog.Get(ctx, id)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				fmt.Fprintf(c.Writer, "event: deleted\ndata: {\"id\":%q}\n\n", id)
				c.Writer.Flush()
				return
			}
			if !send(st) {
				return
			}
		case <-keepalive.C:
			if _, err := fmt.Fprint(c.Writer, ": keep-alive\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		}
	}
}

// allEvents streams every article's changes ("state" events) for the
// dashboard's live list. Other nodes' changes arrive through a re-read of
// the article index every two seconds.
func (s *server) allEvents(c *gin.Context) {
	ctx, stop := s.streamContext(c)
	defer stop()
	updates, cancel := s.Catalog.Subscribe("")
	defer cancel()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	seen := map[string]time.Time{}
	if list, err := s.Catalog.List(ctx, article.ListFilter{Limit: 500}); err == nil {
		for _, a := range list.Articles {
			seen[a.ID] = a.UpdatedAt
		}
	}
	fmt.Fprint(c.Writer, ": connected\n\n")
	c.Writer.Flush()
	send := func(id string) bool {
		st, err := s.Catalog.Get(ctx, id)
		if err != nil {
			_, err = fmt.Fprintf(c.Writer, "event: deleted\ndata: {\"id\":%q}\n\n", id)
		} else {
			b, _ := json.Marshal(s.articleJSON(c, st))
			_, err = fmt.Fprintf(c.Writer, "event: state\ndata: %s\n\n", b)
		}
		c.Writer.Flush()
		return err == nil
	}
	poll := time.NewTicker(2 * time.Second)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-updates:
			seen[m.ID] = m.UpdatedAt
			if !send(m.ID) {
				return
			}
		case <-poll.C:
			list, err := s.Catalog.List(ctx, article.ListFilter{Limit: 500})
			if err != nil {
				continue
			}
			for _, a := range list.Articles {
				if !seen[a.ID].Equal(a.UpdatedAt) {
					seen[a.ID] = a.UpdatedAt
					if !send(a.ID) {
						return
					}
				}
			}
			if _, err := fmt.Fprint(c.Writer, ": keep-alive\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		}
	}
}
