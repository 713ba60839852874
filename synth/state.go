package synth

import "time"

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

// state builds the public view; URLs are relative to the server root and
// made absolute by the HTTP layer, which knows the host.
func (s *Service) state(m Manifest) State {
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
