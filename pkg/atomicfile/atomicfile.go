// Package atomicfile writes the files copharvest creates with -o (exports,
// reports, coding samples): under a temporary name beside the target,
// renamed into place only when complete, so a reader never meets half a
// file. They hold people's names and words, so they are created 0600
// whatever the umask; a user who wants to share one chmods it.
//
// A run killed mid-write leaves its temporary file behind. Each temporary
// file is flock(2)ed while written, and Create removes the leftovers of the
// same target that nobody holds: only files named like ours
// (.copharvest-TARGET.*.tmp), regular files, not locked by a live writer.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oeru/copharvest/pkg/lock"
)

// Mode is the permission of every file written here.
const Mode os.FileMode = 0o600

// File is a file being written; Commit puts it in place, Abort drops it.
type File struct {
	*os.File
	path string
	tmp  string // the temporary name, locked while written
	done bool
}

// tempPrefix and tempSuffix frame the temporary names of path's writers.
func tempPrefix(path string) string { return ".copharvest-" + filepath.Base(path) + "." }

const tempSuffix = ".tmp"

// Create starts writing path, first removing stale temporary files that
// killed runs left for the same path.
func Create(path string) (*File, error) {
	dir := filepath.Dir(path)
	removeStale(dir, tempPrefix(path))
	// Created under a name another run's clean-up ignores, locked, then
	// given the temporary name: no moment where it looks stale.
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*.new")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	tmp := strings.TrimSuffix(f.Name(), ".new") + tempSuffix
	fail := func(err error) (*File, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := lock.TryFile(f); err != nil {
		return fail(err)
	}
	// CreateTemp makes 0600 already; say so explicitly, since it is the contract.
	if err := f.Chmod(Mode); err != nil {
		return fail(err)
	}
	if err := os.Rename(f.Name(), tmp); err != nil {
		return fail(err)
	}
	return &File{File: f, path: path, tmp: tmp}, nil
}

// removeStale removes dir's temporary files starting with prefix that no
// live process holds. Errors are ignored: a leftover is untidy, not wrong.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, tempSuffix) || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		f, err := os.OpenFile(p, os.O_RDONLY|syscallNoFollow, 0)
		if err != nil {
			continue
		}
		if got, err := lock.TryFile(f); err == nil && got {
			os.Remove(p)
		}
		f.Close()
	}
}

// Path is the file's final path.
func (f *File) Path() string { return f.path }

// Commit flushes the file to disk, closes it and renames it into place.
func (f *File) Commit() error {
	if err := f.File.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(f.tmp, f.path); err != nil {
		os.Remove(f.tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded; defer it.
func (f *File) Abort() {
	if !f.done {
		f.File.Close()
		os.Remove(f.tmp)
		f.done = true
	}
}
