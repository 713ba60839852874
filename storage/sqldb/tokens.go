package sqldb

import (
	"context"
	"fmt"
	"time"
)

// TokenRow is an editor token without its secret.
type TokenRow struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Tokens keeps editor tokens and admins' browser sessions by the digest
// of their secret, so the database never holds a usable secret.
type Tokens struct{ db *DB }

// Tokens returns the editor token and admin session records.
func (d *DB) Tokens() Tokens { return Tokens{d} }

// Create stores a token; a digest or id already stored is ErrConflict.
func (t Tokens) Create(ctx context.Context, digest string, rec TokenRow) error {
	_, err := t.db.Conn().Exec(ctx, `INSERT INTO editor_tokens (digest, id, name, created_at) VALUES (?, ?, ?, ?)`,
		digest, rec.ID, rec.Name, micros(rec.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: token %s exists", ErrConflict, rec.ID)
	}
	if err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	return nil
}

// Valid reports whether a token with this digest is stored.
func (t Tokens) Valid(ctx context.Context, digest string) (bool, error) {
	var n int
	if err := t.db.Conn().QueryRow(ctx, `SELECT COUNT(*) FROM editor_tokens WHERE digest = ?`, digest).Scan(&n); err != nil {
		return false, fmt.Errorf("check token: %w", err)
	}
	return n > 0, nil
}

// List returns the stored tokens, oldest first.
func (t Tokens) List(ctx context.Context) ([]TokenRow, error) {
	rows, err := t.db.Conn().Query(ctx, `SELECT id, name, created_at FROM editor_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []TokenRow{}
	for rows.Next() {
		var r TokenRow
		var at int64
		if err := rows.Scan(&r.ID, &r.Name, &at); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		r.CreatedAt = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Revoke deletes the token with this id and returns its digest; an
// unknown id is ErrNotFound.
func (t Tokens) Revoke(ctx context.Context, id string) (string, error) {
	var digest string
	err := t.db.Conn().QueryRow(ctx, `DELETE FROM editor_tokens WHERE id = ? RETURNING digest`, id).Scan(&digest)
	if isNoRows(err) {
		return "", fmt.Errorf("%w: token %s", ErrNotFound, id)
	}
	if err != nil {
		return "", fmt.Errorf("revoke token: %w", err)
	}
	return digest, nil
}

// StartSession stores an admin session until expires, then deletes expired
// sessions and all but the newest keep, so that sign-ins cannot grow the
// table without bound.
func (t Tokens) StartSession(ctx context.Context, digest string, now, expires time.Time, keep int) error {
	_, err := t.db.Conn().Exec(ctx, `INSERT INTO admin_sessions (digest, created_at, expires_at) VALUES (?, ?, ?)`,
		digest, micros(now), micros(expires))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: session exists", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	_, err = t.db.Conn().Exec(ctx, `DELETE FROM admin_sessions WHERE expires_at <= ? OR digest NOT IN
		(SELECT digest FROM admin_sessions ORDER BY created_at DESC, digest DESC LIMIT ?)`, micros(now), keep)
	if err != nil {
		return fmt.Errorf("prune sessions: %w", err)
	}
	return nil
}

// Session returns when the admin session with this digest expires; an
// unknown digest is the zero time.
func (t Tokens) Session(ctx context.Context, digest string) (time.Time, error) {
	var exp int64
	err := t.db.Conn().QueryRow(ctx, `SELECT expires_at FROM admin_sessions WHERE digest = ?`, digest).Scan(&exp)
	if isNoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("check session: %w", err)
	}
	return fromMicros(exp), nil
}

// EndSession deletes the admin session with this digest, if any.
func (t Tokens) EndSession(ctx context.Context, digest string) error {
	if _, err := t.db.Conn().Exec(ctx, `DELETE FROM admin_sessions WHERE digest = ?`, digest); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
