package export

import (
	"fmt"
	"os"
	"path/filepath"
)

// OutputFile is a file written under a temporary name and renamed into
// place by Commit, so a failed or interrupted export never leaves a
// half-written file where the reader expects a whole one.
type OutputFile struct {
	*os.File
	path string
	done bool
}

// CreateOutput starts writing path.
func CreateOutput(path string) (*OutputFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &OutputFile{File: f, path: path}, nil
}

// Commit closes the file and moves it to its path.
func (o *OutputFile) Commit() error {
	if err := o.File.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	if err := o.File.Close(); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	if err := os.Chmod(o.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	if err := os.Rename(o.Name(), o.path); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	o.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded; defer it.
func (o *OutputFile) Abort() {
	if !o.done {
		o.File.Close()
		os.Remove(o.Name())
	}
}
