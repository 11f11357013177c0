//go:build !unix

package lock

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

// Elsewhere the lock is advisory only: the database's own busy timeout and
// immediate transactions still keep writes consistent.
func tryLock(f *os.File) error { return nil }
func unlock(f *os.File) error  { return nil }

func probe(f *os.File) (held, known bool) { return false, false }
