package sqldb

import (
	"context"

	"github.com/jackc/pgx/v5/pgtype"
)

// MigrateTo applies the migrations up to version only, so a test can put
// rows in an older schema and then migrate them.
func (d *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// EncodesUnwrapped says whether the pool's connections encode value
// through unwrapPQArrays.
func (d *DB) EncodesUnwrapped(ctx context.Context, oid uint32, value any) (bool, error) {
	c, err := d.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer c.Release()
	_, ok := c.Conn().TypeMap().PlanEncode(oid, pgtype.BinaryFormatCode, value).(*pqArrayPlan)
	return ok, nil
}
