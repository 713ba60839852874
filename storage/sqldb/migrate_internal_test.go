package sqldb

import (
	"fmt"
	"testing"
	"testing/fstest"
)

func TestOtherEngineFilesAreExcluded(t *testing.T) {
	fsys := fstest.MapFS{
		"00001_records.sql":         {},
		"00002_search.sqlite.sql":   {},
		"00002_search.postgres.sql": {},
		"00003_more.sql":            {},
		"00004_notify.postgres.sql": {},
		"00004_notify.sqlite.sql":   {},
	}
	for engine, want := range map[Engine]string{
		SQLite:   "[00002_search.postgres.sql 00004_notify.postgres.sql]",
		Postgres: "[00002_search.sqlite.sql 00004_notify.sqlite.sql]",
	} {
		got, err := otherEngineFiles(fsys, engine)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%s excludes %v, %v; want %s", engine, got, err, want)
		}
	}
}

func TestBindNumbersPlaceholdersForPostgres(t *testing.T) {
	q := `SELECT a FROM t WHERE b = ? AND c IN (?, ?)`
	if got := (Conn{engine: Postgres}).bind(q); got != `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)` {
		t.Errorf("postgres: %s", got)
	}
	if got := (Conn{engine: SQLite}).bind(q); got != q {
		t.Errorf("sqlite: %s", got)
	}
}
