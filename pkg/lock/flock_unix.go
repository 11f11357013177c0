//go:build unix

package lock

import (
	"errors"
	"os"
	"syscall"
)

var errWouldBlock = errors.New("lock held")

func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errWouldBlock
	}
	return err
}

func unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// probe tries a shared lock: it fails while a holder has the exclusive one.
func probe(f *os.File) (held, known bool) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, true
	}
	if err != nil {
		return false, false
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, true
}
