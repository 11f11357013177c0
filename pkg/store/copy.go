package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
)

// copyTables are the tables a copy moves, parents before children.
var copyTables = []string{
	"accounts", "posts", "post_ids", "post_tags", "post_mentions", "post_links", "post_sources", "post_edits",
	"interactions", "cursors", "runs", "classifications", "account_communities", "meta", "rejected",
	"fact_terms", "post_facts", "post_facts_pending",
}

// TableCount is the rows of one table on both sides of a copy.
type TableCount struct {
	Table    string
	From, To int64
}

// CopyResult is what a copy moved and how it was checked.
type CopyResult struct {
	Tables []TableCount
	// FromChecksum and ToChecksum: SHA-256 of every stored column of every
	// post, in id order, read back from each side.
	FromChecksum, ToChecksum string
}

// NotEmptyError: the destination of a copy already holds data.
type NotEmptyError struct {
	Path  string
	Table string
	Rows  int64
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("%s already holds data (%d rows in %s); nothing was copied", e.Path, e.Rows, e.Table)
}

// MismatchError: a copy read back differs from its source.
type MismatchError struct{ Detail string }

func (e *MismatchError) Error() string { return "the copy does not match its source: " + e.Detail }

// CopyTo copies every row of s into dst (either backend to either), in one
// transaction, keeping ids. dst must be empty unless replace, which
// deletes what it holds first. The copy is then verified: row counts per
// table and a checksum of the posts must agree.
func (s *Store) CopyTo(ctx context.Context, dst *Store, replace bool) (CopyResult, error) {
	var res CopyResult
	if !replace {
		for _, t := range copyTables {
			var n int64
			if err := dst.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
				return res, fmt.Errorf("count %s in %s: %w", t, dst.path, err)
			}
			if n > 0 {
				return res, &NotEmptyError{Path: dst.path, Table: t, Rows: n}
			}
		}
	}
	err := dst.inTx(ctx, func(tx *sql.Tx) error {
		for i := len(copyTables) - 1; i >= 0; i-- {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+copyTables[i]); err != nil {
				return fmt.Errorf("empty %s: %w", copyTables[i], err)
			}
		}
		for _, t := range copyTables {
			if err := s.copyTable(ctx, tx, t); err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			if t == "posts" {
				// Posts point at posts: their links are written once all
				// are there, whatever the order of ids.
				if err := s.copyPostLinks(ctx, tx); err != nil {
					return fmt.Errorf("copy replies: %w", err)
				}
			}
			if t == "post_facts" {
				// The triggers queued every copied post: keep the source's
				// queue instead.
				if _, err := tx.ExecContext(ctx, `DELETE FROM post_facts_pending`); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("copy %s to %s: %w", s.path, dst.path, err)
	}
	if dst.pg {
		// Fresh statistics, or the first queries plan for empty tables.
		if _, err := dst.w.ExecContext(ctx, `ANALYZE`); err != nil {
			return res, fmt.Errorf("analyze %s: %w", dst.path, err)
		}
	}
	return s.verifyCopy(ctx, dst)
}

func (s *Store) copyTable(ctx context.Context, tx *sql.Tx, table string) error {
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	q := `INSERT INTO ` + table + `(` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer st.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, ct := range types {
			// SQLite reads an empty BLOB back as NULL; every BLOB column
			// is NOT NULL.
			b, isBytes := vals[i].([]byte)
			if tn := strings.ToUpper(ct.DatabaseTypeName()); (vals[i] == nil || isBytes && b == nil) && (tn == "BLOB" || tn == "BYTEA") {
				vals[i] = []byte{}
			}
		}
		if table == "posts" {
			for i, c := range cols {
				if c == "in_reply_to_post" || c == "thread_root" {
					vals[i] = nil // see copyPostLinks
				}
			}
		}
		if _, err := st.ExecContext(ctx, vals...); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) copyPostLinks(ctx context.Context, tx *sql.Tx) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, in_reply_to_post, thread_root FROM posts WHERE in_reply_to_post IS NOT NULL OR thread_root IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	st, err := tx.PrepareContext(ctx, `UPDATE posts SET in_reply_to_post = ?, thread_root = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	for rows.Next() {
		var id int64
		var parent, root sql.NullInt64
		if err := rows.Scan(&id, &parent, &root); err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, parent, root, id); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Store) verifyCopy(ctx context.Context, dst *Store) (CopyResult, error) {
	var res CopyResult
	var problems []string
	for _, t := range copyTables {
		c := TableCount{Table: t}
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&c.From); err != nil {
			return res, fmt.Errorf("count %s: %w", t, err)
		}
		if err := dst.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&c.To); err != nil {
			return res, fmt.Errorf("count %s: %w", t, err)
		}
		if c.From != c.To {
			problems = append(problems, fmt.Sprintf("%s has %d rows, the source %d", t, c.To, c.From))
		}
		res.Tables = append(res.Tables, c)
	}
	var err error
	if res.FromChecksum, err = s.PostsChecksum(ctx); err != nil {
		return res, err
	}
	if res.ToChecksum, err = dst.PostsChecksum(ctx); err != nil {
		return res, err
	}
	if res.FromChecksum != res.ToChecksum {
		problems = append(problems, "the posts' checksums differ")
	}
	if len(problems) > 0 {
		return res, &MismatchError{Detail: strings.Join(problems, "; ")}
	}
	return res, nil
}

// PostsChecksum is a SHA-256 of every column of every post, in id order,
// each value written as text: the same on either backend for the same posts.
func (s *Store) PostsChecksum(ctx context.Context) (string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM posts ORDER BY id`)
	if err != nil {
		return "", fmt.Errorf("checksum posts: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", fmt.Errorf("checksum posts: %w", err)
		}
		for i, v := range vals {
			if v.Valid {
				fmt.Fprintf(h, "%s=%d:%s\x00", cols[i], len(v.String), v.String)
			} else {
				fmt.Fprintf(h, "%s=NULL\x00", cols[i])
			}
		}
		h.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("checksum posts: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
