package synth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/pageurl"
)

// onDemandPages makes articles of unknown pages on listed origins when a
// player first asks for them.
type onDemandPages struct {
	*Editor
	catalog *Catalog
}

// OnDemandConfig lets the first view of an unknown page on a listed origin
// make its audio. Anyone can view a page, so everything it starts is
// bounded per origin. Zero values mean the defaults in the comments.
type OnDemandConfig struct {
	Origins     []string      // scheme://host[:port], as ParseOrigin returns them; none = off
	PerMinute   int           // new pages fetched per origin per minute; default 10
	InFlight    int           // pages fetched at once per origin; default 2
	RetryAfter  time.Duration // a page that failed is tried again by a view after this; default 1h
	MaxAttempts int           // tries of a failing page in all; default 3
}

// ParseOrigin checks an operator's origin ("https://bao.example.vn") and
// returns it in the form page URLs are compared with.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("origin %q is not scheme://host[:port]", s)
	}
	return originOf(u), nil
}

// originOf is the scheme and host a URL is judged by, default ports left
// out so that https://x and https://x:443 are one origin.
func originOf(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return scheme + "://" + host
}

func originOfString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return originOf(u)
}

// onDemandFailure marks a catalog record of a page on-demand could not
// use; the rest of the error says why, for editors.
const onDemandFailure = "on-demand: "

// onDemandJobs remembers the pages being fetched and, for a while, the
// article each one became: a page whose canonical URL differs from the
// address asked for is not found by that address in the catalog.
type onDemandJobs struct {
	cfg     OnDemandConfig
	origins map[string]bool

	mu     sync.Mutex
	jobs   map[string]*onDemandJob // by the page URL asked for
	origin map[string]*originBudget
}

type onDemandJob struct {
	id   string // the article made; "" while fetching or after a failure
	done bool
	at   time.Time
}

type originBudget struct {
	limit    *rate.Limiter
	inFlight int
}

// onDemandRemember is how long a finished page's article is remembered
// under the address it was asked by.
const onDemandRemember = 10 * time.Minute

func newOnDemand(cfg OnDemandConfig) *onDemandJobs {
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 10
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 2
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	o := &onDemandJobs{cfg: cfg, origins: map[string]bool{}, jobs: map[string]*onDemandJob{}, origin: map[string]*originBudget{}}
	for _, s := range cfg.Origins {
		if origin, err := ParseOrigin(s); err == nil {
			o.origins[origin] = true
		}
	}
	return o
}

// enabled says whether pageURL (normalised) is on a listed origin.
func (o *onDemandJobs) enabled(pageURL string) (string, bool) {
	origin := originOfString(pageURL)
	return origin, len(o.origins) > 0 && o.origins[origin]
}

// view answers a view of pageURL, which no article has (retry: or only
// a failed on-demand record, old enough to try again): the manifest of the
// article it became, a manifest without an id while it is being fetched,
// ErrNotFound when on-demand does not apply, a *BusyError when the origin's
// budget is spent.
func (s *onDemandPages) view(ctx context.Context, pageURL string, retry *article.Manifest) (article.Manifest, error) {
	o := s.onDemandJobs
	origin, ok := o.enabled(pageURL)
	if !ok || s.cfg.Fetcher == nil {
		return article.Manifest{}, fmt.Errorf("%w: no article at %s", article.ErrNotFound, pageURL)
	}
	now := s.now()
	o.mu.Lock()
	if j := o.jobs[pageURL]; j != nil && (!j.done || now.Sub(j.at) < onDemandRemember) {
		id, done := j.id, j.done
		o.mu.Unlock()
		switch {
		case !done:
			return article.Manifest{Status: article.StatusQueued, URL: pageURL}, nil
		case id == "":
			return article.Manifest{}, fmt.Errorf("%w: no audio for %s: it could not be made", article.ErrNotFound, pageURL)
		}
		m, err := s.catalog.Manifest(ctx, id)
		if err != nil || !s.retryable(m) {
			return m, err
		}
		retry = &m
		o.mu.Lock()
		if o.jobs[pageURL] != j { // another view started the retry
			o.mu.Unlock()
			return article.Manifest{Status: article.StatusQueued, URL: pageURL}, nil
		}
	}
	b := o.origin[origin]
	if b == nil {
		b = &originBudget{limit: rate.NewLimiter(rate.Limit(float64(o.cfg.PerMinute)/60), o.cfg.PerMinute)}
		o.origin[origin] = b
	}
	if b.inFlight >= o.cfg.InFlight {
		o.mu.Unlock()
		return article.Manifest{}, article.Busy(5*time.Second, fmt.Sprintf("%v: %d pages of %s are being fetched; retry in 5 s", article.ErrBusy, b.inFlight, origin))
	}
	if !b.limit.AllowN(now, 1) {
		o.mu.Unlock()
		secs := int((1-b.limit.TokensAt(now))*60/float64(o.cfg.PerMinute)) + 1
		return article.Manifest{}, article.Busy(time.Duration(secs)*time.Second, fmt.Sprintf("%v: %s has had its %d new pages this minute; retry in %d s", article.ErrBusy, origin, o.cfg.PerMinute, secs))
	}
	if len(o.jobs) >= 10000 {
		for k, j := range o.jobs {
			if j.done {
				delete(o.jobs, k)
			}
		}
	}
	j := &onDemandJob{at: now}
	o.jobs[pageURL] = j
	b.inFlight++
	o.mu.Unlock()

	var prev article.Manifest
	if retry != nil {
		prev = *retry
	}
	// The visitor does not wait: the page is fetched in the background and
	// its later views find the article.
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		id := s.makeOnDemand(ctx, pageURL, origin, prev)
		o.mu.Lock()
		j.id, j.done, j.at = id, true, s.now()
		b.inFlight--
		o.mu.Unlock()
	}()
	return article.Manifest{Status: article.StatusQueued, URL: pageURL}, nil
}

