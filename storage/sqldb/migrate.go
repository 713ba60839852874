package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationFiles holds the schema's history. A file applies to both engines
// unless its name ends in .sqlite.sql or .postgres.sql: then only to that
// engine, and the other engine has a file of the same version.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema version and whether it is applied.
type Migration struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

func (d *DB) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	excluded, err := otherEngineFiles(fsys, d.engine)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithExcludeNames(excluded)}
	dialect := goose.DialectSQLite3
	if d.engine == Postgres {
		dialect = goose.DialectPostgres
		// Nodes starting together migrate one at a time.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.sql, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// otherEngineFiles lists the migration files written for another engine.
func otherEngineFiles(fsys fs.FS, engine Engine) ([]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		stem := strings.TrimSuffix(n, ".sql")
		if e := path.Ext(stem); e != "" && e != "."+string(engine) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Migrate applies every pending migration and returns those it applied.
func (d *DB) Migrate(ctx context.Context) ([]Migration, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", d.name, err)
	}
	out := make([]Migration, 0, len(results))
	for _, r := range results {
		out = append(out, Migration{Version: r.Source.Version, Name: path.Base(r.Source.Path), Applied: true})
	}
	river, err := d.migrateRiver(ctx)
	if err != nil {
		return out, err
	}
	return append(out, river...), nil
}

// RiverDriver is River's driver for this database. Both engines go through
// database/sql, so River's client and the catalog share one transaction
// type (*sql.Tx) and a job is inserted in the transaction that changes the
// catalog; on PostgreSQL River listens for notifications on the pgx pool.
func (d *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if d.engine == Postgres {
		return riverdatabasesql.NewWithPgxListener(d.sql, d.pool)
	}
	return riversqlite.New(d.sql)
}

// migrateRiver applies River's own migrations (its job tables). Nodes
// starting together may race on them; a failed attempt is retried once the
// other node is done.
func (d *DB) migrateRiver(ctx context.Context) ([]Migration, error) {
	m, err := rivermigrate.New(d.RiverDriver(), nil)
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	var res *rivermigrate.MigrateResult
	for attempt := 0; ; attempt++ {
		res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil || attempt == 4 {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("river migrations on %s: %w", d.name, err)
	}
	var out []Migration
	for _, v := range res.Versions {
		out = append(out, Migration{Version: int64(v.Version), Name: "river/" + v.Name, Applied: true})
	}
	return out, nil
}

// MigrationStatus lists every known migration and whether it is applied.
func (d *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status of %s: %w", d.name, err)
	}
	out := make([]Migration, 0, len(st))
	for _, s := range st {
		out = append(out, Migration{
			Version:   s.Source.Version,
			Name:      path.Base(s.Source.Path),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}
