package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// The write path skips an account it wrote with the same values in an
// earlier transaction, but not once someone else has written it since:
// another connection (another process), or another write of this process.
// Each time the account ends as the last write left it.
func TestAccountWrittenAgainAfterOtherWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	st := open(t, path)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	n := 0
	statuses := int64(0)
	save := func(name string) {
		t.Helper()
		n++
		p := post("https://a.example/s/"+string(rune('a'+n)), string(rune('a'+n)), at)
		p.Account.DisplayName = name
		p.Account.Statuses = statuses
		if _, err := st.SaveThread(ctx, "a.example", []Post{p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	name := func() string {
		t.Helper()
		var s string
		if err := st.r.QueryRowContext(ctx, `SELECT display_name FROM accounts WHERE acct = 'ana@example.org'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	save("Ana")
	save("Ana") // skipped: the same values

	other := open(t, path)
	if _, err := other.SaveThread(ctx, "a.example", []Post{func() Post {
		p := post("https://a.example/s/other", "other", at)
		p.Account.DisplayName = "Ana (other process)"
		return p
	}()}, nil); err != nil {
		t.Fatal(err)
	}
	save("Ana")
	if got := name(); got != "Ana" {
		t.Fatalf("after another connection's write, display name %q, want Ana", got)
	}

	if err := st.SaveInteractions(ctx, "https://a.example/s/other", []Account{{Acct: "ana@example.org", DisplayName: "Ana (booster)"}}, nil); err != nil {
		t.Fatal(err)
	}
	save("Ana")
	if got := name(); got != "Ana" {
		t.Fatalf("after this process's other write, display name %q, want Ana", got)
	}

	// The same flags, other values: written (by id).
	statuses = 7
	save("Ana")
	var got int64
	if err := st.r.QueryRowContext(ctx, `SELECT statuses_count FROM accounts WHERE acct = 'ana@example.org'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != 7 {
		t.Fatalf("statuses_count %d, want 7", got)
	}
}
