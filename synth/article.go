package synth

import "time"

// Source is what an editor sent, kept as the system of record under
// articles/<id>/source.json (staged in the catalog until the article's job
// has written it there: staged.go). A URL submission stores the fetched
// page in HTML so that re-synthesis never depends on the site still
// answering.
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
