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
	"syscall"
	"time"
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
			return checkScheme(req.URL)
		},
	}
	return f
}

// ErrBlockedAddress wraps ErrForbidden for URLs that resolve inside.
var ErrBlockedAddress = fmt.Errorf("%w: address not allowed", ErrForbidden)

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
		return invalid(fmt.Sprintf("url scheme %q is not http or https", u.Scheme))
	}
	if u.User != nil {
		return invalid("url must not contain credentials")
	}
	return nil
}

// Client is the guarded HTTP client, for other outbound requests editors
// can aim (webhooks): the same address rules apply.
func (f *Fetcher) Client() *http.Client { return f.client }

// Fetch downloads one page.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (Page, error) {
	// Literal addresses are refused before any connection is tried; names
	// are judged by the dialer, after DNS.
	u, err := f.parseTarget(raw)
	if err != nil {
		return Page{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Page{}, invalid("url is not a valid URL")
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.8")
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrBlockedAddress) {
			return Page{}, fmt.Errorf("%w: fetch %s: %s", ErrBlockedAddress, u.Redacted(), describeNetError(err))
		}
		if errors.Is(err, ErrInvalidInput) {
			return Page{}, unwrapURLError(err)
		}
		return Page{}, fmt.Errorf("%w: fetch %s: %s", ErrUnprocessable, u.Redacted(), describeNetError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Page{}, fmt.Errorf("%w: fetch %s: the site answered %s", ErrUnprocessable, u.Redacted(), resp.Status)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mt {
	case "text/html", "application/xhtml+xml", "text/plain", "":
	default:
		return Page{}, fmt.Errorf("%w: fetch %s: content type %q is not an article page", ErrUnprocessable, u.Redacted(), mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return Page{}, fmt.Errorf("%w: fetch %s: %s", ErrUnprocessable, u.Redacted(), describeNetError(err))
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return Page{}, tooLarge(fmt.Sprintf("page at %s is larger than %d bytes", u.Redacted(), f.cfg.MaxBytes))
	}
	page := Page{URL: resp.Request.URL.String()}
	if mt == "text/plain" {
		page.Text = string(body)
	} else {
		page.HTML = string(body)
	}
	return page, nil
}

// ErrUnprocessable: the request was fine but the remote page could not be used.
var ErrUnprocessable = errors.New("unprocessable")

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
