package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/oeru/copharvest/pkg/lock"
)

// pgLockClass is the first key of every advisory lock copharvest takes, so
// that its locks never meet another application's in the same database.
const pgLockClass = 0x636f70 // "cop"; also written in pgRowidFunction

// Second keys of the advisory locks (the per-(instance, tag) harvest locks
// use a hash of the pair instead).
const (
	pgLockMigrate = 1 // held while migrating: several processes may start at once
	pgLockWrite   = 2 // held by every write transaction (see inTx)
)

// openPostgres opens the PostgreSQL database at url. The password (in the
// URL, PGPASSWORD or ~/.pgpass) goes to the server only: errors and Path
// carry the URL with it redacted.
// A role that may only read gets a read-only store from OpenExisting
// (allowReader) and a NotWritableError from Open.
func openPostgres(ctx context.Context, location string, readOnly, allowReader bool) (*Store, error) {
	shown := Redact(location)
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		// pgx's message may quote the URL; keep only our redacted form.
		return nil, fmt.Errorf("open database %s: not a valid PostgreSQL URL", shown)
	}
	host, _ := os.Hostname()
	// The application name tells another harvester (and an administrator's
	// pg_stat_activity) who holds a lock.
	cfg.RuntimeParams["application_name"] = fmt.Sprintf("copharvest pid %d on %s", os.Getpid(), host)
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	} else {
		// SQLite's synchronous=NORMAL: a server crash may lose the last
		// commits, never consistency (a page and its cursor are one
		// transaction, so the next sync fetches that page again).
		cfg.RuntimeParams["synchronous_commit"] = "off"
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(8)
	s := &Store{path: shown, w: db, r: db, now: time.Now, pg: true}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", shown, pgError(err, location))
	}
	if readOnly {
		if err := s.checkVersion(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
	var mayWrite bool
	if err := db.QueryRowContext(ctx, `SELECT has_schema_privilege(current_schema(), 'CREATE')
			OR has_table_privilege(to_regclass('posts'), 'INSERT') IS TRUE`).Scan(&mayWrite); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	if !mayWrite {
		if err := s.checkVersion(ctx); err != nil {
			db.Close()
			return nil, err
		}
		if allowReader {
			return s, nil
		}
		db.Close()
		return nil, &NotWritableError{Path: shown, Err: errors.New("this role may only read")}
	}
	s.writable = true
	if err := s.migratePostgres(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// pgError strips the password from a driver error, should it quote the URL.
func pgError(err error, location string) error {
	if cfg, perr := pgx.ParseConfig(location); perr == nil && cfg.Password != "" && strings.Contains(err.Error(), cfg.Password) {
		return errors.New(strings.ReplaceAll(err.Error(), cfg.Password, "xxxxx"))
	}
	return err
}

// migratePostgres applies the migrations under a session advisory lock:
// processes started together wait for the first to finish, then find
// nothing left to do.
func (s *Store) migratePostgres(ctx context.Context) error {
	if have, err := s.version(ctx); err == nil && have == len(pgMigrations) {
		return nil // the usual case: nothing to do, no lock to wait for
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, $2)`, pgLockClass, pgLockMigrate); err != nil {
		return fmt.Errorf("migrate %s: wait for the migration lock: %w", s.path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, pgLockClass, pgLockMigrate)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	// Raw: a migration is several statements, sent as one simple query.
	return conn.Raw(func(dc any) error {
		pc := dc.(pgConn).Conn.Conn()
		for {
			var v *int64
			if err := pc.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
				return fmt.Errorf("migrate %s: %w", s.path, err)
			}
			have := 0
			if v != nil {
				have = int(*v)
			}
			if have > len(pgMigrations) {
				return &TooNewError{Path: s.path, Have: have, Support: len(pgMigrations)}
			}
			if have == len(pgMigrations) {
				return nil
			}
			err := pgx.BeginFunc(ctx, pc, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, pgMigrations[have]); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)`, have+1, s.stamp())
				return err
			})
			if err != nil {
				return fmt.Errorf("migrate %s to version %d: %w", s.path, have+1, err)
			}
		}
	})
}

// pgConnector hands out connections whose statements are rewritten from
// SQLite's dialect (see dialect.go).
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(toPostgres(q)) }

func (c pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, toPostgres(q))
}

func (c pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, toPostgres(q), args)
}

func (c pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, toPostgres(q), args)
}

// CheckNamedValue stores booleans as SQLite does, as the integers 0 and 1:
// the schema keeps them in integer columns on both backends. Text that
// PostgreSQL refuses (bytes that are not UTF-8, NUL: a misbehaving server
// sends them) gets U+FFFD instead, so one bad field never fails a page.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case string:
		nv.Value = pgText(v)
	case bool:
		nv.Value = boolInt(v)
	case *bool:
		if v == nil {
			nv.Value = nil
		} else {
			nv.Value = boolInt(*v)
		}
	}
	return c.Conn.CheckNamedValue(nv)
}

