package community

import (
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

func TestCoreNumbersKnownGraph(t *testing.T) {
	// A 4-clique {0,1,2,3}; 4 hangs on 0 and 1; 5 hangs on 4; 6 is alone.
	var pairs []uint64
	for _, p := range [][2]int32{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {4, 0}, {4, 1}, {5, 4}} {
		pairs = append(pairs, pairKey(p[0], p[1]))
	}
	got := coreNumbers(csrOffsAdj(7, pairs))
	want := []int32{3, 3, 3, 3, 2, 1, 0}
	if !slices.Equal(got, want) {
		t.Errorf("core numbers = %v, want %v", got, want)
	}
}

func TestCoreNumbersAgreeWithGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 20 {
		n := 10 + rng.IntN(60)
		var pairs []uint64
		g := simple.NewUndirectedGraph()
		for i := range n {
			g.AddNode(simple.Node(i))
		}
		for range rng.IntN(4 * n) {
			a, b := int32(rng.IntN(n)), int32(rng.IntN(n))
			if a == b {
				continue
			}
			if !g.HasEdgeBetween(int64(a), int64(b)) {
				pairs = append(pairs, pairKey(a, b))
			}
			g.SetEdge(simple.Edge{F: simple.Node(a), T: simple.Node(b)})
		}
		core := coreNumbers(csrOffsAdj(n, pairs))
		_, shells := topo.DegeneracyOrdering(g)
		for k := 1; k <= 4; k++ {
			var want []int64
			if k >= len(shells) { // gonum's KCore panics past the degeneracy
				if slices.Max(core) >= int32(k) {
					t.Fatalf("trial %d: core number %d past gonum's degeneracy %d", trial, slices.Max(core), len(shells)-1)
				}
				continue
			}
			for _, node := range topo.KCore(k, g) {
				want = append(want, node.ID())
			}
			slices.Sort(want)
			var got []int64
			for i, c := range core {
				if int(c) >= k {
					got = append(got, int64(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d: %d-core = %v, gonum says %v", trial, k, got, want)
			}
		}
	}
}
