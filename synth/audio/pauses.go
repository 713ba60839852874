package audio

import "time"

// Block kinds as the text front-end names them.
const (
	KindTitle     = "title"
	KindLead      = "lead"
	KindHeading   = "heading"
	KindParagraph = "paragraph"
	KindListItem  = "list_item"
	KindQuote     = "quote"
)

// PauseSettings are the silences the pipeline inserts between segments, on
// top of the margin every prepared clip keeps at each end (so the gap heard
// between two sentences is the pause plus two margins). Zero means the
// default; a negative value means no pause.
type PauseSettings struct {
	AfterTitle time.Duration // after the title; default 800 ms
	Sentence   time.Duration // between sentences of one block; default 200 ms
	Paragraph  time.Duration // between blocks (paragraphs, lead, list items); default 600 ms
	Heading    time.Duration // before and after a heading; default 800 ms
	Quote      time.Duration // entering and leaving a quote; default 500 ms
}

func (s PauseSettings) withDefaults() PauseSettings {
	def := func(v *time.Duration, d time.Duration) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	def(&s.AfterTitle, 800*time.Millisecond)
	def(&s.Sentence, 200*time.Millisecond)
	def(&s.Paragraph, 600*time.Millisecond)
	def(&s.Heading, 800*time.Millisecond)
	def(&s.Quote, 500*time.Millisecond)
	return s
}

// Between is the pause between a segment of kind prevKind and the next of
// kind nextKind; sameBlock means both belong to one block (consecutive
// sentences of a paragraph). An empty prevKind (start of the file) gets no
// pause. A heading's pause is a minimum: a heading right after the title
// gets the longer of the two.
func (s PauseSettings) Between(prevKind, nextKind string, sameBlock bool) time.Duration {
	s = s.withDefaults()
	switch {
	case prevKind == "":
		return 0
	case sameBlock:
		return s.Sentence
	}
	d := s.Paragraph
	switch {
	case prevKind == KindTitle:
		d = s.AfterTitle
	case (prevKind == KindQuote) != (nextKind == KindQuote):
		d = s.Quote
	}
	if prevKind == KindHeading || nextKind == KindHeading {
		d = max(d, s.Heading)
	}
	return d
}
