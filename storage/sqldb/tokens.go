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

// Tokens keeps editor tokens by the digest of their secret, so the
// database never holds a usable secret.
type Tokens struct{ db *DB }

// Tokens returns the editor token records.
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
