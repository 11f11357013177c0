//go:build !unix

package atomicfile

const syscallNoFollow = 0
