package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// Open opens the store named by target and migrates its schema: a
// postgres:// or postgresql:// URL opens PostgreSQL (PYLON_DATABASE_URL);
// anything else is a SQLite file path (PYLON_DATABASE_PATH), optionally written
// sqlite://path or file:path.
func Open(ctx context.Context, target string, opts ...Option) (Store, error) {
	switch {
	case strings.HasPrefix(target, "postgres://"), strings.HasPrefix(target, "postgresql://"):
		return OpenPostgres(ctx, target, opts...)
	case strings.HasPrefix(target, "sqlite://"):
		return OpenSQLite(ctx, strings.TrimPrefix(target, "sqlite://"), opts...)
	case strings.HasPrefix(target, "file:"):
		return OpenSQLite(ctx, strings.TrimPrefix(target, "file:"), opts...)
	case strings.Contains(target, "://"):
		scheme, _, _ := strings.Cut(target, "://")
		return nil, fmt.Errorf("store: unsupported database scheme %q (use postgres:// or a SQLite file path)", scheme)
	}
	return OpenSQLite(ctx, target, opts...)
}

// OpenSQLite opens (creating if needed) the SQLite database at path.
//
// Connections use WAL journaling, a busy timeout and BEGIN IMMEDIATE
// transactions instead of a single connection: readers (status endpoints) never
// wait for the runner's writes, writers queue on SQLite's lock for up to the
// busy timeout instead of failing with SQLITE_BUSY, and taking the write lock
// at BEGIN avoids the deferred read-to-write upgrade that busy_timeout cannot
// rescue. The same holds across processes sharing the file. synchronous stays
// FULL, so a job is on disk before Create returns.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (Store, error) {
	if path == "" || strings.ContainsAny(path, "?") || path == ":memory:" {
		return nil, fmt.Errorf("store: SQLite path %q: need a file path without '?'", path)
	}
	cfg := newConfig(opts)
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("store: SQLite directory: %w", err)
		}
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite %s: %w", path, err)
	}
	// A handful suffices: one writer at a time, a few concurrent readers.
	db.SetMaxOpenConns(8)
	fail := func(err error) (Store, error) {
		_ = db.Close()
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("store: open SQLite %s: %w", path, err))
	}
	unlock, err := lockFile(path + ".migrate-lock")
	if err != nil {
		return fail(err)
	}
	err = migrate(ctx, db, sqliteDialect, cfg.log)
	if uerr := unlock(); err == nil {
		err = uerr
	}
	if err != nil {
		return fail(err)
	}
	return &sqlStore{db: db, d: sqliteDialect, cfg: cfg}, nil
}

// OpenPostgres opens the PostgreSQL database at url (a postgres:// URL or a
// key=value connection string) through pgx's database/sql driver.
func OpenPostgres(ctx context.Context, url string, opts ...Option) (Store, error) {
	if url == "" {
		return nil, errors.New("store: empty PostgreSQL URL")
	}
	cfg := newConfig(opts)
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: open PostgreSQL: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		// The URL may hold a password: do not repeat it.
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	if err := migrate(ctx, db, postgresDialect, cfg.log); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &sqlStore{db: db, d: postgresDialect, cfg: cfg}, nil
}
