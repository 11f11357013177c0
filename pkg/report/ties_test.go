package report

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// mergePairs sums each pair once over the parts' lists, whether the lists
// come sorted (merged in one pass) or not (names made one by pseudonyms
// reorder them): compared with a map's sums over random lists.
func TestMergePairsSumsEachPairOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		parts := 1 + rng.IntN(3)
		ids := 2 + rng.IntN(30)
		sorted := trial%2 == 0
		var lists [][]tiePair
		want := map[[2]int32]uint64{}
		for range parts {
			packed := make([]uint64, rng.IntN(60))
			for i := range packed {
				a, b := int32(rng.IntN(ids)), int32(rng.IntN(ids))
				for b == a {
					b = int32(rng.IntN(ids))
				}
				packed[i] = packTie(a, b, uint64(1+rng.IntN(7)))
			}
			canon := make([]int32, ids)
			for i := range canon {
				canon[i] = int32(i)
				if !sorted && rng.IntN(3) == 0 {
					canon[i] = int32(rng.IntN(ids)) // two accounts, one name
				}
			}
			list := sumPacked(packed, canon)
			for _, p := range list {
				a, b := min(p.a, p.b), max(p.a, p.b)
				want[[2]int32{a, b}] += p.quarters
			}
			lists = append(lists, list)
		}
		got := mergePairs(lists)
		gotMap := map[[2]int32]uint64{}
		for i, p := range got {
			if p.a > p.b {
				t.Fatalf("trial %d: pair %v not in order", trial, p)
			}
			if i > 0 && (got[i-1].a > p.a || got[i-1].a == p.a && got[i-1].b >= p.b) {
				t.Fatalf("trial %d: pairs not sorted or listed twice: %v then %v", trial, got[i-1], p)
			}
			gotMap[[2]int32{p.a, p.b}] = p.quarters
		}
		if !maps.Equal(gotMap, want) {
			t.Fatalf("trial %d (%d parts, sorted %v): got %v, want %v", trial, parts, sorted, gotMap, want)
		}
	}
	if got := mergePairs(nil); got != nil {
		t.Errorf("no lists: %v", got)
	}
}
