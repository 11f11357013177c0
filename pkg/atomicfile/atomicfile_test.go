package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/oeru/copharvest/pkg/lock"
)

func TestCommitWrites0600WhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "posts.csv")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("a,b\n")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("target exists before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "a,b\n" {
		t.Errorf("content %q", b)
	}
	f.Abort() // after Commit: a no-op
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Abort after Commit removed the file: %v", err)
	}
}

func TestAbortLeavesNothingAndKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.md")
	os.WriteFile(path, []byte("old"), 0o600)
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	f.Abort()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file changed to %q", b)
	}
}

func TestCreateRemovesOnlyOurStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "posts.csv")
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := write(".copharvest-posts.csv.123.tmp")             // a killed run's
	otherTarget := write(".copharvest-accounts.csv.123.tmp")    // another target's
	notOurs := write(".posts.csv.123.tmp")                      // not named like ours
	userFile := write("posts.csv.tmp")                          // the user's
	live := write(".copharvest-posts.csv.456.tmp")              // a writer still running
	victim := write("precious")                                 // a symlink's target
	link := filepath.Join(dir, ".copharvest-posts.csv.789.tmp") // a planted symlink
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	holder, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if got, err := lock.TryFile(holder); !got || err != nil {
		t.Fatalf("could not lock %s: %v", live, err)
	}

	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	for _, p := range []string{otherTarget, notOurs, userFile, live, victim, link} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}
