package synth

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/article"
)

// urlIDs remembers which article a page URL names, and which URLs name
// none, for manifestTTL: a popular page asks on every view, so the lookup
// must not reach the database each time, and an unknown one even less.
type urlIDs struct {
	mu sync.Mutex
	m  map[string]urlID
}

type urlID struct {
	id string // "" = no article
	at time.Time
}

// ManifestByURL is Manifest for the article whose canonical URL is pageURL
// (normalised first); ErrNotFound when none is. On an origin listed for
// on-demand, an unknown page is fetched and made into an article: while
// that runs the answer is a queued manifest without an id, and a
// *BusyError when the origin's budget is spent.
func (s *Catalog) ManifestByURL(ctx context.Context, pageURL string) (article.Manifest, error) {
	canonical, err := normalisedPageURL(pageURL)
	if err != nil {
		return article.Manifest{}, err
	}
	s.byURL.mu.Lock()
	e, ok := s.byURL.m[canonical]
	s.byURL.mu.Unlock()
	if !ok || s.now().Sub(e.at) >= manifestTTL {
		id, err := s.db.Conn().ArticleIDByURL(ctx, canonical)
		if err != nil && !errors.Is(err, sqldb.ErrNotFound) {
			return article.Manifest{}, err
		}
		e = urlID{id: id, at: s.now()}
		s.byURL.mu.Lock()
		if s.byURL.m == nil || len(s.byURL.m) >= 10000 {
			s.byURL.m = map[string]urlID{}
		}
		s.byURL.m[canonical] = e
		s.byURL.mu.Unlock()
	}
	if e.id == "" {
		// On a listed origin the first view makes the article.
		return s.onDemand.view(ctx, canonical, nil)
	}
	m, err := s.Manifest(ctx, e.id)
	if err == nil && s.onDemand.retryable(m) {
		return s.onDemand.view(ctx, canonical, &m)
	}
	return m, err
}
