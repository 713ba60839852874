package ingest

import (
	"strings"
	"testing"
	"time"
)

func TestSpecDefaults(t *testing.T) {
	s, err := Spec{URL: " https://bao.example.vn/rss.xml#x "}.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if s.URL != "https://bao.example.vn/rss.xml" || s.Interval != 5*time.Minute || s.Rules.Backfill != 10 || s.Rules.MaxAge != 0 {
		t.Fatalf("defaults: %+v", s)
	}
	zero := 0
	s, err = Spec{URL: "http://x.vn/f", Interval: "1s", Backfill: &zero, MaxAge: "48h", Include: []string{"*/the-gioi/*"}}.Validate()
	if err != nil || s.Interval != time.Second || s.Rules.Backfill != 0 || s.Rules.MaxAge != 48*time.Hour || len(s.Rules.Include) != 1 {
		t.Fatalf("explicit: %+v, %v", s, err)
	}
}

func TestSpecErrorsNameTheField(t *testing.T) {
	neg := -1
	for want, spec := range map[string]Spec{
		`"url" is required`:         {},
		`"url" must be an absolute`: {URL: "ftp://x.vn/feed"},
		`relative "url"`:            {URL: "/feed.xml"},
		`"url" must not contain`:    {URL: "https://u:p@x.vn/feed"},
		`"url" is 3000 bytes`:       {URL: "https://x.vn/" + strings.Repeat("a", 3000-len("https://x.vn/"))},
		`"interval" must be`:        {URL: "https://x.vn/f", Interval: "500ms"},
		`"interval" must be a`:      {URL: "https://x.vn/f", Interval: "soon"},
		`"max_age" must be`:         {URL: "https://x.vn/f", MaxAge: "-1h"},
		"backfill must be between":  {URL: "https://x.vn/f", Backfill: &neg},
		"exclude[0] is empty":       {URL: "https://x.vn/f", Exclude: []string{""}},
	} {
		_, err := spec.Validate()
		if err == nil {
			t.Errorf("%+v validated", spec)
			continue
		}
		if w := strings.TrimPrefix(want, "relative "); !strings.Contains(err.Error(), w) {
			t.Errorf("%+v: error %q, want it to contain %q", spec, err, w)
		}
	}
}
