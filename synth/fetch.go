package synth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/tts"
)

// FetchConfig bounds URL ingestion. Zero values mean the defaults.
type FetchConfig struct {
	Timeout   time.Duration // default 15s
	MaxBytes  int64         // default 5 MB
	UserAgent string        // default "Loa/1 (+article audio)"
	// Allow lists networks that may be fetched even though they are
	// private, loopback or link-local (e.g. an intranet CMS, or tests).
	Allow []netip.Prefix
	// Lookup resolves host names for CheckURL; default: the system's.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Fetcher downloads article pages for URL submissions, refusing addresses
// inside the server's own network unless explicitly allowed, so an editor
// token cannot be used to probe internal services.
type Fetcher struct {
	cfg    FetchConfig
	client *http.Client
}

// Page is a fetched article: HTML, or Text when the site served plain text.
type Page struct {
	URL  string // after redirects
	HTML string
	Text string
}

// NewFetcher builds a Fetcher whose dialer checks every address it connects
// to, including after redirects and DNS answers that point inside.
func NewFetcher(cfg FetchConfig) *Fetcher {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 5 << 20
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Loa/1 (+article audio)"
	}
	f := &Fetcher{cfg: cfg}
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: f.checkDial}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	f.client = &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errTooManyRedirects
			}
			if err := checkScheme(req.URL); err != nil {
				return err
			}
			return checkOrigin(req.Context(), req.URL)
		},
	}
	return f
}

// ErrBlockedAddress wraps ErrForbidden for URLs that resolve inside.
var ErrBlockedAddress = fmt.Errorf("%w: address not allowed", article.ErrForbidden)

func (f *Fetcher) checkDial(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("unexpected dial address %q", address)
	}
	return f.allowed(ip.Unmap())
}

func checkScheme(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return article.Invalid(fmt.Sprintf("url scheme %q is not http or https", u.Scheme))
	}
	if u.User != nil {
		return article.Invalid("url must not contain credentials")
	}
	return nil
}

// Client is the guarded HTTP client, for other outbound requests editors
// can aim (webhooks): the same address rules apply.
func (f *Fetcher) Client() *http.Client { return f.client }

// Request is one guarded GET. Types lists the media types the caller can
// use (an empty Content-Type is accepted as the first of them); ETag and
// LastModified make it conditional.
type Request struct {
	URL          string
	Accept       string
	Types        []string
	ETag         string
	LastModified string
}

// Response is a guarded GET's answer: 200 with a body, or 304 (NotModified)
// without one.
type Response struct {
	URL          string // after redirects
	NotModified  bool
	MediaType    string
	Body         []byte
	ETag         string
	LastModified string
}

// RemoteError is a status the site answered instead of the resource. It
// wraps ErrUnprocessable; RetryAfter is the site's Retry-After, if any, so a
// poller can wait as long as the site asked.
type RemoteError struct {
	Status     int
	RetryAfter time.Duration
	msg        string
}

func (e *RemoteError) Error() string { return e.msg }
func (e *RemoteError) Unwrap() error { return article.ErrUnprocessable }

// Get downloads one resource within the fetcher's address, size and time
// limits.
func (f *Fetcher) Get(ctx context.Context, r Request) (Response, error) {
	// Literal addresses are refused before any connection is tried; names
	// are judged by the dialer, after DNS.
	u, err := f.parseTarget(r.URL)
	if err != nil {
		return Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Response{}, article.Invalid("url is not a valid URL")
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", r.Accept)
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrBlockedAddress) {
			return Response{}, fmt.Errorf("%w: fetch %s: %s", ErrBlockedAddress, u.Redacted(), describeNetError(err))
		}
		if errors.Is(err, article.ErrInvalidInput) || errors.Is(err, article.ErrForbidden) {
			return Response{}, unwrapURLError(err)
		}
		return Response{}, fmt.Errorf("%w: fetch %s: %s", article.ErrUnprocessable, u.Redacted(), describeNetError(err))
	}
	defer resp.Body.Close()
	out := Response{URL: resp.Request.URL.String(), ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified && (r.ETag != "" || r.LastModified != ""):
		out.NotModified = true
		return out, nil
	case resp.StatusCode != http.StatusOK:
		return Response{}, &RemoteError{
			Status:     resp.StatusCode,
			RetryAfter: retryAfterOf(resp.Header),
			msg:        fmt.Sprintf("%v: fetch %s: the site answered %s", article.ErrUnprocessable, u.Redacted(), resp.Status),
		}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "" && len(r.Types) > 0 {
		mt = r.Types[0]
	}
	if !slices.Contains(r.Types, mt) {
		return Response{}, fmt.Errorf("%w: fetch %s: content type %q is not one of %s", article.ErrUnprocessable, u.Redacted(), mt, strings.Join(r.Types, ", "))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return Response{}, fmt.Errorf("%w: fetch %s: %s", article.ErrUnprocessable, u.Redacted(), describeNetError(err))
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return Response{}, article.TooLarge(fmt.Sprintf("page at %s is larger than %d bytes", u.Redacted(), f.cfg.MaxBytes))
	}
	out.MediaType, out.Body = mt, body
	return out, nil
}

func retryAfterOf(h http.Header) time.Duration {
	d, _ := tts.ParseRetryAfter(h.Get("Retry-After"), time.Now())
	return d
}

// articleTypes are the media types an article page may be served as; the
// first stands in for a missing Content-Type.
var articleTypes = []string{"text/html", "application/xhtml+xml", "text/plain"}

// Fetch downloads one article page.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (Page, error) {
	resp, err := f.Get(ctx, Request{URL: raw, Accept: "text/html,application/xhtml+xml,text/plain;q=0.8", Types: articleTypes})
	if err != nil {
		return Page{}, err
	}
	page := Page{URL: resp.URL}
	if resp.MediaType == "text/plain" {
		page.Text = string(resp.Body)
	} else {
		page.HTML = string(resp.Body)
	}
	return page, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
