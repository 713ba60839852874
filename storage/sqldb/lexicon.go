package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RuleRow is one lexicon rule as the database keeps it: the caller's JSON
// body, with the id and feed it is looked up by.
type RuleRow struct {
	ID   string
	Feed string // "" = every feed
	Body []byte
}

// LexiconState is the lexicon's version, last change and rules in the
// order they apply.
type LexiconState struct {
	Version   int
	UpdatedAt time.Time
	Rules     []RuleRow
}

// Change kinds of the lexicon history.
const (
	RuleAdded   = "add"
	RuleUpdated = "update"
	RuleDeleted = "delete"
)

// RuleChange is one edit of the lexicon: Rule is the rule after an add or
// update; a delete needs only Rule.ID.
type RuleChange struct {
	Action string
	Rule   RuleRow
}

// LexiconChange is one row of the lexicon history.
type LexiconChange struct {
	Version   int
	Action    string
	RuleID    string
	Body      []byte // nil after a delete
	ChangedAt time.Time
}

// Lexicon keeps pronunciation rules and one history row per change.
type Lexicon struct{ db *DB }

// Lexicon returns the lexicon records.
func (d *DB) Lexicon() Lexicon { return Lexicon{d} }

// Get returns the lexicon; a non-empty feed keeps the rules of every feed
// plus that feed's own.
func (l Lexicon) Get(ctx context.Context, feed string) (LexiconState, error) {
	return readLexicon(ctx, l.db.Conn(), feed)
}

// readLexicon reads version and rules in one statement, so they agree
// without a transaction.
func readLexicon(ctx context.Context, c Conn, feed string) (LexiconState, error) {
	rows, err := c.Query(ctx, `SELECT s.version, s.updated_at, r.id, r.feed, r.body
FROM lexicon_state s LEFT JOIN lexicon_rules r ON (CAST(? AS TEXT) = '' OR r.feed = '' OR r.feed = ?)
WHERE s.id = 1 ORDER BY r.seq`, feed, feed)
	if err != nil {
		return LexiconState{}, fmt.Errorf("read lexicon: %w", err)
	}
	defer rows.Close()
	st := LexiconState{Rules: []RuleRow{}}
	for rows.Next() {
		var at int64
		var id, rfeed, body sql.NullString
		if err := rows.Scan(&st.Version, &at, &id, &rfeed, &body); err != nil {
			return st, fmt.Errorf("read lexicon: %w", err)
		}
		st.UpdatedAt = fromMicros(at)
		if id.Valid {
			st.Rules = append(st.Rules, RuleRow{ID: id.String, Feed: rfeed.String, Body: []byte(body.String)})
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("read lexicon: %w", err)
	}
	return st, nil
}

// Change makes one edit as a transaction: decide sees every current rule
// (edits are serialized, so what it checks still holds when the change is
// written) and returns the change or an error that cancels it. The lexicon
// version goes up by one and the change is kept as one history row.
func (l Lexicon) Change(ctx context.Context, at time.Time, decide func(current []RuleRow) (RuleChange, error)) (LexiconState, error) {
	var st LexiconState
	err := l.db.InTx(ctx, func(tx Conn) error {
		// Taking the row lock first orders concurrent edits on PostgreSQL;
		// SQLite's write lock is already held since BEGIN IMMEDIATE.
		var version int
		if err := tx.QueryRow(ctx, `UPDATE lexicon_state SET version = version + 1, updated_at = ? WHERE id = 1 RETURNING version`, micros(at)).Scan(&version); err != nil {
			return fmt.Errorf("lock lexicon: %w", err)
		}
		cur, err := readLexicon(ctx, tx, "")
		if err != nil {
			return err
		}
		ch, err := decide(cur.Rules)
		if err != nil {
			return err
		}
		if err := applyChange(ctx, tx, version, ch); err != nil {
			return err
		}
		var body any
		if ch.Action != RuleDeleted {
			body = string(ch.Rule.Body)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO lexicon_changes (version, action, rule_id, body, changed_at) VALUES (?, ?, ?, ?, ?)`,
			version, ch.Action, ch.Rule.ID, body, micros(at)); err != nil {
			return fmt.Errorf("keep lexicon change %d: %w", version, err)
		}
		st = LexiconState{Version: version, UpdatedAt: fromMicros(micros(at)), Rules: applied(cur.Rules, ch)}
		return nil
	})
	return st, err
}

func applyChange(ctx context.Context, tx Conn, version int, ch RuleChange) error {
	var res sql.Result
	var err error
	switch ch.Action {
	case RuleAdded:
		res, err = tx.Exec(ctx, `INSERT INTO lexicon_rules (id, feed, seq, body) VALUES (?, ?, ?, ?)`, ch.Rule.ID, ch.Rule.Feed, version, string(ch.Rule.Body))
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: lexicon rule %q exists", ErrConflict, ch.Rule.ID)
		}
	case RuleUpdated:
		res, err = tx.Exec(ctx, `UPDATE lexicon_rules SET feed = ?, body = ? WHERE id = ?`, ch.Rule.Feed, string(ch.Rule.Body), ch.Rule.ID)
	case RuleDeleted:
		res, err = tx.Exec(ctx, `DELETE FROM lexicon_rules WHERE id = ?`, ch.Rule.ID)
	default:
		return fmt.Errorf("lexicon change %q: unknown action", ch.Action)
	}
	if err != nil {
		return fmt.Errorf("%s lexicon rule %s: %w", ch.Action, ch.Rule.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: lexicon rule %q", ErrNotFound, ch.Rule.ID)
	}
	return nil
}

// applied is the rule list after ch, as the database now holds it.
func applied(rules []RuleRow, ch RuleChange) []RuleRow {
	out := make([]RuleRow, 0, len(rules)+1)
	for _, r := range rules {
		if r.ID != ch.Rule.ID {
			out = append(out, r)
		} else if ch.Action == RuleUpdated {
			out = append(out, ch.Rule)
		}
	}
	if ch.Action == RuleAdded {
		out = append(out, ch.Rule)
	}
	return out
}

// History returns the changes after version since, oldest first, at most
// limit of them.
func (l Lexicon) History(ctx context.Context, since, limit int) ([]LexiconChange, error) {
	rows, err := l.db.Conn().Query(ctx, `SELECT version, action, rule_id, body, changed_at FROM lexicon_changes WHERE version > ? ORDER BY version LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("read lexicon history: %w", err)
	}
	defer rows.Close()
	var out []LexiconChange
	for rows.Next() {
		var c LexiconChange
		var body sql.NullString
		var at int64
		if err := rows.Scan(&c.Version, &c.Action, &c.RuleID, &body, &at); err != nil {
			return nil, fmt.Errorf("read lexicon history: %w", err)
		}
		if body.Valid {
			c.Body = []byte(body.String)
		}
		c.ChangedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
