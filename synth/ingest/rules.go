package ingest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Rules choose which listed items become articles.
type Rules struct {
	// Include and Exclude are URL patterns: '*' stands for any run of
	// characters (slashes included), '?' for one character; a pattern matches
	// the whole URL. No Include means every item is wanted.
	Include []string
	Exclude []string
	// MaxAge skips items published longer ago; 0 keeps every age. Undated
	// items are never too old: a sitemap often gives no date.
	MaxAge time.Duration
	// Backfill is how many of the newest items are taken on a source's first
	// poll; the rest are remembered as seen and never fetched.
	Backfill int
}

// Limits on what an editor may configure, so a source costs bounded work.
const (
	maxPatterns      = 50
	maxPatternLength = 500
	MaxBackfill      = 1000
)

// Matcher is a validated, compiled set of Rules.
type Matcher struct {
	include, exclude []*regexp.Regexp
	maxAge           time.Duration
	backfill         int
}

// Compile checks the rules and names the first problem it finds.
func (r Rules) Compile() (Matcher, error) {
	if r.Backfill < 0 || r.Backfill > MaxBackfill {
		return Matcher{}, fmt.Errorf("backfill must be between 0 and %d", MaxBackfill)
	}
	if r.MaxAge < 0 {
		return Matcher{}, fmt.Errorf("max_age must not be negative")
	}
	m := Matcher{maxAge: r.MaxAge, backfill: r.Backfill}
	var err error
	if m.include, err = compileGlobs("include", r.Include); err != nil {
		return Matcher{}, err
	}
	if m.exclude, err = compileGlobs("exclude", r.Exclude); err != nil {
		return Matcher{}, err
	}
	return m, nil
}

func compileGlobs(field string, patterns []string) ([]*regexp.Regexp, error) {
	if len(patterns) > maxPatterns {
		return nil, fmt.Errorf("%s has %d patterns; at most %d allowed", field, len(patterns), maxPatterns)
	}
	out := make([]*regexp.Regexp, 0, len(patterns))
	for i, p := range patterns {
		switch {
		case strings.TrimSpace(p) == "":
			return nil, fmt.Errorf("%s[%d] is empty", field, i)
		case len(p) > maxPatternLength:
			return nil, fmt.Errorf("%s[%d] is %d bytes long; at most %d allowed", field, i, len(p), maxPatternLength)
		}
		var b strings.Builder
		b.WriteString("^")
		for _, r := range p {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		out = append(out, regexp.MustCompile(b.String()))
	}
	return out, nil
}

// Wants reports whether an item passes the URL patterns and the age limit.
func (m Matcher) Wants(it Item, now time.Time) bool {
	if m.maxAge > 0 && !it.Published.IsZero() && now.Sub(it.Published) > m.maxAge {
		return false
	}
	if len(m.include) > 0 && !matchesAny(m.include, it.URL) {
		return false
	}
	return !matchesAny(m.exclude, it.URL)
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// Select returns the wanted items of a listing, newest first. On a source's
// first poll only the newest Backfill of them are taken: adding a source
// must not turn its whole archive into audio.
func (m Matcher) Select(items []Item, firstPoll bool, now time.Time) []Item {
	var out []Item
	for _, it := range items {
		if m.Wants(it, now) {
			out = append(out, it)
		}
	}
	if firstPoll && len(out) > m.backfill {
		out = out[:m.backfill]
	}
	return out
}
