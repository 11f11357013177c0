package community

import (
	"reflect"
	"testing"
)

// The detection run on columns holding only the interactions (as the
// analysis runs it while the posts still stream) gives, once the posts are
// assigned, exactly what ByGraphRuns gives on the whole columns.
func TestDetectOnInteractionsAloneMatchesByGraphRuns(t *testing.T) {
	s := syntheticCourse(5_000)
	whole := ColumnsOf(s.posts, s.edges)
	want, wantOthers := whole.ByGraphRuns(7, 2)

	posts := ColumnsOf(s.posts, nil)
	for _, e := range s.edges { // accounts only acted upon, as the store lists every account
		posts.Account(e.From)
		posts.Account(e.To)
	}
	edges := NewColumns(posts.accounts, nil, 0)
	for i := range s.edges {
		e := &s.edges[i]
		edges.AddEdge(e.Kind, posts.Account(e.From), posts.Account(e.To), Nanos(e.At), 0)
	}
	got, gotOthers := posts.GroupsOf(edges.Detect(7, 2))
	if len(want) < 3 {
		t.Fatalf("only %d groups: the comparison proves little", len(want))
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotOthers, wantOthers) {
		t.Errorf("detection on the interactions alone gives other groups:\n got %d groups, first %+v\nwant %d groups, first %+v", len(got), got[0].ID, len(want), want[0].ID)
	}
}
