package article

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is where an article is in its life.
type Status string

const (
	StatusQueued       Status = "queued"
	StatusSynthesizing Status = "synthesizing"
	StatusReady        Status = "ready"
	StatusFailed       Status = "failed"
)

// Version is one published rendering of an article. Its objects are
// immutable, so their URLs can be cached forever.
type Version struct {
	ID          string    `json:"id"`
	Revision    int       `json:"revision"`
	AudioKey    string    `json:"audio_key"`
	TimingsKey  string    `json:"timings_key"`
	VTTKey      string    `json:"vtt_key"`
	ChaptersKey string    `json:"chapters_key,omitempty"`
	Bytes       int64     `json:"bytes"`
	DurationMS  int64     `json:"duration_ms"`
	Sentences   int       `json:"sentences"`
	Voices      []string  `json:"voices"` // every voice that really spoke, fallbacks included
	PublishedAt time.Time `json:"published_at"`
	// Preflight is empty when the audio passed the checks podcast apps rely
	// on; otherwise it says what failed and the article stays out of feeds.
	Preflight string `json:"preflight,omitempty"`
}

// Keys are the store objects of a version.
func (v Version) Keys() []string {
	var out []string
	for _, k := range []string{v.AudioKey, v.TimingsKey, v.VTTKey, v.ChaptersKey} {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// Manifest is the current state of an article (articles/<id>/manifest.json).
// Current names the audio listeners get; it changes only after a new
// version's objects are completely written.
type Manifest struct {
	ID                   string    `json:"id"`
	Status               Status    `json:"status"`
	Revision             int       `json:"revision"` // the source revision Status describes
	Title                string    `json:"title,omitempty"`
	Lead                 string    `json:"lead,omitempty"`
	Voice                string    `json:"voice"`
	Feed                 string    `json:"feed,omitempty"`
	Link                 string    `json:"link,omitempty"`
	URL                  string    `json:"url,omitempty"` // canonical URL of the page, what players look it up by
	GUID                 string    `json:"guid"`
	SentencesTotal       int       `json:"sentences_total"`
	SentencesDone        int       `json:"sentences_done"`
	SentencesSynthesized int       `json:"sentences_synthesized"`
	SentencesCached      int       `json:"sentences_cached"`
	Error                string    `json:"error,omitempty"`
	Preflight            string    `json:"preflight,omitempty"` // why the latest audio was not published
	Current              *Version  `json:"current,omitempty"`
	Retired              []Version `json:"retired,omitempty"` // older versions awaiting garbage collection
	PublishedAt          time.Time `json:"published_at"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// Progress is the fraction of sentences done for the revision in work.
func (m *Manifest) Progress() float64 {
	switch {
	case m.Status == StatusReady:
		return 1
	case m.SentencesTotal == 0:
		return 0
	default:
		return float64(m.SentencesDone) / float64(m.SentencesTotal)
	}
}

// State is the public view of an article (GET /api/v1/articles/{id}). Field
// names are a contract with outside checks and CMS integrations.
type State struct {
	ID                   string    `json:"id"`
	Status               Status    `json:"status"`
	Progress             float64   `json:"progress"`
	SentencesDone        int       `json:"sentences_done"`
	SentencesTotal       int       `json:"sentences_total"`
	SentencesSynthesized int       `json:"sentences_synthesized"`
	SentencesCached      int       `json:"sentences_cached"`
	DurationMS           int64     `json:"duration_ms"`
	Bytes                int64     `json:"bytes"`
	AudioURL             string    `json:"audio_url"`
	Version              string    `json:"version,omitempty"`
	VersionAudioURL      string    `json:"version_audio_url,omitempty"`
	TimingsURL           string    `json:"timings_url,omitempty"`
	TranscriptURL        string    `json:"transcript_url,omitempty"`
	PageURL              string    `json:"page_url"`
	URL                  string    `json:"url,omitempty"` // the canonical URL of the publisher's page
	Error                string    `json:"error"`
	Revision             int       `json:"revision"`
	Title                string    `json:"title,omitempty"`
	Voice                string    `json:"voice,omitempty"`
	Voices               []string  `json:"voices_used,omitempty"`
	Feed                 string    `json:"feed,omitempty"`
	Source               string    `json:"source,omitempty"` // the followed source that made it
	Preflight            string    `json:"preflight,omitempty"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// State builds the public view; URLs are relative to the server root and
// made absolute by the HTTP layer, which knows the host.
func (m Manifest) State() State {
	st := State{
		ID:                   m.ID,
		Status:               m.Status,
		Progress:             m.Progress(),
		SentencesDone:        m.SentencesDone,
		SentencesTotal:       m.SentencesTotal,
		SentencesSynthesized: m.SentencesSynthesized,
		SentencesCached:      m.SentencesCached,
		PageURL:              "/articles/" + m.ID,
		URL:                  m.URL,
		Error:                m.Error,
		Preflight:            m.Preflight,
		Revision:             m.Revision,
		Title:                m.Title,
		Voice:                m.Voice,
		Feed:                 m.Feed,
		CreatedAt:            m.CreatedAt,
		UpdatedAt:            m.UpdatedAt,
	}
	if v := m.Current; v != nil {
		st.DurationMS, st.Bytes, st.Version, st.Voices = v.DurationMS, v.Bytes, v.ID, v.Voices
		st.AudioURL = "/audio/" + m.ID + ".mp3"
		st.VersionAudioURL = "/" + v.AudioKey
		st.TimingsURL = "/" + v.TimingsKey
		st.TranscriptURL = "/" + v.VTTKey
	}
	return st
}

// Submission is an editor's create or update request.
type Submission struct {
	ID          string     `json:"id,omitempty"`
	SourceID    string     `json:"source_id,omitempty"`
	Title       string     `json:"title,omitempty"`
	HTML        string     `json:"html,omitempty"`
	Text        string     `json:"text,omitempty"`
	URL         string     `json:"url,omitempty"`
	Voice       string     `json:"voice,omitempty"`
	Feed        string     `json:"feed,omitempty"`
	Link        string     `json:"link,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	feedPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// ValidateID reports why id cannot name an article.
func ValidateID(id string) error {
	switch {
	case id == "":
		return Invalid("article id is empty")
	case len(id) > 128:
		return Invalid(fmt.Sprintf("article id is %d bytes long; at most 128 allowed", len(id)))
	case !utf8.ValidString(id) || strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return Invalid("article id contains control characters or invalid UTF-8")
	case strings.Contains(id, ".."):
		return Invalid(`article id must not contain ".."`)
	case strings.HasSuffix(id, ".json"):
		// /articles/{id}.json is the player's information about {id}.
		return Invalid(`article id must not end in ".json"`)
	case !idPattern.MatchString(id):
		return Invalid("article id may use only letters, digits, '.', '_' and '-', starting with a letter or digit")
	}
	return nil
}

// ValidFeedName reports whether name can name a feed: lowercase letters,
// digits and '-', at most 64, the rule submissions are held to; "all" is
// taken by the feed of every article.
func ValidFeedName(name string) bool { return feedPattern.MatchString(name) && name != "all" }

// MaxPageURL caps the page URL a player may look audio up by: anyone can
// ask, and no publisher's article address comes near it.
const MaxPageURL = 2048

// Event is an article lifecycle event: audio.ready, audio.failed, audio.deleted.
type Event struct {
	Type       string    `json:"type"`
	ArticleID  string    `json:"article_id"`
	Feed       string    `json:"feed,omitempty"`
	Revision   int       `json:"revision"`
	Version    string    `json:"version,omitempty"`
	AudioURL   string    `json:"audio_url,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Bytes      int64     `json:"bytes,omitempty"`
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
}
