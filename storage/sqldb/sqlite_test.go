package sqldb_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
)

// The default setting is a relative path (./data/loa.db), and data folders
// may have spaces or Vietnamese in their names: the file lands exactly
// there, and a second open sees what the first wrote.
func TestSQLiteFileWhereTheSettingSays(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, setting := range []string{sqldb.DefaultURL("./data"), "sqlite:thư mục/loa #1%20.db"} {
		db, err := sqldb.Open(ctx, setting)
		if err != nil {
			t.Fatalf("%s: %v", setting, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Tokens().Create(ctx, "d", sqldb.TokenRow{ID: "i", Name: "n", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		path := filepath.FromSlash(setting[len("sqlite:"):])
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: no file at %s: %v", setting, path, err)
		}
		again, err := sqldb.Open(ctx, setting)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := again.Tokens().Valid(ctx, "d"); !ok || err != nil {
			t.Fatalf("%s: reopened database lost its token: %v", setting, err)
		}
		again.Close()
	}
}
