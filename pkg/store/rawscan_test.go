package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// factsStore is a store of n posts by a few accounts, their facts built.
func factsStore(t *testing.T, n int) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var page []Post
	for i := range n {
		p := post(fmt.Sprintf("https://a.example/s/%d", i), fmt.Sprint(1000+i), at.Add(time.Duration(i)*time.Minute))
		p.Account.Acct = fmt.Sprintf("user%d@a.example", i%7)
		p.Tags = []string{"cop", fmt.Sprintf("t%d", i%5)}
		page = append(page, p)
	}
	if _, err := st.SavePage(ctx, "a.example", "cop", page, Cursor{Newest: fmt.Sprint(1000 + n - 1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.BuildFacts(ctx, func(f *FactSource) FactRow {
		return FactRow{PostID: f.ID, At: f.At.UnixNano(), AuthorID: f.AuthorID, Flags: int(f.ID % 4), Score: float64(f.ID) / 7,
			Tags: f.Tags, Resources: []string{fmt.Sprintf("https://r.example/%d", f.ID%3)}, Acts: f.Acts}
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

// factsOf reads the facts of [since, until) as text, one line a post.
func factsOf(t *testing.T, st *Store, since, until time.Time) []string {
	t.Helper()
	var out []string
	if err := st.Facts(context.Background(), since, until, func(f *Fact) error {
		out = append(out, fmt.Sprintf("%+v", *f))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// The facts read on a connection of our own, past database/sql, are the
// rows the pool reads, for every kind of range.
func TestFactsReadPastTheDriverAreThePoolsRows(t *testing.T) {
	st := factsStore(t, 300)
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ranges := [][2]time.Time{
		{}, {start.Add(time.Hour), time.Time{}}, {time.Time{}, start.Add(2 * time.Hour)},
		{start.Add(time.Hour), start.Add(3 * time.Hour)}, {start.Add(-time.Hour), start}, // empty
	}
	for _, r := range ranges {
		st.noRawReader = false
		raw := factsOf(t, st, r[0], r[1])
		st.noRawReader = true
		pool := factsOf(t, st, r[0], r[1])
		if !slices.Equal(raw, pool) {
			t.Fatalf("range %v: %d facts read past the driver, %d through the pool, or they differ", r, len(raw), len(pool))
		}
	}
	st.noRawReader = false
	if all := factsOf(t, st, time.Time{}, time.Time{}); len(all) != 300 || !strings.Contains(all[0], "Tags:[") {
		t.Fatalf("read %d facts, first %q; want 300", len(all), all[0])
	}
	// The rows did come past the pool: a copy of the file with one fact
	// fewer, where only the connection of our own looks, shows 299.
	ctx := context.Background()
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if _, err := st.w.ExecContext(ctx, `VACUUM INTO ?`, copyPath); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, copyPath, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.w.ExecContext(ctx, `DELETE FROM post_facts WHERE post_id = (SELECT MIN(post_id) FROM post_facts)`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	real := st.path
	st.path = copyPath
	got := factsOf(t, st, time.Time{}, time.Time{})
	st.path = real
	if len(got) != 299 {
		t.Errorf("with the copy under the store's path: %d facts, want 299 (read past the pool)", len(got))
	}
}

// A file the connection of our own cannot read before its first row (here
// not a database at all) is read through the pool; a failure after rows
// were passed on is an error, not a second reading.
func TestFactsFallBackToThePoolOnlyBeforeTheFirstRow(t *testing.T) {
	ctx := context.Background()
	st := factsStore(t, 50)
	want := factsOf(t, st, time.Time{}, time.Time{})
	real := st.path
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	st.path = junk
	got := factsOf(t, st, time.Time{}, time.Time{})
	st.path = real
	if !slices.Equal(got, want) {
		t.Fatalf("fell back to the pool: %d facts, want %d", len(got), len(want))
	}

	stop := errors.New("enough")
	seen := 0
	err := st.Facts(ctx, time.Time{}, time.Time{}, func(*Fact) error {
		if seen++; seen == 10 {
			return stop
		}
		return nil
	})
	if err != stop || seen != 10 {
		t.Errorf("callback error after 10 rows: %v after %d rows; want it returned as it is, once", err, seen)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Facts(canceled, time.Time{}, time.Time{}, func(*Fact) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled read: %v", err)
	}

	// A value that is not an integer where one is stored.
	if _, err := st.w.ExecContext(ctx, `UPDATE post_facts SET author = 'someone' WHERE post_id = (SELECT MAX(post_id) FROM post_facts)`); err != nil {
		t.Fatal(err)
	}
	if err := st.Facts(ctx, time.Time{}, time.Time{}, func(*Fact) error { return nil }); err == nil || !strings.Contains(err.Error(), "not integers") {
		t.Errorf("a text author: %v, want an error that says so", err)
	}
}
