package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/loa-audio/loa/synth"
)

// Getter is the guarded fetcher every outbound request goes through (no
// private addresses, size and time caps, content-type check): synth.Fetcher.
type Getter interface {
	Get(ctx context.Context, r synth.Request) (synth.Response, error)
}

// Validators make a GET conditional.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// State is what a source remembers between polls.
type State struct {
	Validators
	// Children keeps the validators of the child sitemaps of a sitemap
	// index, by URL; only the ones followed on the last poll are kept.
	Children  map[string]Validators `json:"children,omitempty"`
	Failures  int                   `json:"failures,omitempty"` // consecutive failed polls
	LastError string                `json:"last_error,omitempty"`
	LastPoll  time.Time             `json:"last_poll"`
	NextPoll  time.Time             `json:"next_poll"`
}

// PollerConfig tunes a Poller. Zero values mean the defaults.
type PollerConfig struct {
	MaxBackoff    time.Duration // longest wait after failures or Retry-After; default 6h
	ChildSitemaps int           // newest child sitemaps followed in an index; default 5
	Now           func() time.Time
}

// Poller fetches sources and article pages, one request at a time per host.
type Poller struct {
	get   Getter
	cfg   PollerConfig
	gates sync.Map // host → chan struct{} (capacity 1)
}

// NewPoller builds a Poller that fetches through get.
func NewPoller(get Getter, cfg PollerConfig) *Poller {
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 6 * time.Hour
	}
	if cfg.ChildSitemaps <= 0 {
		cfg.ChildSitemaps = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Poller{get: get, cfg: cfg}
}

// Media types a feed or sitemap may be served as. HTML is not among them:
// a feed URL that answers a web page is a misconfigured source.
var listingTypes = []string{
	"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
	"application/xml", "text/xml", "application/rdf+xml", "text/plain",
}

const listingAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"

// Poll fetches a source's listing if it changed since st, following the
// newest child sitemaps of a sitemap index. It returns the listing (empty
// and unchanged=true when the site answered 304 everywhere) and the state
// to keep, whose NextPoll honours interval, consecutive failures and the
// site's Retry-After. A failed poll returns its error and a state that
// records it; the caller keeps what it had.
func (p *Poller) Poll(ctx context.Context, sourceURL string, interval time.Duration, st State) (l Listing, unchanged bool, next State, err error) {
	now := p.cfg.Now()
	next = st
	next.LastPoll = now
	l, unchanged, err = p.poll(ctx, sourceURL, &next)
	if err != nil {
		next.Failures++
		next.LastError = err.Error()
		next.NextPoll = now.Add(p.backoff(interval, next.Failures, err))
		return Listing{}, false, next, err
	}
	next.Failures, next.LastError = 0, ""
	next.NextPoll = now.Add(interval)
	return l, unchanged, next, nil
}

func (p *Poller) poll(ctx context.Context, sourceURL string, st *State) (Listing, bool, error) {
	resp, err := p.fetch(ctx, synth.Request{URL: sourceURL, Accept: listingAccept, Types: listingTypes, ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return Listing{}, false, err
	}
	if resp.NotModified && st.Children == nil {
		return Listing{}, true, nil
	}
	var l Listing
	if resp.NotModified {
		l = Listing{Kind: KindSitemapIndex}
		l.Sitemaps = slices.Sorted(maps.Keys(st.Children))
	} else {
		base, _ := url.Parse(resp.URL)
		if l, err = Parse(resp.Body, base); err != nil {
			return Listing{}, false, fmt.Errorf("%s: %w", sourceURL, err)
		}
		st.Validators = Validators{ETag: resp.ETag, LastModified: resp.LastModified}
	}
	if l.Kind != KindSitemapIndex {
		st.Children = nil
		return l, false, nil
	}
	return p.followChildren(ctx, l, st)
}

// followChildren reads the newest child sitemaps of an index; a child that
// is itself an index is not followed further.
func (p *Poller) followChildren(ctx context.Context, index Listing, st *State) (Listing, bool, error) {
	children := index.Sitemaps
	if len(children) > p.cfg.ChildSitemaps {
		children = children[:p.cfg.ChildSitemaps]
	}
	kept := make(map[string]Validators, len(children))
	out := Listing{Kind: KindSitemapIndex, Sitemaps: index.Sitemaps}
	unchanged := true
	for _, child := range children {
		v := st.Children[child]
		resp, err := p.fetch(ctx, synth.Request{URL: child, Accept: listingAccept, Types: listingTypes, ETag: v.ETag, LastModified: v.LastModified})
		if err != nil {
			return Listing{}, false, fmt.Errorf("child sitemap: %w", err)
		}
		if resp.NotModified {
			kept[child] = v
			continue
		}
		base, _ := url.Parse(resp.URL)
		l, err := Parse(resp.Body, base)
		if err != nil {
			return Listing{}, false, fmt.Errorf("child sitemap %s: %w", child, err)
		}
		kept[child] = Validators{ETag: resp.ETag, LastModified: resp.LastModified}
		unchanged = false
		out.Items = append(out.Items, l.Items...)
	}
	st.Children = kept
	newestFirst(out.Items)
	return out, unchanged, nil
}

// Page fetches an article page, conditionally when v is set, through the
// same per-host gate as listings.
func (p *Poller) Page(ctx context.Context, pageURL string, v Validators) (synth.Response, error) {
	return p.fetch(ctx, synth.Request{
		URL: pageURL, Accept: "text/html,application/xhtml+xml", Types: []string{"text/html", "application/xhtml+xml"},
		ETag: v.ETag, LastModified: v.LastModified,
	})
}

// fetch holds the host's gate for the whole request: a publisher sees at
// most one request at a time from this node, however many sources point at
// it.
func (p *Poller) fetch(ctx context.Context, r synth.Request) (synth.Response, error) {
	host := r.URL
	if u, err := url.Parse(r.URL); err == nil {
		host = u.Host
	}
	g, _ := p.gates.LoadOrStore(host, make(chan struct{}, 1))
	gate := g.(chan struct{})
	select {
	case gate <- struct{}{}:
	case <-ctx.Done():
		return synth.Response{}, ctx.Err()
	}
	defer func() { <-gate }()
	return p.get.Get(ctx, r)
}

// backoff is how long a failing source waits: the interval doubled for each
// consecutive failure, at least what the site asked for with Retry-After,
// at most MaxBackoff (unless the interval itself is longer).
func (p *Poller) backoff(interval time.Duration, failures int, err error) time.Duration {
	wait := interval
	for i := 1; i < failures && wait < p.cfg.MaxBackoff; i++ {
		wait *= 2
	}
	var remote *synth.RemoteError
	if errors.As(err, &remote) && remote.RetryAfter > wait {
		wait = remote.RetryAfter
	}
	return min(wait, max(p.cfg.MaxBackoff, interval))
}
