package sqldb

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the statements one SQLite connection keeps
// prepared: more than Loa's and River's distinct queries, few enough that
// the memory stays small.
const stmtCacheSize = 128

// sqliteConnector opens modernc SQLite connections that keep their
// statements prepared. modernc parses every statement of a one-shot
// Exec or Query again, and parsing was about a quarter of the CPU of a
// busy node (River's fetch query is long); database/sql's own prepared
// statements would not help River, which sends plain queries.
type sqliteConnector struct {
	dsn string
	drv sqlite.Driver
}

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{sqliteConn: conn.(sqliteConn), stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return &c.drv }

// sqliteConn is what modernc's connection implements and cachingConn
// passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn keeps the last stmtCacheSize statements prepared. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*list.Element // query → element of lru holding *cachedStmt
	lru   *list.List               // most recently used first
}

type cachedStmt struct {
	query string
	stmt  sqliteStmt
	// busy: open rows are reading from the statement, so it must not
	// be reset by another use until they are closed.
	busy    bool
	evicted bool // closed once its rows are
}

// take returns the prepared statement of query and whether it belongs to
// the cache; a statement that is busy with open rows gets a one-off twin.
func (c *cachingConn) take(ctx context.Context, query string) (*cachedStmt, bool, error) {
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		c.lru.MoveToFront(e)
		if !cs.busy {
			return cs, true, nil
		}
		s, err := c.sqliteConn.PrepareContext(ctx, query)
		if err != nil {
			return nil, false, err
		}
		return &cachedStmt{query: query, stmt: s.(sqliteStmt)}, false, nil
	}
	s, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	cs := &cachedStmt{query: query, stmt: s.(sqliteStmt)}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return cs, true, nil
}

func (c *cachingConn) evict(e *list.Element) {
	cs := e.Value.(*cachedStmt)
	c.lru.Remove(e)
	delete(c.stmts, cs.query)
	cs.evicted = true
	if !cs.busy {
		cs.stmt.Close()
	}
}

// drop removes a statement that failed, in case it was left mid-step.
func (c *cachingConn) drop(cs *cachedStmt, cached bool) {
	if !cached {
		cs.stmt.Close()
		return
	}
	if e, ok := c.stmts[cs.query]; ok && e.Value == cs {
		c.evict(e)
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, cached, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := cs.stmt.ExecContext(ctx, args)
	if err != nil || !cached {
		c.drop(cs, cached)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, cached, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.drop(cs, cached)
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs, cached: cached}, nil
}

func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.stmts, c.lru = nil, list.New()
	return c.sqliteConn.Close()
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	cs     *cachedStmt
	cached bool
	closed bool
}

func (r *cachedRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	r.cs.busy = false
	if !r.cached || r.cs.evicted {
		r.cs.stmt.Close()
	}
	return err
}

// The column type methods keep rows.ColumnTypes as modernc answers it.

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
