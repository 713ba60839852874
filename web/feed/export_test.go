package feed

import (
	"io"

	"github.com/loa-audio/loa/synth/article"
)

// Render writes one page of a feed from all its articles, paging in Go
// what the catalog pages in SQL in production (Articles.PublishedPage), so
// the rendering tests can hand in plain article lists.
//
// It writes one page of a feed from all its articles, newest first;
// any whose audio is not listed (no audio, failed preflight, zero size or
// duration) is left out. A page past the last is an error wrapping
// article.ErrNotFound.
func (f *Feeds) Render(w io.Writer, p Page, articles []article.Summary) (Info, error) {
	var all article.FeedPage
	items := make([]article.Summary, 0, len(articles))
	for i := range articles {
		if a := &articles[i]; listed(a) {
			items = append(items, *a)
			if a.UpdatedAt.After(all.Updated) {
				all.Updated = a.UpdatedAt
			}
		}
	}
	all.Items = len(items)
	if len(items) > 0 {
		all.Newest = published(&items[0])
	}
	size := f.settings.PageSize
	if n := max(p.Number, 1); (n-1)*size < len(items) {
		all.Articles = items[(n-1)*size : min(len(items), n*size)]
	}
	return f.RenderPage(w, p, all)
}
