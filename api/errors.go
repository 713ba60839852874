package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
)

// errorBody is every error response: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

// statusOf is the one place where errors become HTTP status codes.
func statusOf(err error) int {
	switch {
	case errors.Is(err, article.ErrInvalidInput), errors.Is(err, storage.ErrInvalidKey), errors.Is(err, tts.ErrUnknownVoice):
		return http.StatusBadRequest
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, article.ErrForbidden), errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, article.ErrNotFound), errors.Is(err, storage.ErrNotFound), errors.Is(err, sqldb.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, article.ErrConflict), errors.Is(err, sqldb.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, article.ErrTooLarge), errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, errTooManyRequests), errors.Is(err, article.ErrBusy):
		return http.StatusTooManyRequests
	case errors.Is(err, article.ErrUnprocessable):
		return http.StatusUnprocessableEntity
	case errors.Is(err, context.Canceled):
		return 499 // client closed the request
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, article.ErrUnavailable), errors.Is(err, storage.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var (
	errUnauthorized     = errors.New("unauthorized")
	errForbidden        = errors.New("forbidden")
	errBodyTooLarge     = errors.New("request body too large")
	errUnsupportedMedia = errors.New("unsupported media type")
)

// respondErr writes the JSON error body and logs server-side failures once.
func respondErr(c *gin.Context, err error) {
	status := statusOf(err)
	msg := err.Error()
	var busy *article.BusyError
	if errors.As(err, &busy) {
		// The player reads it from other origins' pages, hence exposed.
		c.Header("Retry-After", strconv.Itoa(max(int(busy.RetryAfter/time.Second), 1)))
		c.Header("Access-Control-Expose-Headers", "Retry-After")
	}
	if status >= 500 {
		slog.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "path", c.FullPath(), "status", status, "err", err, "request_id", c.GetString(requestIDKey))
		if status == http.StatusInternalServerError {
			msg = "internal error (request " + c.GetString(requestIDKey) + ")"
		}
	}
	c.AbortWithStatusJSON(status, errorBody{Error: msg})
}
