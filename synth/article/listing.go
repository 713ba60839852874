package article

import "time"

// Summary is one article as listings and feeds show it.
type Summary struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Lead        string    `json:"lead,omitempty"`
	Status      Status    `json:"status"`
	Feed        string    `json:"feed,omitempty"`
	Link        string    `json:"link,omitempty"`
	GUID        string    `json:"guid"`
	Voice       string    `json:"voice,omitempty"`
	Revision    int       `json:"revision"`
	Version     string    `json:"version,omitempty"`
	AudioKey    string    `json:"audio_key,omitempty"`
	VTTKey      string    `json:"vtt_key,omitempty"`
	ChaptersKey string    `json:"chapters_key,omitempty"`
	Bytes       int64     `json:"bytes,omitempty"`
	DurationMS  int64     `json:"duration_ms,omitempty"`
	Preflight   string    `json:"preflight,omitempty"`
	Error       string    `json:"error,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Published reports whether the article belongs in feeds: it has audio
// that passed preflight.
func (s Summary) Published() bool { return s.AudioKey != "" && s.Preflight == "" }

// ListFilter selects articles for the editor listing.
type ListFilter struct {
	Status Status
	Feed   string
	Voice  string
	Since  time.Time // published at or after
	Until  time.Time // published before
	// Query matches title, lead and id, ignoring case and diacritics
	// ("ha noi" finds "Hà Nội"); every word must appear.
	Query  string
	Cursor string // next_cursor of the previous page; replaces Offset
	Offset int
	Limit  int // default 50, at most 500
}

// MaxListTotal bounds the count behind a listing's total: counting stops
// there, so the first page costs the same at 100,000 articles as at 10,000.
const MaxListTotal = 10_000

// MaxSearchTotal bounds the count behind a search's total. A broad query
// ("ha noi") matches a quarter of the archive, and each match counted is a
// row read and tested (words shorter than three letters have no index), so
// the count costs the page's time again for every few hundred matches. An editor
// refines a search long before the fifth page of 50: "200+" says all that
// is needed, and a search costs the same once an archive holds 200 matches
// as it does at a million articles.
const MaxSearchTotal = 200

// ListResult is one page of articles, newest first.
type ListResult struct {
	Articles []Summary `json:"articles"`
	Total    int       `json:"total"`
	// TotalCapped: more articles match than are counted (MaxListTotal, or
	// MaxSearchTotal for a search); Total is then that bound.
	TotalCapped bool   `json:"total_capped,omitempty"`
	Offset      int    `json:"offset"`
	Limit       int    `json:"limit"`
	NextCursor  string `json:"next_cursor,omitempty"`
}

// FeedPage is one page of a feed's listed articles (published audio with a
// size and a duration), newest first, and the feed as a whole.
type FeedPage struct {
	Articles []Summary
	Items    int       // listed articles over all pages
	Updated  time.Time // newest update among them; zero when there is none
	Newest   time.Time // newest publication among them
}

// RuleTouch is one sentence a lexicon rule changes.
type RuleTouch struct {
	ArticleID string `json:"article_id"`
	Title     string `json:"title"`
	Sentence  int    `json:"sentence"`
	Text      string `json:"text"`
}
