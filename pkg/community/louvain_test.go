package community

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/graph"
	gonumcommunity "gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/simple"
)

// plantedEdges returns reply edges over groups of the given sizes: members
// of a group reply to each other with probability pIn, to anyone else with
// probability pOut. Account names are "gG-mM".
func plantedEdges(rng *rand.Rand, sizes []int, pIn, pOut float64) (names []string, groupOf map[string]int, edges []Edge) {
	groupOf = map[string]int{}
	for g, size := range sizes {
		for m := range size {
			name := fmt.Sprintf("g%d-m%02d", g, m)
			names = append(names, name)
			groupOf[name] = g
		}
	}
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i, a := range names {
		for _, b := range names[i+1:] {
			p := pOut
			if groupOf[a] == groupOf[b] {
				p = pIn
			}
			if rng.Float64() < p {
				edges = append(edges, Edge{From: a, To: b, Kind: Reply, At: at})
			}
		}
	}
	return names, groupOf, edges
}

func TestByGraphFindsTwoPlantedGroups(t *testing.T) {
	var edges []Edge
	clique := func(names ...string) {
		for i, a := range names {
			for _, b := range names[i+1:] {
				edges = append(edges, Edge{From: a, To: b, Kind: Reply}, Edge{From: b, To: a, Kind: Mention})
			}
		}
	}
	clique("a1", "a2", "a3", "a4", "a5")
	clique("b1", "b2", "b3", "b4", "b5", "b6")
	edges = append(edges, Edge{From: "a1", To: "b1", Kind: Boost}, Edge{From: "a2", To: "b2", Kind: Reply})

	groups := ByGraph(nil, edges, 42)
	if len(groups) != 2 {
		t.Fatalf("found %d groups, want 2: %+v", len(groups), groups)
	}
	if want := []string{"b1", "b2", "b3", "b4", "b5", "b6"}; !slices.Equal(groups[0].Members, want) {
		t.Errorf("graph-1 = %v, want %v", groups[0].Members, want)
	}
	if want := []string{"a1", "a2", "a3", "a4", "a5"}; !slices.Equal(groups[1].Members, want) {
		t.Errorf("graph-2 = %v, want %v", groups[1].Members, want)
	}
}

func TestByGraphIsReproducible(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	_, _, edges := plantedEdges(rng, []int{30, 25, 40, 12, 20}, 0.25, 0.02)
	first := ByGraph(nil, edges, 7)
	for run := range 3 {
		again := ByGraph(nil, edges, 7)
		if !sameGroups(first, again) {
			t.Fatalf("run %d with the same seed gave different groups", run)
		}
	}
	// The store may return rows in any order; the groups must not care.
	shuffled := slices.Clone(edges)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if !sameGroups(first, ByGraph(nil, shuffled, 7)) {
		t.Error("shuffling the edges changed the groups")
	}
}

func sameGroups(a, b []Group) bool {
	return slices.EqualFunc(a, b, func(x, y Group) bool {
		return x.ID == y.ID && slices.Equal(x.Members, y.Members)
	})
}

func TestLouvainRecoversPlantedPartition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{30, 25, 40, 12, 20}
	_, groupOf, edges := plantedEdges(rng, sizes, 0.4, 0.01)
	groups := ByGraph(nil, edges, 11)
	if len(groups) != len(sizes) {
		t.Fatalf("found %d groups, want %d", len(groups), len(sizes))
	}
	for _, g := range groups {
		planted := groupOf[g.Members[0]]
		if len(g.Members) != sizes[planted] {
			t.Errorf("%s has %d members, planted group %d has %d", g.ID, len(g.Members), planted, sizes[planted])
		}
		for _, m := range g.Members {
			if groupOf[m] != planted {
				t.Errorf("%s mixes %s (group %d) into planted group %d", g.ID, m, groupOf[m], planted)
			}
		}
	}
}

