// Package damage damages SQLite files for tests of what a damaged file
// meets.
package damage

import (
	"os"
	"testing"
)

// FlipPageHeaders flips the b-tree headers of three pages in the middle of
// the SQLite file at path (4 KiB pages), removes its -wal and -shm, and
// returns the damaged file's bytes.
func FlipPageHeaders(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := len(data) / pageSize
	if pages < 20 {
		t.Fatalf("only %d pages: too small to damage in the middle", pages)
	}
	for _, n := range []int{pages / 3, pages / 2, 2 * pages / 3} {
		for i := range 12 {
			data[n*pageSize+i] ^= 0xA5
		}
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	return data
}
