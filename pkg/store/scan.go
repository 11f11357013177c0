package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// timeCol scans a time column written by FormatTime into *t: NULL and ""
// are the zero time, and text that does not parse fails the scan (and so
// the query) instead of becoming a silent zero.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case nil:
		*c.t = time.Time{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		*c.t = v.UTC()
		return nil
	default:
		return fmt.Errorf("a time column holds %T", v)
	}
	if s == "" {
		*c.t = time.Time{}
		return nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return fmt.Errorf("a time column holds %q: %w", s, err)
	}
	*c.t = t
	return nil
}

// scanTime is the Scanner for a time column.
func scanTime(t *time.Time) sql.Scanner { return timeCol{t} }

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and turns every row into a T with scan; every error,
// from the query, a row or the iteration, is wrapped with name.
func queryAll[T any](ctx context.Context, db querier, name, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
