package ingest

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Spec is a source as an editor configures it (the API's request body).
type Spec struct {
	URL      string   `json:"url"`
	Feed     string   `json:"feed,omitempty"`  // podcast feed the articles are published in
	Voice    string   `json:"voice,omitempty"` // voice id; empty = the server's default
	Interval string   `json:"interval,omitempty"`
	Backfill *int     `json:"backfill,omitempty"`
	Include  []string `json:"include,omitempty"`
	Exclude  []string `json:"exclude,omitempty"`
	MaxAge   string   `json:"max_age,omitempty"`
	Paused   bool     `json:"paused,omitempty"`
}

// Defaults and bounds of a source's settings.
const (
	DefaultInterval = 5 * time.Minute
	MinInterval     = time.Second
	MaxInterval     = 7 * 24 * time.Hour
	DefaultBackfill = 10
	maxURLLength    = 2048
)

// Settings is a validated Spec.
type Settings struct {
	URL      string
	Feed     string
	Voice    string
	Interval time.Duration
	Rules    Rules
	Paused   bool
}

// Validate checks a Spec and fills in the defaults; the error names the
// field and what it must be. Checking the feed name and the voice is left
// to the caller, who knows which exist.
func (s Spec) Validate() (Settings, error) {
	out := Settings{Feed: s.Feed, Voice: s.Voice, Paused: s.Paused, Interval: DefaultInterval}
	raw := strings.TrimSpace(s.URL)
	switch {
	case raw == "":
		return Settings{}, fmt.Errorf(`"url" is required`)
	case len(raw) > maxURLLength:
		return Settings{}, fmt.Errorf(`"url" is %d bytes long; at most %d allowed`, len(raw), maxURLLength)
	case !utf8.ValidString(raw):
		return Settings{}, fmt.Errorf(`"url" is not valid UTF-8`)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Settings{}, fmt.Errorf(`"url" must be an absolute http or https URL`)
	}
	if u.User != nil {
		return Settings{}, fmt.Errorf(`"url" must not contain credentials`)
	}
	u.Fragment = ""
	out.URL = u.String()
	if s.Interval != "" {
		d, err := time.ParseDuration(s.Interval)
		if err != nil || d < MinInterval || d > MaxInterval {
			return Settings{}, fmt.Errorf(`"interval" must be a duration between %v and %v, like "5m"`, MinInterval, MaxInterval)
		}
		out.Interval = d
	}
	if s.MaxAge != "" {
		d, err := time.ParseDuration(s.MaxAge)
		if err != nil || d <= 0 {
			return Settings{}, fmt.Errorf(`"max_age" must be a positive duration, like "48h"`)
		}
		out.Rules.MaxAge = d
	}
	out.Rules.Backfill = DefaultBackfill
	if s.Backfill != nil {
		out.Rules.Backfill = *s.Backfill
	}
	out.Rules.Include, out.Rules.Exclude = s.Include, s.Exclude
	if _, err := out.Rules.Compile(); err != nil {
		return Settings{}, err
	}
	return out, nil
}
