package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// A rawReader is a read-only connection to the SQLite file made through
// the transpiled SQLite library itself rather than database/sql, for the
// scans that read every post: the analyses' facts (a million rows for a
// year's analysis) and classify's merged read. The driver opens every connection serialised
// (SQLITE_OPEN_FULLMUTEX), so each column read takes and releases the
// connection's mutex, and database/sql adds its locking and conversions
// to each row: on the 1M benchmark that was a third of the scan's CPU
// time. A connection used by one goroutine needs neither: this one is
// opened SQLITE_OPEN_NOMUTEX and used by one scan at a time.
type rawReader struct {
	tls *libc.TLS
	db  uintptr
	// failed: SQLite, not the row callback, ended the last query with an
	// error.
	failed bool
	// slot is where SQLite writes a handle it returns (the connection, a
	// statement): C memory, as the transpiled library may only be given
	// pointers it allocated.
	slot uintptr
}

// handle is what SQLite last wrote into the slot (a pointer: 4 or 8
// bytes).
func (r *rawReader) handle() uintptr {
	if unsafe.Sizeof(uintptr(0)) == 4 {
		return uintptr(binary.NativeEndian.Uint32(libc.GoBytes(r.slot, 4)))
	}
	return uintptr(binary.NativeEndian.Uint64(libc.GoBytes(r.slot, 8)))
}

// errNoRawReader: the file cannot be opened this way (no WAL index to
// read it by, an immutable store); the caller reads through the pool.
var errNoRawReader = errors.New("no raw reader")

// openRawReader opens path read-only. A failure to open is errNoRawReader.
func openRawReader(path string) (*rawReader, error) {
	tls := libc.NewTLS()
	name, err := libc.CString("file:" + escapePath(path) + "?mode=ro")
	if err != nil {
		tls.Close()
		return nil, err
	}
	defer libc.Xfree(tls, name)
	r := &rawReader{tls: tls, slot: libc.Xcalloc(tls, 1, 8)}
	if r.slot == 0 {
		tls.Close()
		return nil, errNoRawReader
	}
	rc := sqlite3.Xsqlite3_open_v2(tls, name, r.slot, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_NOMUTEX|sqlite3.SQLITE_OPEN_URI, 0)
	r.db = r.handle()
	if rc != sqlite3.SQLITE_OK {
		r.close()
		return nil, errNoRawReader
	}
	sqlite3.Xsqlite3_busy_timeout(tls, r.db, 10000)
	return r, nil
}

func (r *rawReader) close() {
	if r.db != 0 {
		sqlite3.Xsqlite3_close_v2(r.tls, r.db)
	}
	libc.Xfree(r.tls, r.slot)
	r.tls.Close()
}

// err is the connection's last error, for code rc.
func (r *rawReader) err(rc int32) error {
	r.failed = true
	msg := libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	return fmt.Errorf("%s (%d)", msg, rc)
}

// A rawStmt is a prepared statement of a rawReader, stepped row by row;
// several may be stepped in turn on one reader.
type rawStmt struct {
	r    *rawReader
	stmt uintptr
	rows int
}

// prepare compiles q.
func (r *rawReader) prepare(q string) (*rawStmt, error) {
	zSQL, err := libc.CString(q)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(r.tls, zSQL)
	r.failed = false
	if rc := sqlite3.Xsqlite3_prepare_v2(r.tls, r.db, zSQL, -1, r.slot, 0); rc != sqlite3.SQLITE_OK {
		return nil, r.err(rc)
	}
	return &rawStmt{r: r, stmt: r.handle()}, nil
}

func (st *rawStmt) close() { sqlite3.Xsqlite3_finalize(st.r.tls, st.stmt) }

func (st *rawStmt) bindInt64(i int32, v int64) error {
	if rc := sqlite3.Xsqlite3_bind_int64(st.r.tls, st.stmt, i, v); rc != sqlite3.SQLITE_OK {
		return st.r.err(rc)
	}
	return nil
}

// bindText binds v to parameter i; SQLite keeps its own copy.
func (st *rawStmt) bindText(i int32, v string) error {
	z, err := libc.CString(v)
	if err != nil {
		return err
	}
	defer libc.Xfree(st.r.tls, z)
	const transient = ^uintptr(0) // SQLITE_TRANSIENT: SQLite copies the text
	if rc := sqlite3.Xsqlite3_bind_text(st.r.tls, st.stmt, i, z, int32(len(v)), transient); rc != sqlite3.SQLITE_OK {
		return st.r.err(rc)
	}
	return nil
}

// next steps to the next row: false at the end.
func (st *rawStmt) next() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(st.r.tls, st.stmt); rc {
	case sqlite3.SQLITE_ROW:
		st.rows++
		return true, nil
	case sqlite3.SQLITE_DONE:
		return false, nil
	default:
		return false, st.r.err(rc)
	}
}

// exec runs q to its end.
func (r *rawReader) exec(q string) error {
	st, err := r.prepare(q)
	if err != nil {
		return err
	}
	defer st.close()
	for {
		more, err := st.next()
		if err != nil || !more {
			return err
		}
	}
}

// query runs q with integer arguments and calls row for each result row,
// with the statement to read its columns from (valid until row returns).
// ctx is checked every few thousand rows.
func (r *rawReader) query(ctx context.Context, q string, args []int64, row func(st *rawStmt) error) error {
	st, err := r.prepare(q)
	if err != nil {
		return err
	}
	defer st.close()
	for i, a := range args {
		if err := st.bindInt64(int32(i+1), a); err != nil {
			return err
		}
	}
	for n := 0; ; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		more, err := st.next()
		if err != nil || !more {
			return err
		}
		if err := row(st); err != nil {
			return err
		}
	}
}

// int64At is column i of the current row, ok when it is an integer.
func (st *rawStmt) int64At(i int32) (int64, bool) {
	if sqlite3.Xsqlite3_column_type(st.r.tls, st.stmt, i) != sqlite3.SQLITE_INTEGER {
		return 0, false
	}
	return sqlite3.Xsqlite3_column_int64(st.r.tls, st.stmt, i), true
}

// float64At is column i as a number (an integer converted, NULL 0).
func (st *rawStmt) float64At(i int32) float64 {
	return sqlite3.Xsqlite3_column_double(st.r.tls, st.stmt, i)
}

// bytesAt is column i of the current row as bytes, valid until the next
// row: SQLite's own buffer, not a copy.
func (st *rawStmt) bytesAt(i int32) []byte {
	p := sqlite3.Xsqlite3_column_blob(st.r.tls, st.stmt, i)
	n := sqlite3.Xsqlite3_column_bytes(st.r.tls, st.stmt, i)
	if p == 0 || n <= 0 {
		return nil
	}
	return libc.GoBytes(p, int(n))
}

// textAt is column i as a string (a copy; NULL is "").
func (st *rawStmt) textAt(i int32) string {
	p := sqlite3.Xsqlite3_column_text(st.r.tls, st.stmt, i)
	n := sqlite3.Xsqlite3_column_bytes(st.r.tls, st.stmt, i)
	if p == 0 || n <= 0 {
		return ""
	}
	return string(libc.GoBytes(p, int(n)))
}