// pgText is s as PostgreSQL's UTF-8 text can hold it.
func pgText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// harvestLockKey is the advisory lock of one (instance, tag) cursor.
func harvestLockKey(instance, tag string) int32 {
	h := fnv.New32a()
	h.Write([]byte(instance + "\x00" + tag))
	return int32(h.Sum32())
}

// pgHarvestClass is the first key of the per-(instance, tag) harvest locks.
const pgHarvestClass = pgLockClass + 1

// HarvestLock is held by a sync while it pages its cursors.
type HarvestLock interface{ Release() error }

// LockHarvest keeps other processes from paging the cursors of instances ×
// tags while the returned lock is held, waiting up to wait for them. On
// SQLite it is the database's file lock (one sync at a time); on
// PostgreSQL it is an advisory lock per (instance, tag), so harvesters of
// different instances or tags run side by side. A lock held elsewhere is a
// *lock.HeldError.
func (s *Store) LockHarvest(ctx context.Context, instances, tags []string, wait time.Duration) (HarvestLock, error) {
	if !s.pg {
		l, err := lock.Acquire(ctx, s.path, wait)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	l := &pgHarvestLock{conn: conn}
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&s.harvestPID); err != nil {
		l.Release()
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	var pairs [][2]string
	for _, inst := range instances {
		for _, tag := range tags {
			pairs = append(pairs, [2]string{inst, tag})
		}
	}
	// One order for every process: two waiting harvesters never deadlock.
	slices.SortFunc(pairs, func(a, b [2]string) int { return cmp.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	expired, stop := context.WithTimeout(context.Background(), wait)
	defer stop()
	for _, p := range pairs {
		key := harvestLockKey(p[0], p[1])
		got, err := lock.Poll(ctx, expired.Done(), func() (bool, error) {
			var got bool
			err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?, ?)`, pgHarvestClass, key).Scan(&got)
			return got, err
		})
		if err != nil {
			l.Release()
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, fmt.Errorf("lock %s #%s: %w", p[0], p[1], err)
		}
		if !got {
			var holder string
			conn.QueryRowContext(ctx, `SELECT COALESCE(MIN(a.application_name), '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ? AND l.objsubid = 2 AND l.`+pgThisDatabase,
				pgHarvestClass, int64(uint32(key))).Scan(&holder)
			l.Release()
			return nil, &lock.HeldError{Path: fmt.Sprintf("advisory lock of %s #%s in %s", p[0], p[1], s.path), Holder: holder}
		}
		l.keys = append(l.keys, key)
	}
	return l, nil
}

// pgThisDatabase limits a query of pg_locks, which lists the locks of
// every database of the cluster, to this database's: advisory locks are
// per database, and a harvest of another course's database on the same
// server is no harvest of this one.
const pgThisDatabase = `database = (SELECT oid FROM pg_database WHERE datname = current_database())`

// closeDeadRunsPG: on PostgreSQL other harvesters may be running: a run is
// dead when no other session holds the lock of any of its (instance, tag).
func (s *Store) closeDeadRunsPG(ctx context.Context) (int, error) {
	type run struct {
		id              int64
		instances, tags string
	}
	runs, err := queryAll(ctx, s.w, "close dead runs", `SELECT id, instances, tags FROM runs WHERE status = 'running'`, nil,
		func(r *sql.Rows) (run, error) {
			var x run
			return x, r.Scan(&x.id, &x.instances, &x.tags)
		})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range runs {
		var keys []int64
		for _, inst := range strings.Fields(r.instances) {
			for _, tag := range strings.Fields(r.tags) {
				keys = append(keys, int64(uint32(harvestLockKey(inst, tag))))
			}
		}
		var alive bool
		if err := s.w.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ?
				AND objsubid = 2 AND pid <> ? AND objid::bigint = ANY(?) AND `+pgThisDatabase+`)`, pgHarvestClass, s.harvestPID, keys).Scan(&alive); err != nil {
			return n, fmt.Errorf("close dead runs: %w", err)
		}
		if alive {
			continue
		}
		if _, err := s.exec(ctx, `UPDATE runs SET status = 'failed', error = ? WHERE id = ? AND status = 'running'`, DeadRunError, r.id); err != nil {
			return n, fmt.Errorf("close dead runs: %w", err)
		}
		n++
	}
	return n, nil
}

type pgHarvestLock struct {
	conn *sql.Conn
	keys []int32
}

// Release gives the locks up; the session ending (a killed process) would
// too.
func (l *pgHarvestLock) Release() error {
	if l.conn == nil {
		return nil
	}
	var errs []error
	for _, k := range l.keys {
		_, err := l.conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(?, ?)`, pgHarvestClass, k)
		errs = append(errs, err)
	}
	errs = append(errs, l.conn.Close())
	l.conn = nil
	return errors.Join(errs...)
}

// HarvestRunning reports whether a sync holds the database's harvest lock
// (on PostgreSQL: any (instance, tag) lock). known is false when that
// cannot be told.
func (s *Store) HarvestRunning(ctx context.Context) (held, known bool) {
	if !s.pg {
		return lock.Held(s.path)
	}
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ? AND objsubid = 2 AND `+pgThisDatabase+`)`,
		pgHarvestClass).Scan(&held)
	return held, err == nil
}
