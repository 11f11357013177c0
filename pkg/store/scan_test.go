package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A stored time that does not parse fails the read, naming the query; it
// never comes back as the zero time. An empty or NULL one is the zero time.
func TestBadStoredTimeFailsTheRead(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "c.db"))
	id, err := st.StartRun(ctx, []string{"https://a.example"}, []string{"cop"})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.LastRuns(ctx, 5)
	if err != nil || len(runs) != 1 || runs[0].StartedAt.IsZero() || !runs[0].EndedAt.IsZero() {
		t.Fatalf("a good run: %+v, %v", runs, err)
	}
	if _, err := st.w.ExecContext(ctx, `UPDATE runs SET started_at = 'yesterday' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	runs, err = st.LastRuns(ctx, 5)
	if err == nil || !strings.Contains(err.Error(), "read runs") || !strings.Contains(err.Error(), `"yesterday"`) {
		t.Errorf("a run started 'yesterday': %+v, %v; want an error naming the query and the value", runs, err)
	}
	var got time.Time
	for _, v := range []any{nil, "", []byte("")} {
		got = time.Now()
		if err := scanTime(&got).Scan(v); err != nil || !got.IsZero() {
			t.Errorf("Scan(%#v) = %v, %v; want the zero time", v, got, err)
		}
	}
	if err := scanTime(&got).Scan([]byte("2026-12-02T09:00:00.000Z")); err != nil || !got.Equal(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Scan(bytes) = %v, %v", got, err)
	}
}
