package feed_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/loa-audio/loa/web/feed"
)

// BenchmarkRender5000 renders a 5,000-item page, the worst a feed
// configured with a page size of 5,000 serves; the target is under 200 ms.
func BenchmarkRender5000(b *testing.B) {
	items := summaries(5000)
	f := newFeeds(b, feed.Settings{PageSize: 5000, Category: "News/Daily News", OwnerEmail: "podcast@example.vn"})
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		buf.Reset()
		info, err := f.Render(&buf, feed.Page{BaseURL: base}, items)
		if err != nil || info.Items != 5000 {
			b.Fatalf("render: %v (%d items)", err, info.Items)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(buf.Len())/1e6, "MB/feed")
}

// TestRender5000 renders the benchmark's page once and checks it is whole;
// its speed is measured by make bench (the "feed render, 5,000 items" row),
// not here, where a loaded machine would decide.
func TestRender5000(t *testing.T) {
	items := summaries(5000)
	f := newFeeds(t, feed.Settings{PageSize: 5000})
	var buf bytes.Buffer
	if _, err := f.Render(&buf, feed.Page{BaseURL: base}, items); err != nil {
		t.Fatal(err)
	}
	p := parse(t, buf.Bytes())
	if len(p.feed.Items) != 5000 {
		t.Errorf("%d items parsed, want 5000", len(p.feed.Items))
	}
	t.Logf("5,000 items: %.1f MB", float64(buf.Len())/1e6)
}
