package synth

import (
	"time"
)

// Status is where an article is in its life.
type Status string

const (
	StatusQueued       Status = "queued"
	StatusSynthesizing Status = "synthesizing"
	StatusReady        Status = "ready"
	StatusFailed       Status = "failed"
)

// Source is what an editor sent, kept as the system of record under
// articles/<id>/source.json. A URL submission stores the fetched page in
// HTML so that re-synthesis never depends on the site still answering.
type Source struct {
	ID          string    `json:"id"`
	SourceID    string    `json:"source_id,omitempty"`
	Title       string    `json:"title,omitempty"`
	HTML        string    `json:"html,omitempty"`
	Text        string    `json:"text,omitempty"`
	URL         string    `json:"url,omitempty"`
	Voice       string    `json:"voice,omitempty"`
	Feed        string    `json:"feed,omitempty"`
	Link        string    `json:"link,omitempty"` // the article's page on the publisher's site
	GUID        string    `json:"guid"`           // podcast item guid; never changes
	Revision    int       `json:"revision"`
	PublishedAt time.Time `json:"published_at"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

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

// keys are the store objects of a version.
func (v Version) keys() []string {
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

// Object keys: one place for the store layout (docs/design.md).
func sourceKey(id string) string   { return "articles/" + id + "/source.json" }
func planKey(id string) string     { return "articles/" + id + "/plan.json" }
func audioPrefix(id string) string { return "audio/" + id + "/" }
func segmentKey(hash string) string {
	return "segments/" + hash[:2] + "/" + hash + ".mp3"
}
func segmentMetaKey(hash string) string {
	return "segments/" + hash[:2] + "/" + hash + ".json"
}
