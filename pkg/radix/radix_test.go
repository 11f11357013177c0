package radix

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortMatchesSlicesSort compares with the standard library on keys
// of every shape the callers make: short and long slices, keys using few
// or all bits, many duplicates, already sorted and reversed input.
func TestSortMatchesSlicesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func() uint64{
		"all bits":   rng.Uint64,
		"packed":     func() uint64 { return uint64(rng.IntN(20000))<<33 | uint64(rng.IntN(20000))<<3 | uint64(rng.IntN(8)) },
		"few values": func() uint64 { return uint64(rng.IntN(3)) << 40 },
		"top byte":   func() uint64 { return uint64(rng.IntN(256)) << 56 },
		"one value":  func() uint64 { return 42 },
	}
	for name, key := range shapes {
		for _, n := range []int{0, 1, 2, small - 1, small, small + 1, 70_000, 5000, 100_000} {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = key()
			}
			for _, order := range []string{"random", "sorted", "reversed"} {
				in := slices.Clone(keys)
				switch order {
				case "sorted":
					slices.Sort(in)
				case "reversed":
					slices.Sort(in)
					slices.Reverse(in)
				}
				want := slices.Clone(in)
				slices.Sort(want)
				Sort(in)
				if !slices.Equal(in, want) {
					t.Fatalf("%s, %d keys, %s: not sorted as slices.Sort sorts", name, n, order)
				}
			}
		}
	}
}

func BenchmarkSort1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, 1_000_000)
	for i := range keys {
		keys[i] = uint64(rng.IntN(20000))<<33 | uint64(rng.IntN(20000))<<3 | uint64(rng.IntN(8))
	}
	work := make([]uint64, len(keys))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			Sort(work)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			slices.Sort(work)
		}
	})
}
