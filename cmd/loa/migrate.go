package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
)

// declareDB registers the database setting of a command.
func declareDB(fs *flagSet, p *string) {
	fs.String(p, "db", "LOA_DB", "", "database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: sqlite: loa.db in the data folder); nodes sharing an S3 bucket share one PostgreSQL")
}

// openDB opens the database and brings its schema up to date.
func openDB(ctx context.Context, setting, dataDir string, log *slog.Logger) (*sqldb.DB, error) {
	if setting == "" {
		setting = sqldb.DefaultURL(dataDir)
	}
	db, err := sqldb.Open(ctx, setting)
	if errors.Is(err, sqldb.ErrInvalid) {
		return nil, usageError{"--db: " + err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		log.InfoContext(ctx, "database migrated", "db", db.String(), "version", m.Version, "migration", m.Name)
	}
	return db, nil
}

func declareMigrate(fs *flagSet) func(context.Context, env, []string) error {
	var setting, dataDir string
	declareDB(fs, &setting)
	fs.String(&dataDir, "data-dir", "LOA_DATA_DIR", "./data", "local data folder, the default store")
	return func(ctx context.Context, e env, args []string) error {
		// Flags may also follow the action: loa migrate status --db ….
		if len(args) > 1 {
			if err := fs.Parse(args[1:]); err != nil {
				return usageError{err.Error()}
			}
			args = append(args[:1], fs.Args()...)
		}
		action := "up"
		if len(args) > 0 {
			action = args[0]
		}
		if len(args) > 1 || (action != "up" && action != "status") {
			return usageError{"migrate takes one argument: up (default) or status"}
		}
		log, err := newLogger(e.stderr, "info", "text")
		if err != nil {
			return err
		}
		var db *sqldb.DB
		if action == "up" {
			db, err = openDB(ctx, setting, dataDir, log)
		} else {
			if setting == "" {
				setting = sqldb.DefaultURL(dataDir)
			}
			db, err = sqldb.Open(ctx, setting)
			if errors.Is(err, sqldb.ErrInvalid) {
				err = usageError{"--db: " + err.Error()}
			}
		}
		if err != nil {
			return err
		}
		defer db.Close()
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "VERSION\tMIGRATION\tSTATE\tAPPLIED AT")
		for _, m := range st {
			state, at := "pending", "–"
			if m.Applied {
				state, at = "applied", m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", m.Version, m.Name, state, at)
		}
		return w.Flush()
	}
}
