// Package lock keeps two copharvest processes from syncing the same database
// at once. It uses flock(2) on PATH.lock: the kernel releases the lock when
// its holder dies, so a lock left by a killed process is taken over safely,
// with no guessing from pids or ages.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// HeldError says who holds the lock.
type HeldError struct {
	Path   string
	Holder string // "pid 123 on host since 2026-...", as the holder wrote it
}

func (e *HeldError) Error() string {
	if e.Holder == "" {
		return fmt.Sprintf("another copharvest is using the database (lock %s)", e.Path)
	}
	return fmt.Sprintf("another copharvest is using the database: %s (lock %s)", e.Holder, e.Path)
}

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// PollInterval is how often a waiting Acquire retries.
var PollInterval = 100 * time.Millisecond

// Poll calls try every PollInterval until it takes a lock (true), fails, ctx
// ends (ctx.Err()), or expired is closed (false, after one last try). The
// wait is a timer the user set (--wait), never a reading of the clock.
func Poll(ctx context.Context, expired <-chan struct{}, try func() (bool, error)) (bool, error) {
	for {
		if got, err := try(); got || err != nil {
			return got, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-expired:
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			return try()
		case <-time.After(PollInterval):
		}
	}
}

// Acquire takes the lock for dbPath, waiting up to wait (0: do not wait).
func Acquire(ctx context.Context, dbPath string, wait time.Duration) (*Lock, error) {
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	expired, stop := context.WithTimeout(context.Background(), wait)
	defer stop()
	got, err := Poll(ctx, expired.Done(), func() (bool, error) {
		err := tryLock(f)
		if errors.Is(err, errWouldBlock) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !got {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, &HeldError{Path: path, Holder: strings.TrimSpace(string(holder))}
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	f.Sync()
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := unlock(l.f)
	l.f.Close()
	l.f = nil
	return err
}

// TryFile takes an exclusive flock(2) on an open file without waiting and
// says whether it got it. A file locked by a live process is refused; the
// kernel drops the lock of a process that died.
func TryFile(f *os.File) (bool, error) {
	err := tryLock(f)
	if errors.Is(err, errWouldBlock) {
		return false, nil
	}
	return err == nil, err
}

// Held reports whether a live process holds the lock of dbPath. known is
// false when that cannot be told (the lock file is unreadable, or the
// platform has no flock).
func Held(dbPath string) (held, known bool) {
	f, err := os.Open(dbPath + ".lock")
	if errors.Is(err, os.ErrNotExist) {
		return false, true
	}
	if err != nil {
		return false, false
	}
	defer f.Close()
	return probe(f)
}
