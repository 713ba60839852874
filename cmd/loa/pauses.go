package main

import (
	"fmt"
	"time"

	"github.com/loa-audio/loa/synth/audio"
)

type pauseFlags struct {
	afterTitle, sentence, paragraph, heading, quote time.Duration
}

func declarePauses(fs *flagSet, p *pauseFlags) {
	fs.Duration(&p.afterTitle, "pause-title", "LOA_PAUSE_TITLE", 800*time.Millisecond, "pause after the title")
	fs.Duration(&p.sentence, "pause-sentence", "LOA_PAUSE_SENTENCE", 200*time.Millisecond, "pause between sentences of a paragraph")
	fs.Duration(&p.paragraph, "pause-paragraph", "LOA_PAUSE_PARAGRAPH", 600*time.Millisecond, "pause between paragraphs")
	fs.Duration(&p.heading, "pause-heading", "LOA_PAUSE_HEADING", 800*time.Millisecond, "pause around headings")
	fs.Duration(&p.quote, "pause-quote", "LOA_PAUSE_QUOTE", 500*time.Millisecond, "pause entering and leaving a quote")
}

// settings converts flags to the audio package's settings, where zero means
// "default" and a negative value means "no pause".
func (p pauseFlags) settings() (audio.PauseSettings, error) {
	conv := func(name string, d time.Duration) (time.Duration, error) {
		switch {
		case d < 0 || d > 10*time.Second:
			return 0, fmt.Errorf("--%s %v: must be between 0 and 10s", name, d)
		case d == 0:
			return -1, nil
		}
		return d, nil
	}
	var s audio.PauseSettings
	var err error
	for _, f := range []struct {
		name string
		in   time.Duration
		out  *time.Duration
	}{
		{"pause-title", p.afterTitle, &s.AfterTitle},
		{"pause-sentence", p.sentence, &s.Sentence},
		{"pause-paragraph", p.paragraph, &s.Paragraph},
		{"pause-heading", p.heading, &s.Heading},
		{"pause-quote", p.quote, &s.Quote},
	} {
		if *f.out, err = conv(f.name, f.in); err != nil {
			return audio.PauseSettings{}, err
		}
	}
	return s, nil
}
