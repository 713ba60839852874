package api

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// JobsUI is River's own UI over the job queue, for operators: queued,
// running, retrying (with their last error), failed and cancelled jobs.
// It runs until ctx ends; Deps.Jobs serves it under /admin/jobs.
func JobsUI(ctx context.Context, client *river.Client[*sql.Tx], log *slog.Logger) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Prefix:    "/admin/jobs",
		Logger:    log.With("component", "riverui"),
	})
	if err != nil {
		return nil, fmt.Errorf("jobs UI: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs UI: %w", err)
	}
	return h, nil
}
