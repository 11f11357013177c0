// Package store keeps copharvest's data in one SQLite file (modernc.org/sqlite,
// no cgo): one row per post keyed by its global uri, per-instance local ids,
// tags, mentions, links, edit history, boosts and favourites, cursors and a
// run log. Schema versions are migrations applied at Open.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is an open database. Writes go through one connection (SQLite has one
// writer anyway); reads use a separate pool so they never queue behind a write.
type Store struct {
	path string
	w    *sql.DB
	r    *sql.DB
	now  func() time.Time
	// writable: opened for writing (checkpoints its WAL on Close).
	writable bool
	// writeStmts are the write path's statements, prepared once on the
	// write connection and reused by every transaction (see batch.go).
	writeStmts stmtCache
	// accounts: the accounts as the write path last wrote them (SQLite).
	accounts accountCache
	// pg: a PostgreSQL database (postgres.go); path is then its URL with
	// the password redacted, and w and r are one pool.
	pg bool
	// harvestPID: the PostgreSQL session holding this process's harvest
	// locks (LockHarvest), whose runs are not dead.
	harvestPID int64
	// noRawReader: read the facts and classify's merged read through the
	// pool only, not a rawReader (tests compare the two ways).
	noRawReader bool
}

// NotSQLiteError: the path exists but is not a SQLite database. We refuse to
// touch it rather than overwrite someone's file.
type NotSQLiteError struct{ Path string }

func (e *NotSQLiteError) Error() string {
	return fmt.Sprintf("%s exists and is not a SQLite database; refusing to use or overwrite it", e.Path)
}

// NoDatabaseError: there is no database to read at Path.
type NoDatabaseError struct {
	Path  string
	State string // "does not exist", "does not exist yet" or "is empty"
}

func (e *NoDatabaseError) Error() string { return fmt.Sprintf("database %s %s", e.Path, e.State) }

// OldSchemaError: a reader met a database that a writer must migrate first.
type OldSchemaError struct {
	Path string
	Have int
}

func (e *OldSchemaError) Error() string {
	return fmt.Sprintf("database %s has schema version %d", e.Path, e.Have)
}

// NoWALIndexError: a reader who may not write the directory met a database
// whose WAL index is missing; only a writer can rebuild it.
type NoWALIndexError struct {
	Path string
	Err  error
}

func (e *NoWALIndexError) Error() string {
	return fmt.Sprintf("cannot read %s: its directory is not writable and its WAL index (%s-shm) is missing: %v", e.Path, filepath.Base(e.Path), e.Err)
}
func (e *NoWALIndexError) Unwrap() error { return e.Err }

// NotWritableError: the database or its directory cannot be written.
type NotWritableError struct {
	Path string
	Err  error
}

func (e *NotWritableError) Error() string {
	return fmt.Sprintf("database %s is not writable: %v", e.Path, e.Err)
}
func (e *NotWritableError) Unwrap() error { return e.Err }

// TooNewError: the file was migrated by a newer copharvest.
type TooNewError struct {
	Path          string
	Have, Support int
}

func (e *TooNewError) Error() string {
	return fmt.Sprintf("database %s has schema version %d; this copharvest knows up to %d: upgrade copharvest", e.Path, e.Have, e.Support)
}

// DamagedError: the file fails SQLite's quick_check. Nothing is written to
// it: writing into a damaged file spreads the damage.
type DamagedError struct {
	Path, Detail string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("database %s is damaged (%s); nothing was written to it. Restore it from a backup, or recover what SQLite can read: sqlite3 %s .recover | sqlite3 recovered.db", e.Path, e.Detail, e.Path)
}

var sqliteHeader = []byte("SQLite format 3\x00")

// Open opens (creating if needed) the database at path and migrates it.
// readOnly opens for reading only and never creates or migrates. A
// postgres:// URL opens a PostgreSQL database instead of a SQLite file.
func Open(ctx context.Context, path string, readOnly bool) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path, readOnly, false)
	}
	return openChecked(ctx, path, readOnly, true)
}

// OpenForAnalysis opens an existing database for writing what analysis
// derives from the posts (per-post facts, community assignments), which a
// later run rebuilds. It skips SQLite's quick_check, which reads the whole
// file (seconds on a million posts), unless the schema must be migrated
// first: quick_check guards the commands that write what was harvested.
func OpenForAnalysis(ctx context.Context, path string) (*Store, error) {
	if IsPostgres(path) {
		// No file to check; a role that may only read gets a read-only
		// store, as from OpenExisting.
		return openPostgres(ctx, path, false, true)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, &NoDatabaseError{Path: path, State: "does not exist"}
	}
	return openChecked(ctx, path, false, false)
}

