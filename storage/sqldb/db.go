// Package sqldb is Loa's SQL database: the home of small, queried, mutable
// records (lexicon rules and their history, editor tokens, listen counts,
// TTS usage counters), next to the blob store that keeps what is large or
// immutable. One code path serves both engines: SQLite (modernc.org/sqlite,
// pure Go, a file in the data folder) for one machine and PostgreSQL
// (pgx) for several nodes. Queries are written once with '?' placeholders
// and portable SQL; the schema grows by versioned goose migrations
// (migrations/*.sql) applied at start-up.
//
// The package knows no domain types: callers hand it rows and decide what
// they mean, so it stays a leaf like the blob store.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinels; callers map them to their own (article.ErrNotFound, …).
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid database setting")
)

// Engine names the database behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open, migrated-on-request database.
type DB struct {
	sql    *sql.DB // transactions, River, and statements that change rows
	read   *sql.DB // SQLite only: reads outside transactions (nil on PostgreSQL)
	engine Engine
	pool   *pgxpool.Pool // PostgreSQL only
	name   string        // the setting without its password, for logs

	stopCheckpoints func() error // SQLite only
	queue           writerQueue  // SQLite only

	schemaMu sync.Mutex
	schema   string // PostgreSQL: current_schema(), once read (notify.go)
}

// DefaultURL is the embedded default: a SQLite file in the data folder.
func DefaultURL(dataDir string) string {
	return "sqlite:" + filepath.Join(dataDir, "loa.db")
}

// Open connects to the database named by setting: "sqlite:PATH" (the file
// and its folder are created) or "postgres://…" / "postgresql://…". It does
// not migrate; call Migrate.
func Open(ctx context.Context, setting string) (*DB, error) {
	switch {
	case strings.HasPrefix(setting, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(setting, "sqlite:"))
	case strings.HasPrefix(setting, "postgres://"), strings.HasPrefix(setting, "postgresql://"):
		return openPostgres(ctx, setting)
	case setting == "":
		return nil, fmt.Errorf("%w: empty database setting; use sqlite:PATH or postgres://…", ErrInvalid)
	}
	return nil, fmt.Errorf("%w: %q: use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB", ErrInvalid, redact(setting))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite: needs a file path, e.g. sqlite:./data/loa.db", ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	// WAL lets readers run beside the one writer; busy_timeout makes a
	// writer of another process (loa migrate) wait instead of failing;
	// _txlock=immediate takes the write lock at BEGIN, so two
	// read-then-write transactions queue up rather than deadlock on the
	// upgrade from read to write.
	params := func(pragmas ...string) string {
		q := url.Values{}
		for _, p := range append([]string{"busy_timeout(10000)", "foreign_keys(1)"}, pragmas...) {
			q.Add("_pragma", p)
		}
		return q.Encode()
	}
	// SQLite reads the name as a URI: escaping keeps '?', '#', '%' and
	// spaces in folder names part of the path.
	name := "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?"
	// Everything that writes (transactions, River, single statements)
	// shares one connection and queues for it in Go. Writers racing for
	// SQLite's lock instead wait in its busy handler, which sleeps up to
	// 100 ms between tries and lets newcomers overtake: seconds for an
	// unlucky request under load. River's SQLite driver asks for one
	// connection too.
	// The writer leaves checkpoints to checkpointLoop (its own
	// connection): run by the writer they held it, and every queued
	// writer, through a copy and an fsync of the database file. Its own
	// automatic checkpoint stays as a backstop, far above SQLite's
	// default of 1,000 pages, for a loop that falls behind.
	write := sql.OpenDB(&sqliteConnector{dsn: name + params("journal_mode(WAL)", "synchronous(NORMAL)",
		fmt.Sprintf("wal_autocheckpoint(%d)", backstopCheckpointPages)) + "&_txlock=immediate"})
	write.SetMaxOpenConns(1)
	d := &DB{sql: write, engine: SQLite, name: "sqlite:" + path, queue: make(writerQueue, 1)}
	// The writer connects first: it creates the file and turns WAL on.
	if err := d.Ping(ctx); err != nil {
		write.Close()
		return nil, err
	}
	// Readers never wait for the writer (WAL) and cannot write by mistake.
	// They map the file instead of copying pages into a 2 MB cache per
	// connection, which an archive of 100,000 articles (90 MB) outgrows:
	// listings, searches and feeds took 20-25 % less time.
	d.read = sql.OpenDB(&sqliteConnector{dsn: name + params("query_only(1)", fmt.Sprintf("mmap_size(%d)", readerMmapBytes))})
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	ckpt := sql.OpenDB(&sqliteConnector{dsn: name + params()})
	ckpt.SetMaxOpenConns(1)
	d.stopCheckpoints = checkpointLoop(ckpt)
	return d, nil
}

// readerMmapBytes bounds what a reader maps of the database file; pages
// beyond it are read as before.
const readerMmapBytes = 1 << 30

