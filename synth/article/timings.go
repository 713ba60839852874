package article

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Timings is the one timing artifact of a version: it drives the player's
// follow-along highlighting, the WebVTT transcript and podcast chapters.
// Field names are a public contract (outside checks read them).
type Timings struct {
	Version    string          `json:"version"`
	DurationMS int64           `json:"duration_ms"`
	Sentences  []TimedSentence `json:"sentences"`
	Blocks     []TimedBlock    `json:"blocks"`
}

// TimedSentence places one sentence in the audio. CharStart/CharEnd are
// code-point offsets into the extracted article text (blocks joined by a
// blank line); Block indexes Timings.Blocks.
type TimedSentence struct {
	Index     int    `json:"index"`
	Text      string `json:"text"`
	StartMS   int64  `json:"start_ms"`
	EndMS     int64  `json:"end_ms"`
	Block     int    `json:"block"`
	CharStart int    `json:"char_start"`
	CharEnd   int    `json:"char_end"`
	Voice     string `json:"voice,omitempty"`
}

// TimedBlock locates a block of the extracted article in the same offsets.
type TimedBlock struct {
	Index     int    `json:"index"`
	Kind      string `json:"kind"`
	CharStart int    `json:"char_start"`
	CharEnd   int    `json:"char_end"`
}

// WriteVTT writes the transcript as WebVTT, one cue per sentence.
func (t Timings) WriteVTT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for _, s := range t.Sentences {
		end := s.EndMS
		if end <= s.StartMS {
			end = s.StartMS + 1
		}
		fmt.Fprintf(&b, "\n%d\n%s --> %s\n%s\n", s.Index+1, vttTime(s.StartMS), vttTime(end), vttText(s.Text))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write transcript: %w", err)
	}
	return nil
}

func vttTime(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	h := int64(d / time.Hour)
	m := int64(d/time.Minute) % 60
	s := int64(d/time.Second) % 60
	return fmt.Sprintf("%02d:%02d:%02d.%03d", h, m, s, ms%1000)
}

// vttText keeps a cue on one line and out of the cue-timing syntax.
func vttText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "-->", "→")
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// Plan is the ordered list of what an article's audio will be made of.
type Plan struct {
	Revision int        `json:"revision"`
	Profile  string     `json:"profile"`
	Parts    []PlanPart `json:"parts"`
}

// PlanPart is either a cached segment (by hash) or a pause.
type PlanPart struct {
	Segment   string `json:"segment,omitempty"`
	SilenceMS int    `json:"silence_ms,omitempty"`
	Sentence  int    `json:"sentence"`
}
