package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// A node's PostgreSQL pool has room for River's held listener, its
// queries and editors' requests; pool_max_conns in the URL still rules.
func TestPostgresPoolSize(t *testing.T) {
	setting := sqldbtest.URL(t, sqldb.Postgres)
	for _, tc := range []struct {
		setting string
		want    int32
	}{{setting, 16}, {setting + sep(setting) + "pool_max_conns=3", 3}} {
		db, err := sqldb.Open(context.Background(), tc.setting)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.Pool().Config().MaxConns; got != tc.want {
			t.Errorf("%s: MaxConns = %d, want %d", tc.setting, got, tc.want)
		}
		db.Close()
	}
}

func sep(setting string) string {
	if strings.Contains(setting, "?") {
		return "&"
	}
	return "?"
}
