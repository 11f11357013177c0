// Package radix sorts unsigned 64-bit keys byte by byte, in place (an
// American flag sort: most significant byte first, each byte's buckets
// permuted in place). The report sorts millions of packed (term, author)
// and (account, account) keys to count them; by bytes that costs a few
// passes over the keys where a comparison sort costs about log n of them,
// and in place it adds nothing to the command's peak of memory.
package radix

import (
	"math/bits"
	"slices"
)

// small is the length below which a comparison sort is as quick.
const small = 256

// Sort sorts keys in ascending order.
func Sort(keys []uint64) {
	if len(keys) < small {
		slices.Sort(keys)
		return
	}
	// Start at the highest byte in which some keys differ: packed keys
	// leave their top bits unused.
	var or, and uint64 = 0, ^uint64(0)
	for _, k := range keys {
		or, and = or|k, and&k
	}
	if or == and {
		return // all equal
	}
	sortFrom(keys, uint((63-bits.LeadingZeros64(or^and))/8*8))
}

// sortFrom sorts keys that agree above byte shift/8.
func sortFrom(keys []uint64, shift uint) {
	for len(keys) >= small {
		var count [256]int
		for _, k := range keys {
			count[byte(k>>shift)]++
		}
		if count[byte(keys[0]>>shift)] == len(keys) { // one value here
			if shift == 0 {
				return
			}
			shift -= 8
			continue
		}
		var next, end [256]int
		at := 0
		for v, c := range count {
			next[v] = at
			at += c
			end[v] = at
		}
		// Each misplaced key is carried to its bucket's next free place,
		// taking the key found there along, until a key of this bucket
		// closes the cycle.
		for v := range 256 {
			for next[v] < end[v] {
				k := keys[next[v]]
				for b := byte(k >> shift); int(b) != v; b = byte(k >> shift) {
					j := next[b]
					next[b]++
					keys[j], k = k, keys[j]
				}
				keys[next[v]] = k
				next[v]++
			}
		}
		if shift == 0 {
			return
		}
		at = 0
		for _, c := range count {
			if c > 1 {
				sortFrom(keys[at:at+c], shift-8)
			}
			at += c
		}
		return
	}
	slices.Sort(keys)
}
