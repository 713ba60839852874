// Package vendorhttp is what every cloud TTS adapter shares: sending a
// request, reading a bounded body, and turning HTTP failures into the tts
// sentinels with the vendor's message (secrets scrubbed) and Retry-After.
package vendorhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
)

// DefaultMaxBody bounds what an adapter reads from a vendor: ten minutes of
// 48 kHz 16-bit mono is 55 MiB; base64 adds a third.
const DefaultMaxBody = 80 << 20

// Client sends requests for one adapter.
type Client struct {
	HTTP    *http.Client // nil = a client without its own timeout (ctx bounds calls)
	MaxBody int64        // 0 = DefaultMaxBody
	Secrets []string     // scrubbed from any message that ends up in an error
}

// NewHTTPClient is the default transport for adapters: no overall timeout
// (the caller's ctx and tts.WithTimeout bound each call) but bounded dials
// and headers, so a dead host does not hang a worker.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 2 * time.Minute
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}
}

// Response is a fully read vendor answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req and reads the whole body. Transport failures become
// ErrUnavailable; a body cut short becomes ErrBadAudio and ErrUnavailable
// (retryable); a cancelled or expired ctx is returned as the ctx error.
func (c Client) Do(req *http.Request) (Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx := req.Context()
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ctx.Err())
		}
		return Response{}, &tts.Error{Kind: tts.ErrUnavailable, Err: errors.New(c.Scrub(err.Error()))}
	}
	defer resp.Body.Close()
	max := c.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	r := Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	switch {
	case err != nil && ctx.Err() != nil:
		return r, fmt.Errorf("read %s response: %w", req.URL.Path, ctx.Err())
	case err != nil:
		return r, &tts.Error{Kind: tts.ErrBadAudio, Status: resp.StatusCode,
			Message: fmt.Sprintf("response cut short after %d bytes", len(body)),
			Err:     fmt.Errorf("%w: %v", tts.ErrUnavailable, err)}
	case int64(len(body)) > max:
		return r, &tts.Error{Kind: tts.ErrBadAudio, Status: resp.StatusCode,
			Message: fmt.Sprintf("response larger than %d bytes", max)}
	}
	return r, nil
}

// Scrub replaces every configured secret in s.
func (c Client) Scrub(s string) string {
	for _, sec := range c.Secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// Failure classifies a non-2xx answer by status; adapters refine Kind for
// vendor-specific bodies (a 400 that means "too long", a 401 that means
// "quota"). code and message come from the vendor's error body.
func (c Client) Failure(r Response, code, message string) *tts.Error {
	e := &tts.Error{Status: r.Status, Code: code, Message: c.Scrub(Truncate(message, 300))}
	switch {
	case r.Status == http.StatusTooManyRequests:
		e.Kind = tts.ErrRateLimited
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		e.Kind = tts.ErrAuth
	case r.Status == http.StatusRequestEntityTooLarge:
		e.Kind = tts.ErrTextTooLong
	case r.Status == http.StatusRequestTimeout || r.Status >= 500:
		e.Kind = tts.ErrUnavailable
	case r.Status >= 400:
		e.Kind = tts.ErrInvalid
	default:
		e.Kind = tts.ErrBadAudio // 1xx/3xx where audio was expected
	}
	if ra, ok := tts.ParseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	}
	return e
}

// Truncate shortens s to at most n bytes on a rune boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// CheckText rejects input no engine should be paid for: empty or
// whitespace-only text.
func CheckText(text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("empty text: %w", tts.ErrInvalid)
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("text is not UTF-8: %w", tts.ErrInvalid)
	}
	return nil
}

// Sleep is the ctx-aware sleep adapters use between polls.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// BaseURL trims a configured base URL, defaulting to def.
func BaseURL(v, def string) string {
	if v == "" {
		v = def
	}
	return strings.TrimRight(v, "/")
}