func openChecked(ctx context.Context, path string, readOnly, alwaysCheck bool) (*Store, error) {
	if err := checkFile(path, readOnly); err != nil {
		return nil, err
	}
	// Switching a new file to WAL takes an exclusive lock that SQLite does
	// not wait for: when another process is creating the same file, try
	// again for a while.
	for attempt := 0; ; attempt++ {
		s, err := openOnce(ctx, path, readOnly, alwaysCheck)
		if err == nil || attempt == 50 || !isBusy(err) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(20+attempt*10) * time.Millisecond):
		}
	}
}

// OpenExisting opens an existing database for writing; unlike Open it never
// creates one, so a mistyped path is an error rather than a new empty file.
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	if IsPostgres(path) {
		// The server says whether the database exists. A role that may
		// only read gets a read-only store (Writable is false).
		return openPostgres(ctx, path, false, true)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, &NoDatabaseError{Path: path, State: "does not exist"}
	}
	return Open(ctx, path, false)
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

func openOnce(ctx context.Context, path string, readOnly, alwaysCheck bool) (*Store, error) {
	dsn := "file:" + escapePath(path) + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)&_txlock=immediate"
	if readOnly {
		dsn += "&mode=ro"
	} else {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{path: path, w: w, now: time.Now}
	err = w.PingContext(ctx)
	if readOnly && err != nil && cannotInitWAL(err) {
		// A reader who may not write the directory cannot create the WAL
		// index. With no -wal file no writer has the database open and
		// everything is in the main file: read it as immutable.
		w.Close()
		if _, statErr := os.Stat(path + "-wal"); !errors.Is(statErr, fs.ErrNotExist) {
			return nil, &NoWALIndexError{Path: path, Err: err}
		}
		dsn += "&immutable=1"
		if w, err = sql.Open("sqlite", dsn); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		s.w = w
		err = w.PingContext(ctx)
	}
	if err != nil {
		w.Close()
		return nil, classifyOpenError(path, err)
	}
	if !readOnly {
		check := alwaysCheck
		if !check {
			// A file from before schema_migrations has version 0.
			have, err := s.version(ctx)
			check = err != nil || have < len(migrations)
		}
		if check {
			if err := s.quickCheck(ctx); err != nil {
				w.Close()
				return nil, err
			}
		}
		if err := persistWAL(ctx, w); err != nil {
			w.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		s.writable = true
		if err := s.migrate(ctx); err != nil {
			w.Close()
			return nil, err
		}
	} else if err := s.checkVersion(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s.r = r
	return s, nil
}

// cannotInitWAL: SQLite could not create or open the WAL files (a
// read-only connection in a directory it may not write).
func cannotInitWAL(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "readonly database") || strings.Contains(msg, "unable to open")
}

// persistWAL keeps the -wal and -shm files when the writer closes, so that
// people who may read the database but not write its directory can still
// open it read-only (SQLite cannot create them for a reader).
func persistWAL(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		fc, ok := dc.(sqlite.FileControl)
		if !ok {
			return errors.New("the SQLite driver cannot keep the WAL file")
		}
		_, err := fc.FileControlPersistWAL("main", 1)
		return err
	})
}

func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// checkFile refuses non-SQLite files and reports unwritable paths before
// SQLite gets a chance to create or change anything.
func checkFile(path string, readOnly bool) error {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if readOnly {
			return &NoDatabaseError{Path: path, State: "does not exist yet"}
		}
		dir := filepath.Dir(path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return &NotWritableError{Path: path, Err: err}
		}
		probe, err := os.CreateTemp(dir, ".copharvest-probe-*")
		if err != nil {
			return &NotWritableError{Path: path, Err: err}
		}
		probe.Close()
		os.Remove(probe.Name())
		return nil
	case err != nil:
		return &NotWritableError{Path: path, Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("database %s is a directory; give a file path", path)
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF || err == nil) {
		if readOnly {
			return &NoDatabaseError{Path: path, State: "is empty"}
		}
		return nil // an empty file: SQLite makes it a database
	}
	if !bytes.Equal(head[:n], sqliteHeader) {
		return &NotSQLiteError{Path: path}
	}
	if !readOnly {
		wf, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return &NotWritableError{Path: path, Err: err}
		}
		wf.Close()
	}
	return nil
}

