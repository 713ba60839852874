package sqldb

import "context"

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
