//go:build unix

package atomicfile

import "syscall"

// syscallNoFollow refuses to open a symlink planted in place of a leftover.
const syscallNoFollow = syscall.O_NOFOLLOW
