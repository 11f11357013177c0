package community

import "testing"

// BenchmarkLouvain1M: one detection run on the tie graph of the 1M-post
// synthetic course (20,000 accounts), the inner loop of Detect.
func BenchmarkLouvain1M(b *testing.B) {
	s := syntheticCourse(1_000_000)
	c := ColumnsOf(s.posts, s.edges)
	g := c.buildTieGraph(c.tiedAccounts())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		louvain(g, int64(i%5))
	}
}
