package report

import (
	"fmt"
	"slices"
	"testing"
)

// TestCounterCountsPostsAndDistinctAuthors: a term named in three posts by
// two authors is in 3 posts by 2 authors; ranking is by authors, then
// posts, then name.
func TestCounterCountsPostsAndDistinctAuthors(t *testing.T) {
	c := &counter{}
	for _, p := range [][2]int32{{7, 1}, {7, 1}, {7, 2}, {3, 5}, {3, 6}, {9, 1}, {9, 2}, {9, 3}, {4, 8}} {
		c.add(p[0], p[1])
	}
	got := c.top(3, func(t int32) string { return fmt.Sprint("t", t) })
	want := []Resource{{Name: "t9", Authors: 3, Posts: 3}, {Name: "t7", Authors: 2, Posts: 3}, {Name: "t3", Authors: 2, Posts: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("top 3:\n got %+v\nwant %+v", got, want)
	}
}