// quickCheck runs SQLite's quick_check before a writer's first write.
func (s *Store) quickCheck(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, `PRAGMA quick_check(3)`)
	if err != nil {
		return classifyOpenError(s.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return classifyOpenError(s.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return classifyOpenError(s.path, err)
	}
	if len(problems) > 0 {
		return &DamagedError{Path: s.path, Detail: strings.Join(problems, "; ")}
	}
	return nil
}

func classifyOpenError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT"):
		return &DamagedError{Path: path, Detail: msg}
	case strings.Contains(msg, "file is not a database"):
		return &NotSQLiteError{Path: path}
	case strings.Contains(msg, "readonly") || strings.Contains(msg, "unable to open"):
		return &NotWritableError{Path: path, Err: err}
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return classifyOpenError(s.path, err)
	}
	for {
		// Each step reads the version inside its own immediate (write-
		// locked) transaction: two processes opening a new file at once
		// then apply each migration exactly once between them.
		done := false
		var applied int
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var v sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
				return err
			}
			have := int(v.Int64)
			if have > len(migrations) {
				return &TooNewError{Path: s.path, Have: have, Support: len(migrations)}
			}
			if have == len(migrations) {
				done = true
				return nil
			}
			applied = have + 1
			if _, err := tx.ExecContext(ctx, migrations[applied-1]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, applied, s.stamp())
			return err
		})
		var tooNew *TooNewError
		switch {
		case errors.As(err, &tooNew):
			return err
		case err != nil:
			return fmt.Errorf("migrate %s to version %d: %w", s.path, applied, err)
		case done:
			return nil
		}
	}
}

func (s *Store) version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.w.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, classifyOpenError(s.path, err)
	}
	return int(v.Int64), nil
}

func (s *Store) checkVersion(ctx context.Context) error {
	if s.pg {
		var exists bool
		if err := s.w.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
			return fmt.Errorf("open database %s: %w", s.path, err)
		}
		if !exists {
			return &NoDatabaseError{Path: s.path, State: "holds no copharvest tables yet"}
		}
	}
	have, err := s.version(ctx)
	if err != nil {
		return err
	}
	if have > len(migrations) {
		return &TooNewError{Path: s.path, Have: have, Support: len(migrations)}
	}
	if have < len(migrations) {
		return &OldSchemaError{Path: s.path, Have: have}
	}
	return nil
}

// SchemaVersion is the number of migrations this build applies.
func SchemaVersion() int { return len(migrations) }

// Path is the database file, or the PostgreSQL URL without its password.
func (s *Store) Path() string { return s.path }

// Close releases both pools and checkpoints the WAL.
func (s *Store) Close() error {
	var errs []error
	if s.pg {
		errs = append(errs, s.writeStmts.close(), s.w.Close())
		return errors.Join(errs...)
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.writable {
		// The WAL file stays for readers (persistWAL); empty it, so that
		// no old page images linger on disk beside the database.
		if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil && !isBusy(err) {
			errs = append(errs, fmt.Errorf("checkpoint %s: %w", s.path, err))
		}
	}
	errs = append(errs, s.writeStmts.close())
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// DB exposes the read pool for read-only queries in sibling packages' tests.
func (s *Store) DB() *sql.DB { return s.r }

func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// This transaction may write accounts behind the write path's back.
	s.accounts.reset()
	if s.pg && s.writable {
		// Writers take turns, as on SQLite: a page's read-then-write
		// (which posts are stored, the next id, a post's counts) then
		// sees every write committed before it, so concurrent harvesters
		// never duplicate a post nor lose an update. Readers do not wait.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, pgLockClass, pgLockWrite); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec runs one write statement as a write transaction: on PostgreSQL it
// then waits its turn with the other writers (see inTx), so a statement
// touching many rows never deadlocks with a harvester's page.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, q, args...)
		return err
	})
	return res, err
}

func (s *Store) stamp() string { return FormatTime(s.now()) }

// FormatTime writes times the one way the database stores them: UTC RFC 3339
// with milliseconds, so that text order is time order.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// ParseTime reads a time written by FormatTime (or any RFC 3339 time).
func ParseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

func nullTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return FormatTime(*t)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Writable reports whether the store was opened for writing.
func (s *Store) Writable() bool { return s.writable }