// TestLouvainMatchesGonum checks the hand-written Louvain against gonum's:
// our modularity function must agree with gonum's community.Q, and our
// partitions must be as modular as those gonum's Modularize finds. Louvain
// is a seeded heuristic, so single runs of either may land a little lower:
// each trial may trail by 0.03, the mean over trials by 0.005.
func TestLouvainMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const trials = 8
	var sumOurs, sumGonum float64
	for trial := range trials {
		sizes := []int{5 + rng.IntN(30), 5 + rng.IntN(30), 5 + rng.IntN(30), 5 + rng.IntN(30)}
		names, _, edges := plantedEdges(rng, sizes, 0.1+0.3*rng.Float64(), 0.02+0.05*rng.Float64())
		g := buildTieGraph(tiedAccounts(edges), edges)
		ours := louvain(g, int64(trial))

		wg := simple.NewWeightedUndirectedGraph(0, 0)
		for i := range g.nodes() {
			wg.AddNode(simple.Node(i))
		}
		for i := range g.nodes() {
			for e := g.offs[i]; e < g.offs[i+1]; e++ {
				if j := g.adj[e]; int(j) > i {
					wg.SetWeightedEdge(simple.WeightedEdge{F: simple.Node(i), T: simple.Node(j), W: g.w[e]})
				}
			}
		}
		asNodes := make(map[int32][]graph.Node)
		for i, c := range ours {
			asNodes[c] = append(asNodes[c], simple.Node(i))
		}
		var partition [][]graph.Node
		for _, nodes := range asNodes {
			partition = append(partition, nodes)
		}
		qOurs := modularity(g, ours)
		if qGonum := gonumcommunity.Q(wg, partition, 1); math.Abs(qOurs-qGonum) > 1e-9 {
			t.Fatalf("trial %d: our Q %.6f, gonum's Q of the same partition %.6f", trial, qOurs, qGonum)
		}
		reduced := gonumcommunity.Modularize(wg, 1, rand.NewPCG(uint64(trial), 1))
		qBest := gonumcommunity.Q(wg, reduced.Communities(), 1)
		sumOurs += qOurs
		sumGonum += qBest
		if qOurs < qBest-0.03 {
			t.Errorf("trial %d (%d accounts): our Q %.4f, gonum's Modularize reaches %.4f", trial, len(names), qOurs, qBest)
		}
		t.Logf("trial %d: Q ours %.4f, gonum %.4f", trial, qOurs, qBest)
	}
	if mean, meanGonum := sumOurs/trials, sumGonum/trials; mean < meanGonum-0.005 {
		t.Errorf("mean Q ours %.4f, gonum %.4f", mean, meanGonum)
	}
}

// TestTieGraphSumsEveryPair: the tie graph built from sorted rows holds,
// for every pair of tied accounts, the sum of their ties' weights in both
// directions (summed here the plain way, in a map), each row sorted by
// neighbour and listing each neighbour once.
func TestTieGraphSumsEveryPair(t *testing.T) {
	for _, n := range []int{3_000, 60_000} {
		s := syntheticCourse(n)
		c := ColumnsOf(s.posts, s.edges)
		nodes := c.tiedAccounts()
		g := c.buildTieGraph(nodes)
		id := map[int32]int32{}
		for i, a := range nodes {
			id[a] = int32(i)
		}
		want := map[[2]int32]float64{}
		for i := range c.from {
			if c.isTie(i) {
				a, b := id[c.from[i]], id[c.to[i]]
				want[[2]int32{a, b}] += EdgeKind(c.kind[i]).TieWeight()
				want[[2]int32{b, a}] += EdgeKind(c.kind[i]).TieWeight()
			}
		}
		entries := 0
		for a := range int32(g.nodes()) {
			row := g.adj[g.offs[a]:g.offs[a+1]]
			if !slices.IsSorted(row) || len(slices.Compact(slices.Clone(row))) != len(row) {
				t.Fatalf("%d posts: row %d not sorted and distinct: %v", n, a, row)
			}
			for e := g.offs[a]; e < g.offs[a+1]; e++ {
				if w := want[[2]int32{a, g.adj[e]}]; g.w[e] != w {
					t.Fatalf("%d posts: pair %d-%d weighs %v, want %v", n, a, g.adj[e], g.w[e], w)
				}
				entries++
			}
		}
		if entries != len(want) || entries == 0 {
			t.Fatalf("%d posts: %d entries in the graph, %d tied ordered pairs", n, entries, len(want))
		}
	}
}
