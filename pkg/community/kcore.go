package community

// coreNumbers returns the core number of every node of the simple undirected
// graph given in CSR form (neighbours of i are adj[offs[i]:offs[i+1]], each
// edge in both directions, no duplicates): the largest k such that the node
// belongs to the k-core, the maximal subgraph in which every node has at
// least k neighbours. Batagelj and Zaversnik's bucket algorithm, O(edges).
func coreNumbers(offs, adj []int32) []int32 {
	n := len(offs) - 1
	degree := make([]int32, n)
	var maxDegree int32
	for i := range n {
		degree[i] = offs[i+1] - offs[i]
		maxDegree = max(maxDegree, degree[i])
	}
	// Sort nodes by degree with a counting sort; binStart[d] is where
	// nodes of degree d begin in order, pos[v] is v's place in order.
	binStart := make([]int32, maxDegree+2)
	for _, d := range degree {
		binStart[d+1]++
	}
	for d := int32(1); d <= maxDegree+1; d++ {
		binStart[d] += binStart[d-1]
	}
	order := make([]int32, n)
	pos := make([]int32, n)
	next := make([]int32, maxDegree+1)
	copy(next, binStart)
	for v := range int32(n) {
		d := degree[v]
		pos[v] = next[d]
		order[pos[v]] = v
		next[d]++
	}
	// Peel nodes in increasing degree order; a neighbour with a higher
	// current degree drops by one, swapping to the front of its bin.
	for _, v := range order {
		for e := offs[v]; e < offs[v+1]; e++ {
			u := adj[e]
			if degree[u] <= degree[v] {
				continue
			}
			du := degree[u]
			first := order[binStart[du]]
			if first != u {
				pu, pf := pos[u], binStart[du]
				order[pu], order[pf] = first, u
				pos[first], pos[u] = pu, pf
			}
			binStart[du]++
			degree[u]--
		}
	}
	return degree
}
