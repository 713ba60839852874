package sqldb_test

import (
	"strings"
	"testing"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// TestRetiringVersionsFindsThemByArticle: publishing and deleting retire an
// article's current version by article id; SQLite, without statistics,
// used to pick the index of retired_at instead and walk every current
// version of the archive, holding the write lock.
func TestRetiringVersionsFindsThemByArticle(t *testing.T) {
	db := sqldbtest.New(t, sqldb.SQLite)
	for _, q := range []string{
		`UPDATE versions SET retired_at = 1 WHERE article_id = 'a' AND retired_at = 0 AND id <> 'v'`,
		`UPDATE versions SET retired_at = 1 WHERE article_id = 'a' AND retired_at = 0`,
	} {
		plan, err := explain(db, q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "sqlite_autoindex_versions_1") || strings.Contains(plan, "versions_retired") {
			t.Errorf("%s\nplan: %s; want the primary key (article_id, id)", q, plan)
		}
	}
}

// explain is SQLite's query plan of q, its steps joined by "; ".
func explain(db *sqldb.DB, q string) (string, error) {
	rows, err := db.Conn().Query(ctx, "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; "), rows.Err()
}