func openPostgres(ctx context.Context, setting string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(setting)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, redact(setting), err)
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		m := c.TypeMap()
		m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{unwrapPQArrays}, m.TryWrapEncodePlanFuncs...)
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redact(setting), err)
	}
	// One pool serves database/sql (our queries, goose) and, later, pgx
	// users such as River's riverpgxv5 driver.
	d := &DB{sql: stdlib.OpenDBFromPool(pool), engine: Postgres, pool: pool, name: redact(setting)}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// redact hides the password of a database URL.
func redact(setting string) string {
	u, err := url.Parse(setting)
	if err != nil || u.User == nil {
		return setting
	}
	return u.Redacted()
}

// Engine says which database this is.
func (d *DB) Engine() Engine { return d.engine }

// String names the database without secrets.
func (d *DB) String() string { return d.name }

// SQL is the database/sql handle (River's riversqlite driver wants it).
func (d *DB) SQL() *sql.DB { return d.sql }

// Pool is the pgx pool on PostgreSQL, nil on SQLite.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Ping checks the connection.
func (d *DB) Ping(ctx context.Context) error {
	for _, db := range []*sql.DB{d.sql, d.read} {
		if db == nil {
			continue
		}
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("database %s: %w", d.name, err)
		}
	}
	return nil
}

// Close releases the connections.
func (d *DB) Close() error {
	var err error
	if d.stopCheckpoints != nil {
		err = d.stopCheckpoints()
	}
	err = errors.Join(err, d.sql.Close())
	if d.read != nil {
		err = errors.Join(err, d.read.Close())
	}
	if d.pool != nil {
		d.pool.Close()
	}
	return err
}

// querier is what both DB and Tx run queries with.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Conn runs queries written with '?' placeholders on either engine.
type Conn struct {
	q      querier
	read   querier // outside a transaction on SQLite: where SELECTs go
	queue  writerQueue
	engine Engine
	db     *DB
	// afterCommit collects, in a transaction, what runs once it commits.
	afterCommit *[]func()
}

// AfterCommit runs fn once the transaction commits (never if it rolls
// back); outside a transaction, at once.
func (c Conn) AfterCommit(fn func()) {
	if c.afterCommit == nil {
		fn()
		return
	}
	*c.afterCommit = append(*c.afterCommit, fn)
}

func (c Conn) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	leave, err := c.queue.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	return c.q.ExecContext(ctx, c.bind(query), args...)
}

func (c Conn) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := c.pick(query)
	if q == c.q {
		leave, err := c.queue.enter(ctx)
		if err != nil {
			return nil, err
		}
		defer leave()
	}
	return q.QueryContext(ctx, c.bind(query), args...)
}

func (c Conn) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := c.pick(query)
	if q == c.q {
		// On a cancelled ctx the row below reports it.
		if leave, err := c.queue.enter(ctx); err == nil {
			defer leave()
		}
	}
	return q.QueryRowContext(ctx, c.bind(query), args...)
}

// writerQueue lets Loa's writers at SQLite's one write connection in the
// order they came (nil on PostgreSQL: no queue). database/sql hands a
// freed connection to a random waiter, so with a dozen waiting an unlucky
// request waited many turns; behind the queue at most one of Loa's
// waits there, beside River's own. A writer leaves the queue once it has
// the connection (a transaction) or is done (a single statement).
type writerQueue chan struct{}

func (q writerQueue) enter(ctx context.Context) (leave func(), err error) {
	if q == nil {
		return func() {}, nil
	}
	// Blocked senders on a channel are served first come, first served.
	select {
	case q <- struct{}{}:
		return func() { <-q }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pick sends a SELECT to the readers, so that it neither waits for the
// writer nor holds it; anything else (INSERT … RETURNING) is a write.
func (c Conn) pick(query string) querier {
	if t := strings.TrimLeft(query, " \t\n"); c.read != nil && len(t) >= 6 && strings.EqualFold(t[:6], "SELECT") {
		return c.read
	}
	return c.q
}

// bind turns '?' into PostgreSQL's $1, $2, …; queries in this package
// never carry a literal '?'.
func (c Conn) bind(query string) string {
	if c.engine != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Conn runs single statements outside a transaction.
func (d *DB) Conn() Conn {
	c := Conn{q: d.sql, engine: d.engine, queue: d.queue, db: d}
	if d.read != nil {
		c.read = d.read
	}
	return c
}

// InTx runs fn in a transaction, committed when fn returns nil. A
// transaction the database aborted for a conflict with another one
// (PostgreSQL serialization failure or deadlock, SQLite busy) is retried,
// so fn must have no effects outside the transaction.
func (d *DB) InTx(ctx context.Context, fn func(tx Conn) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = d.inTx(ctx, fn); err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
	return err
}

func (d *DB) inTx(ctx context.Context, fn func(tx Conn) error) (err error) {
	leave, err := d.queue.enter(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	leave()
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var after []func()
	if err = fn(Conn{q: tx, engine: d.engine, db: d, afterCommit: &after}); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range after {
		f()
	}
	return nil
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isUniqueViolation reports a duplicate primary or unique key.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// micros and fromMicros store times as integer microseconds since the Unix
// epoch: the same column type and ordering on both engines.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
