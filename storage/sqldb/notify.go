package sqldb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// channel is the PostgreSQL notification channel of name in this
// database's schema, so that schemas sharing a cluster (tests) do not hear
// each other. q reads the schema the first time: a transaction asks on its
// own connection rather than wait for another from a pool it may be
// holding the last of.
func (d *DB) channel(ctx context.Context, q querier, name string) (string, error) {
	d.schemaMu.Lock()
	defer d.schemaMu.Unlock()
	// The schema comes from the setting's search_path, fixed for the
	// pool's life: read once, not on every notification of a change.
	if d.schema == "" {
		if err := q.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&d.schema); err != nil {
			return "", fmt.Errorf("read schema: %w", err)
		}
	}
	return name + "_" + d.schema, nil
}

// Notify sends payload to the listeners of channel name on every node
// (PostgreSQL only; SQLite has one node, which publishes in process). In a
// transaction it is sent when the transaction commits, and never if it
// rolls back.
func (c Conn) Notify(ctx context.Context, name, payload string) error {
	if c.engine != Postgres {
		return fmt.Errorf("%w: notifications need PostgreSQL", ErrInvalid)
	}
	ch, err := c.db.channel(ctx, c.q, name)
	if err != nil {
		return err
	}
	if _, err := c.q.ExecContext(ctx, `SELECT pg_notify($1, $2)`, ch, payload); err != nil {
		return fmt.Errorf("notify %s: %w", ch, err)
	}
	return nil
}

// Listen calls fn with every payload sent to channel name, on a connection
// of its own, until ctx ends; a lost connection is opened again. ready is
// called each time the listener is (again) in place.
func (d *DB) Listen(ctx context.Context, name string, ready func(), fn func(payload string)) error {
	if d.engine != Postgres {
		return fmt.Errorf("%w: notifications need PostgreSQL", ErrInvalid)
	}
	for ctx.Err() == nil {
		err := d.listenOnce(ctx, name, ready, fn)
		if ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
		_ = err // the next attempt reports nothing new; callers poll meanwhile
	}
	return nil
}

func (d *DB) listenOnce(ctx context.Context, name string, ready func(), fn func(string)) error {
	ch, err := d.channel(ctx, d.sql, name)
	if err != nil {
		return err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection hears LISTEN: it must not go back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
		return err
	}
	ready()
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		fn(n.Payload)
	}
}
