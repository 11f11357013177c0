package community

// modularity returns Newman's Q of the partition of g (resolution 1).
func modularity(g *tieGraph, comm []int32) float64 {
	n := g.nodes()
	in := make(map[int32]float64)
	tot := make(map[int32]float64)
	var m2 float64
	for i := range int32(n) {
		c := comm[i]
		in[c] += g.self[i]
		for e := g.offs[i]; e < g.offs[i+1]; e++ {
			if comm[g.adj[e]] == c {
				in[c] += g.w[e]
			}
		}
		d := g.degree(i)
		tot[c] += d
		m2 += d
	}
	if m2 == 0 {
		return 0
	}
	var q float64
	for c, t := range tot {
		q += in[c]/m2 - (t/m2)*(t/m2)
	}
	return q
}
