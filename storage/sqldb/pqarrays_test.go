package sqldb_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/lib/pq"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// TestPQArraysEncodeAsTheirSlices: the lib/pq array wrappers River's job
// inserts pass reach PostgreSQL as the values they wrap, encoded from the
// slices rather than parsed back from their array text.
func TestPQArraysEncodeAsTheirSlices(t *testing.T) {
	db := sqldbtest.New(t, sqldb.Postgres)
	at := time.Date(2026, 12, 7, 8, 30, 0, 123456000, time.UTC)
	for _, c := range []struct {
		cast  string
		oid   uint32
		value any
		want  string
	}{
		{"int8[]", pgtype.Int8ArrayOID, pq.Array([]int64{1, -2}), "{1,-2}"},
		{"text[]", pgtype.TextArrayOID, pq.Array([]string{"a", `b "c"`, ""}), `{a,"b \"c\"",""}`},
		{"bytea[]", pgtype.ByteaArrayOID, pq.Array([][]byte{{0xde, 0xad}, nil}), `{"\\xdead","\\x"}`},
		{"int2[]", pgtype.Int2ArrayOID, pq.Array([]int16{3, 4}), "{3,4}"},
		{"int4[]", pgtype.Int4ArrayOID, pq.Array([]int32{5}), "{5}"},
		{"bool[]", pgtype.BoolArrayOID, pq.Array([]bool{true, false}), "{t,f}"},
		{"float8[]", pgtype.Float8ArrayOID, pq.Array([]float64{1.5}), "{1.5}"},
		{"timestamptz[]", pgtype.TimestamptzArrayOID, pq.Array([]time.Time{at}), `2026-12-07 08:30:00.123456`},
		{"text[]", pgtype.TextArrayOID, pq.Array([]string(nil)), "NULL"},
	} {
		var got *string
		q := `SELECT ($1::` + c.cast + `)::text`
		if c.cast == "timestamptz[]" { // its text depends on the session's zone
			q = `SELECT (($1::timestamptz[])[1] AT TIME ZONE 'UTC')::text`
		}
		err := db.SQL().QueryRowContext(ctx, q, c.value).Scan(&got)
		if err != nil {
			t.Errorf("%s %#v: %v", c.cast, c.value, err)
			continue
		}
		if s := "NULL"; got != nil {
			s = *got
			if s != c.want {
				t.Errorf("%s %#v = %s, want %s", c.cast, c.value, s, c.want)
			}
		} else if c.want != "NULL" {
			t.Errorf("%s %#v = NULL, want %s", c.cast, c.value, c.want)
		}
		unwrapped, err := db.EncodesUnwrapped(ctx, c.oid, c.value)
		if err != nil || !unwrapped {
			t.Errorf("%s %#v: encoded through its array text (%v)", c.cast, c.value, err)
		}
	}
}
