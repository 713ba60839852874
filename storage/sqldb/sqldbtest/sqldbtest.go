// Package sqldbtest gives tests a fresh, migrated database on each engine:
// a SQLite file in a temporary folder, and a schema of its own in the
// PostgreSQL cluster named by LOA_TEST_POSTGRES_URL (scripts/postgres.sh
// starts one; scripts/test.sh exports the variable). Without that variable
// PostgreSQL tests skip, or fail under LOA_TEST_REQUIRE=1.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/synth/testenv"
)

// EnvPostgresURL names the test cluster's database.
const EnvPostgresURL = "LOA_TEST_POSTGRES_URL"

// Each runs fn as one subtest per engine, each on a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(e), func(t *testing.T) { fn(t, New(t, e)) })
	}
}

// New opens a fresh, migrated database of the engine, removed when the
// test ends.
func New(t testing.TB, e sqldb.Engine) *sqldb.DB {
	t.Helper()
	setting := URL(t, e)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, setting)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// URL returns the setting of a fresh, empty database of the engine.
func URL(t testing.TB, e sqldb.Engine) string {
	t.Helper()
	if e == sqldb.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "loa.db")
	}
	base := os.Getenv(EnvPostgresURL)
	if base == "" {
		testenv.Missing(t, "%s is not set (scripts/postgres.sh starts a test cluster)", EnvPostgresURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgresURL, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sqldb.Open(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Conn().Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sqldb.Open(context.Background(), base)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Conn().Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
