package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/damage"
)

// A file with damaged data pages is refused before anything is written to
// it, with a message that says what to do.
func TestDamagedFileRefusedBeforeAnyWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	st, err := Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var page []Post
	for i := range 600 {
		p := post(fmt.Sprintf("https://a.example/s/%d", i), fmt.Sprint(1000+i), at.Add(time.Duration(i)*time.Minute))
		p.Text = strings.Repeat("open educational resources for Pacific schools ", 10)
		page = append(page, p)
	}
	if _, err := st.SavePage(ctx, "a.example", "cop", page, Cursor{Newest: "1599"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	data := damage.FlipPageHeaders(t, path)
	_, err = Open(ctx, path, false)
	var damaged *DamagedError
	if !errors.As(err, &damaged) || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "backup") {
		t.Fatalf("opening a damaged file for writing gave %v, want a DamagedError that says what to do", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, data) {
		t.Error("the damaged file was written to")
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		t.Errorf("%d bytes were written to the WAL", wal.Size())
	}
}

func TestEmptyOrMissingFileForReadersAndExistingOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	_, err := Open(ctx, empty, true)
	if err == nil || !strings.Contains(err.Error(), "empty") || strings.Contains(err.Error(), "schema_migrations") {
		t.Errorf("a 0-byte file read-only gave %v, want a clear message", err)
	}
	missing := filepath.Join(dir, "mistyped.db")
	if _, err := OpenExisting(ctx, missing); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("OpenExisting on a missing file gave %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("OpenExisting created the file")
	}
}

// The WAL file stays for readers after a writer closes, but empty.
func TestWALKeptEmptyAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	st, err := Open(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	p := post("https://a.example/s/1", "1", time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	if _, err := st.SavePage(context.Background(), "a.example", "cop", []Post{p}, Cursor{Newest: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s gone after close: readers without write access to the directory need it", f)
		}
	}
	if wal, _ := os.Stat(path + "-wal"); wal != nil && wal.Size() != 0 {
		t.Errorf("the WAL holds %d bytes after close", wal.Size())
	}
}

// OpenForAnalysis never creates a file, and opens an existing one for
// writing (the facts and community assignments it derives).
func TestOpenForAnalysis(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "mistyped.db")
	if _, err := OpenForAnalysis(ctx, missing); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("OpenForAnalysis on a missing file gave %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("OpenForAnalysis created the file")
	}
	path := filepath.Join(dir, "a.db")
	st, err := Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = OpenForAnalysis(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Writable() {
		t.Error("OpenForAnalysis opened the store read-only")
	}
	if err := st.SaveCommunities(ctx, nil); err != nil {
		t.Errorf("writing after OpenForAnalysis: %v", err)
	}
}
