package sqldb

import (
	"context"
	"fmt"
)

// SweepPosition returns the last key the periodic collection looked at
// under prefix; "" when its next sweep starts at the beginning.
func (c Conn) SweepPosition(ctx context.Context, prefix string) (string, error) {
	var key string
	err := c.QueryRow(ctx, `SELECT last_key FROM gc_sweeps WHERE prefix = ?`, prefix).Scan(&key)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read sweep position of %s: %w", prefix, err)
	}
	return key, nil
}

// SetSweepPosition records where the sweep of prefix stopped; "" starts
// the next one at the beginning.
func (c Conn) SetSweepPosition(ctx context.Context, prefix, lastKey string) error {
	_, err := c.Exec(ctx, `INSERT INTO gc_sweeps (prefix, last_key) VALUES (?, ?)
ON CONFLICT (prefix) DO UPDATE SET last_key = excluded.last_key`, prefix, lastKey)
	if err != nil {
		return fmt.Errorf("save sweep position of %s: %w", prefix, err)
	}
	return nil
}