// makeOnDemand fetches pageURL and makes its article; on failure it
// records one, failed with the reason, so that views stop asking and
// editors see why. It returns the article made or the failure record, ""
// when not even that could be stored.
func (s *onDemandPages) makeOnDemand(ctx context.Context, pageURL, origin string, prev article.Manifest) string {
	p, err := s.prepare(withOrigin(ctx, origin), article.Submission{URL: pageURL})
	if err == nil {
		for _, u := range []string{p.src.URL, p.canonical} {
			if got := originOfString(u); got != origin {
				err = fmt.Errorf("%w: the page at %s says it lives at %s, not on %s", article.ErrForbidden, pageURL, u, origin)
				break
			}
		}
	}
	var st article.State
	if err == nil {
		if prev.ID != "" {
			st, _, err = s.update(ctx, prev.ID, article.Submission{URL: pageURL}, p)
		} else {
			st, _, err = s.createPrepared(ctx, article.Submission{URL: pageURL}, p)
		}
		if errors.Is(err, article.ErrConflict) {
			// The page's canonical article exists with other content: it is
			// an editor's to change, and it answers this page as it is.
			if id, lerr := s.db.Conn().ArticleIDByURL(ctx, p.canonical); lerr == nil {
				st, err = article.State{ID: id}, nil
			}
		}
	}
	if err == nil {
		s.log.InfoContext(ctx, "on-demand article queued", "url", pageURL, "article", st.ID)
		return st.ID
	}
	s.log.WarnContext(ctx, "on-demand page refused", "url", pageURL, "err", err)
	id, err := s.recordOnDemandFailure(ctx, pageURL, prev, err)
	if err != nil {
		s.log.ErrorContext(ctx, "record on-demand failure", "url", pageURL, "err", err)
		return ""
	}
	return id
}

// recordOnDemandFailure keeps a failed article for a page that could not
// be used: the catalog then answers its views (the player hides) without
// fetching it again until the retry time.
func (s *onDemandPages) recordOnDemandFailure(ctx context.Context, pageURL string, prev article.Manifest, cause error) (string, error) {
	reason := onDemandFailure + cause.Error()
	if prev.ID != "" {
		_, err := s.updateManifest(ctx, prev.ID, func(m *article.Manifest) error {
			m.Revision++
			m.Status, m.Error = article.StatusFailed, reason
			return nil
		})
		s.forget(prev.ID)
		return prev.ID, err
	}
	now := s.now().UTC()
	id := idForURL(pageURL)
	src := Source{ID: id, Title: pageURL, URL: pageURL, Link: pageURL, GUID: uuid.NewString(), PublishedAt: now, CreatedAt: now, UpdatedAt: now}
	m := article.Manifest{ID: id, Status: article.StatusFailed, Revision: 1, Title: pageURL, Link: pageURL, URL: pageURL, GUID: src.GUID,
		Error: reason, PublishedAt: now, CreatedAt: now, UpdatedAt: now}
	staged, err := s.staged(src)
	if err != nil {
		return id, err
	}
	return id, s.db.InTx(ctx, func(tx sqldb.Conn) error {
		// Not created: made meanwhile by an editor or another node, and
		// theirs stands.
		_, err := tx.CreateArticle(ctx, articleRow(m, 0, src.contentHash(), ""), staged)
		return err
	})
}

// retryable says whether a view of m, found by its page URL, may try the
// page again: a failure of on-demand itself, old enough, with tries left.
func (s *onDemandPages) retryable(m article.Manifest) bool {
	o := s.onDemandJobs
	if _, ok := o.enabled(m.URL); !ok || m.Status != article.StatusFailed || m.Current != nil {
		return false
	}
	return strings.HasPrefix(m.Error, onDemandFailure) && m.Revision < o.cfg.MaxAttempts &&
		s.now().Sub(m.UpdatedAt) >= o.cfg.RetryAfter
}

type originKey struct{}

// withOrigin confines a fetch's redirects to origin: a page on a listed
// origin must not send the server to fetch another site's.
func withOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

func checkOrigin(ctx context.Context, u *url.URL) error {
	want, ok := ctx.Value(originKey{}).(string)
	if !ok || originOf(u) == want {
		return nil
	}
	return fmt.Errorf("%w: the page redirects to %s, off %s", article.ErrForbidden, u.Redacted(), want)
}

// normalisedPageURL is pageURL as articles are looked up by, or why not.
func normalisedPageURL(pageURL string) (string, error) {
	if len(pageURL) > article.MaxPageURL {
		return "", article.Invalid(fmt.Sprintf("url is %d bytes; the limit is %d", len(pageURL), article.MaxPageURL))
	}
	canonical := pageurl.Normalize(pageURL)
	if canonical == "" {
		return "", article.Invalid(`give the page's address as "url": an absolute http or https URL`)
	}
	return canonical, nil
}
