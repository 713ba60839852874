package synth

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/text"
)

// storedPage is the article page as kept in the store, with the ETag of
// the source it was extracted from, so that a page left behind by a racing
// update is noticed and made again.
type storedPage struct {
	text.Page
	Source string `json:"source"`
}

// Limits of a public page. The audio has the whole article; the page is a
// demo of it, and anyone may request it as often as they like.
const (
	pageMaxBlocks = 400
	pageMaxBytes  = 128 << 10
)

func pageKey(id string) string { return "articles/" + id + "/page.json" }

// newPage cuts doc to the page limits. Blocks keep their indexes, which the
// player's follow-along highlighting refers to.
func newPage(doc text.Document, sourceETag string) storedPage {
	p := storedPage{Page: text.Page{Doc: doc}, Source: sourceETag}
	p.Doc.Lead = truncateUTF8(doc.Lead, maxLeadBytes)
	p.Doc.Title = truncateUTF8(doc.Title, maxTitleBytes)
	p.Doc.Byline = truncateUTF8(doc.Byline, 200)
	size := 0
	for i, b := range doc.Blocks {
		size += len(b.Text)
		if i >= pageMaxBlocks || size > pageMaxBytes {
			p.Doc.Blocks, p.Truncated = doc.Blocks[:i:i], true
			break
		}
	}
	return p
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// savePage stores the page of a source version just written. It is a
// cache: a failed write, or a page a crash took, costs one extraction
// later, so the request does not wait for it to reach the disk.
func (s *core) savePage(ctx context.Context, id string, doc text.Document, sourceETag string) {
	if _, err := storage.PutJSON(ctx, s.store, pageKey(id), newPage(doc, sourceETag), storage.PutOptions{ContentType: "application/json", Disposable: true}); err != nil {
		s.log.WarnContext(ctx, "article page not stored", "article", id, "err", err)
	}
}

// ArticlePage returns the article page, extracted once per source version: a
// request reads one bounded object instead of parsing the stored HTML.
func (s *Catalog) ArticlePage(ctx context.Context, id string) (text.Page, error) {
	if err := article.ValidateID(id); err != nil {
		return text.Page{}, err
	}
	tag, err := s.sourceTag(ctx, id)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return text.Page{}, fmt.Errorf("%w: article %q", article.ErrNotFound, id)
		}
		return text.Page{}, err
	}
	var p storedPage
	if _, err := storage.GetJSON(ctx, s.store, pageKey(id), &p); err == nil && p.Source == tag {
		return p.Page, nil
	}
	// A source not yet stored by its job, an article stored before pages
	// existed, or a page lost to a race: extract once, however many
	// visitors ask at the same moment.
	v, err, _ := s.pages.Do(id+"\x00"+tag, func() (any, error) {
		src, err := s.Source(ctx, id)
		if err != nil {
			return text.Page{}, err
		}
		doc, err := extract(src)
		if err != nil {
			return text.Page{}, err
		}
		s.savePage(ctx, id, doc, tag)
		if err := s.dropIfDeleted(ctx, id, pageKey(id)); err != nil {
			s.log.WarnContext(ctx, "article page of a deleted article not checked", "article", id, "err", err)
		}
		return newPage(doc, tag).Page, nil
	})
	if err != nil {
		return text.Page{}, err
	}
	return v.(text.Page), nil
}
