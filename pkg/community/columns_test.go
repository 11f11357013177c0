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

// Appending columns read in parts gives the columns of one read, both when
// the parts share their tables unchanged (rows copied as they are) and when
// a part added names of its own (ids mapped by name).
func TestAppendInPartsEqualsOneRead(t *testing.T) {
	accounts := []string{"", "ann@x", "bob@x", "cat@y"}
	terms := []string{"", "#cop", "https://r.example/1", "#ds4oers"}
	type edge struct{ from, to string }
	posts := []struct {
		p     PostFacts
		edges []edge
		newer string // a name only this part's table holds
	}{
		{PostFacts{Key: 1, Author: 1, At: 10, Tags: []uint32{1}, Resources: []uint32{2}, Classified: true, Domain: true}, []edge{{"ann@x", "bob@x"}}, ""},
		{PostFacts{Key: 2, Author: 2, At: 20, ReplyTo: 1, Parent: 1, ThreadTags: []uint32{1}, Classified: true, Practice: true}, []edge{{"bob@x", "ann@x"}}, ""},
		{PostFacts{Key: 3, Author: 3, At: 30, Tags: []uint32{3, 1}}, []edge{{"cat@y", "ann@x"}, {"cat@y", "bob@x"}}, ""},
		{PostFacts{Key: 4, Author: 2, At: 40, Resources: []uint32{2}, Question: true}, []edge{{"bob@x", "dan@z"}}, "dan@z"},
	}
	build := func(c *Columns, from, to int) *Columns {
		for _, x := range posts[from:to] {
			c.AddPost(x.p)
			for _, e := range x.edges {
				c.AddEdge(Reply, c.Account(e.from), c.Account(e.to), x.p.At, x.p.At)
			}
		}
		return c
	}
	one := build(NewColumns(accounts, terms, 0), 0, len(posts))
	for _, tc := range []struct {
		name string
		cut  int
	}{{"same tables", 2}, {"second part added a name", 3}, {"both parts added names", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			first := build(NewColumns(accounts, terms, len(posts)), 0, tc.cut)
			second := build(NewColumns(accounts, terms, 0), tc.cut, len(posts))
			if tc.cut == 4 {
				// The first part holds every post; the second adds a name
				// of its own to an empty part, then an interaction with it.
				second.AddEdge(Mention, second.Account("eve@z"), second.Account("ann@x"), 50, 50)
				one := build(NewColumns(accounts, terms, 0), 0, len(posts))
				one.AddEdge(Mention, one.Account("eve@z"), one.Account("ann@x"), 50, 50)
				first.Append(second)
				assertSameColumns(t, first, one)
				return
			}
			first.Append(second)
			assertSameColumns(t, first, one)
		})
	}
}

// assertSameColumns compares every row by the names its ids stand for.
func assertSameColumns(t *testing.T, got, want *Columns) {
	t.Helper()
	name := func(c *Columns, id int32) string { return c.accounts[id] }
	term := func(c *Columns, ids []int32) []string {
		var out []string
		for _, id := range ids {
			out = append(out, c.terms[id])
		}
		return out
	}
	if got.Posts() != want.Posts() || len(got.from) != len(want.from) {
		t.Fatalf("%d posts, %d interactions; want %d, %d", got.Posts(), len(got.from), want.Posts(), len(want.from))
	}
	for i := range want.key {
		g := []any{got.key[i], name(got, got.author[i]), got.at[i], name(got, got.replyTo[i]), got.parent[i], got.flags[i],
			term(got, got.tags[got.tagOff[i]:got.tagOff[i+1]]), term(got, got.res[got.resOff[i]:got.resOff[i+1]])}
		w := []any{want.key[i], name(want, want.author[i]), want.at[i], name(want, want.replyTo[i]), want.parent[i], want.flags[i],
			term(want, want.tags[want.tagOff[i]:want.tagOff[i+1]]), term(want, want.res[want.resOff[i]:want.resOff[i+1]])}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("post %d: got %v, want %v", i, g, w)
		}
	}
	for i := range want.from {
		g := []any{name(got, got.from[i]), name(got, got.to[i]), got.kind[i], got.eAt[i], got.ePostAt[i]}
		w := []any{name(want, want.from[i]), name(want, want.to[i]), want.kind[i], want.eAt[i], want.ePostAt[i]}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("interaction %d: got %v, want %v", i, g, w)
		}
	}
}
