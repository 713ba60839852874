//go:build !race

// The race detector makes these 3,000 edits take minutes and finds nothing
// in them (they run one after another); make test runs this file in its
// run without the detector.

package sqldb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// The Done-when of issue 13: 1,500 rules keep their history in under
// 5 MB (copying the lexicon on every change took 114 MB).
func TestLexiconHistorySize(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		lx := db.Lexicon()
		const rules = 1500
		for i := range rules {
			r := sqldb.RuleRow{ID: fmt.Sprintf("r%012x", i*7919), Body: fmt.Appendf(nil,
				`{"id":"r%012x","match":"Tên riêng số %d","say":"tên riêng số %d đọc thế này","case_sensitive":true}`, i*7919, i, i)}
			if _, err := lx.Change(ctx, time.Now(), add(r)); err != nil {
				t.Fatal(err)
			}
		}
		size, err := db.HistoryBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d lexicon rules keep their history in %d bytes (%.2f MB)", db.Engine(), rules, size, float64(size)/1e6)
		if size <= 0 || size >= 5_000_000 {
			t.Fatalf("history of %d rules takes %d bytes; want 0 < size < 5 MB", rules, size)
		}
	})
}
