package sqldb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache must answer exactly as one-shot statements do: a
// query reused while its own rows are open, past the cache's size, after
// a failed statement and across a schema change.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c := d.Conn()
	for _, q := range []string{`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`,
		`INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const sel = `SELECT v FROM t WHERE id >= ? ORDER BY id`

	// Nested use of one query on one connection: the inner one must not
	// reset the statement the outer rows read from.
	err = d.InTx(ctx, func(tx Conn) error {
		outer, err := tx.Query(ctx, sel, 1)
		if err != nil {
			return err
		}
		defer outer.Close()
		var got string
		for outer.Next() {
			var v string
			if err := outer.Scan(&v); err != nil {
				return err
			}
			var inner []string
			rows, err := tx.Query(ctx, sel, 2)
			if err != nil {
				return err
			}
			for rows.Next() {
				var w string
				if err := rows.Scan(&w); err != nil {
					return err
				}
				inner = append(inner, w)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if fmt.Sprint(inner) != "[b c]" {
				t.Errorf("inner rows = %v, want [b c]", inner)
			}
			got += v
		}
		if got != "abc" {
			t.Errorf("outer rows = %q, want abc", got)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}

	// More distinct statements than the cache keeps, each run twice.
	for round := range 2 {
		for i := range stmtCacheSize + 20 {
			var n int
			q := fmt.Sprintf(`SELECT count(*) + %d FROM t WHERE id <= ?`, i)
			if err := c.QueryRow(ctx, q, 2).Scan(&n); err != nil {
				t.Fatalf("round %d, query %d: %v", round, i, err)
			}
			if n != i+2 {
				t.Fatalf("round %d: %s = %d, want %d", round, q, n, i+2)
			}
		}
	}

	conn, err := d.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := cachedStatements(t, conn); n != stmtCacheSize {
		t.Errorf("a reader keeps %d statements, want %d", n, stmtCacheSize)
	}
	conn.Close()

	// A failing statement leaves the cache usable for the next one.
	const ins = `INSERT INTO t (id, v) VALUES (?, ?)`
	if _, err := c.Exec(ctx, ins, 1, "dup"); !isUniqueViolation(err) {
		t.Fatalf("duplicate insert: err = %v, want a unique violation", err)
	}
	if _, err := c.Exec(ctx, ins, 4, "d"); err != nil {
		t.Fatal(err)
	}

	// A prepared statement sees a column added after it was prepared.
	const all = `SELECT * FROM t WHERE id = ?`
	cols := func() []string {
		rows, err := c.Query(ctx, all, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got := fmt.Sprint(cols()); got != "[id v]" {
		t.Fatalf("columns = %s", got)
	}
	if _, err := c.Exec(ctx, `ALTER TABLE t ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cols()); got != "[id v w]" {
		t.Fatalf("columns after ALTER TABLE = %s, want [id v w]", got)
	}
}

// cachedStatements counts the statements one idle connection of db keeps.
func cachedStatements(t *testing.T, conn interface {
	Raw(func(any) error) error
}) int {
	t.Helper()
	n := -1
	if err := conn.Raw(func(c any) error {
		n = c.(*cachingConn).lru.Len()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
