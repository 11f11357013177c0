package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecondAcquireReportsHolder(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	l, err := Acquire(context.Background(), db, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(context.Background(), db, 0)
	var held *HeldError
	if !errors.As(err, &held) || !strings.Contains(held.Holder, "pid ") {
		t.Fatalf("want HeldError naming the holder, got %v", err)
	}
	l.Release()
	l2, err := Acquire(context.Background(), db, 0)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestWaitGetsLockWhenReleased(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	l, _ := Acquire(context.Background(), db, 0)
	go func() { time.Sleep(200 * time.Millisecond); l.Release() }()
	l2, err := Acquire(context.Background(), db, 5*time.Second)
	if err != nil {
		t.Fatalf("waiting acquire: %v", err)
	}
	l2.Release()
}

// A lock file left behind by a killed process (content, but no flock held)
// is taken over.
func TestStaleLockTakenOver(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	os.WriteFile(db+".lock", []byte("pid 999999 on gone since 2026-01-01T00:00:00Z\n"), 0o600)
	l, err := Acquire(context.Background(), db, 0)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	data, _ := os.ReadFile(db + ".lock")
	if !strings.Contains(string(data), "pid ") || strings.Contains(string(data), "999999") {
		t.Errorf("lock file now says %q", data)
	}
	l.Release()
}

func TestHeld(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	if held, known := Held(db); held || !known {
		t.Errorf("no lock file: held %v known %v", held, known)
	}
	l, err := Acquire(context.Background(), db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if held, known := Held(db); !held || !known {
		t.Errorf("while held: held %v known %v", held, known)
	}
	l.Release()
	if held, known := Held(db); held || !known {
		t.Errorf("after release: held %v known %v", held, known)
	}
}
