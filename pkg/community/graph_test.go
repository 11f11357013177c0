package community

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestTieWeights(t *testing.T) {
	want := map[EdgeKind]float64{Reply: 1, Mention: 0.5, Boost: 0.25, Favourite: 0}
	for kind, w := range want {
		if got := kind.TieWeight(); got != w {
			t.Errorf("%v.TieWeight() = %g, want %g", kind, got, w)
		}
	}
	if got := Favourite.String(); got != "favourite" {
		t.Errorf("Favourite.String() = %q", got)
	}
}

func TestTieGraphSumsWeightsAndDropsSelfEdges(t *testing.T) {
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	edges := []Edge{
		{From: "a", To: "b", Kind: Reply, At: at},
		{From: "b", To: "a", Kind: Mention, At: at},
		{From: "a", To: "b", Kind: Boost, At: at},
		{From: "a", To: "b", Kind: Favourite, At: at}, // counted in metrics, no tie
		{From: "a", To: "a", Kind: Reply, At: at},     // own thread: dropped
		{From: "c", To: "c", Kind: Mention, At: at},   // c has only a self-edge: no node
		{From: "d", To: "a", Kind: Favourite, At: at}, // d only favourites: no node
		{From: "", To: "a", Kind: Reply, At: at},      // unknown account: dropped
	}
	names := tiedAccounts(edges)
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Fatalf("tied accounts = %v, want [a b]", names)
	}
	g := buildTieGraph(names, edges)
	if g.nodes() != 2 || len(g.adj) != 2 {
		t.Fatalf("graph has %d nodes, %d arcs; want 2, 2", g.nodes(), len(g.adj))
	}
	if g.w[0] != 1.75 || g.w[1] != 1.75 {
		t.Errorf("pair weight = %v, want 1.75 both ways (1 + 0.5 + 0.25)", g.w)
	}
	if g.self[0] != 0 || g.self[1] != 0 {
		t.Errorf("self-loop weights = %v, want none", g.self)
	}
}

func TestByGraphPutsEveryAuthorInOneGroup(t *testing.T) {
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	posts := []Post{
		{URI: "1", Author: "a", At: at},
		{URI: "2", Author: "b", At: at, InReplyToURI: "1"},
		{URI: "3", Author: "loner", At: at},
		{URI: "4", Author: "self", At: at},
		{URI: "5", Author: "self", At: at, InReplyToURI: "4"},
	}
	edges := []Edge{
		{From: "b", To: "a", Kind: Reply, At: at, PostURI: "2"},
		{From: "self", To: "self", Kind: Reply, At: at, PostURI: "5"},
		{From: "b", To: "mentioned-only", Kind: Mention, At: at, PostURI: "2"},
		{From: "b", To: "a", Kind: Mention, At: at, PostURI: "2"},
	}
	groups := ByGraph(posts, edges, 1)
	if len(groups) != 2 {
		t.Fatalf("got %d groups, want the tied one and the unconnected: %+v", len(groups), groups)
	}
	g := groups[0]
	// b holds the most tie weight (1.5 to a, 0.5 to mentioned-only), then a;
	// the name lists them alphabetically.
	if g.ID != "a+b" || !slices.Equal(g.Members, []string{"a", "b", "mentioned-only"}) {
		t.Errorf("group = %s %v, want a+b [a b mentioned-only]", g.ID, g.Members)
	}
	if len(g.Posts) != 2 || g.Posts[0] != &posts[0] || g.Posts[1] != &posts[1] {
		t.Errorf("group posts = %v, want posts 1 and 2 of the input", g.Posts)
	}
	u := groups[1]
	if u.ID != Unconnected || !slices.Equal(u.Members, []string{"loner", "self"}) || len(u.Posts) != 3 {
		t.Errorf("unconnected = %s %v with %d posts, want loner and self (a self-reply is no tie) with 3", u.ID, u.Members, len(u.Posts))
	}
	none := ByGraph(posts, nil, 1)
	if len(none) != 1 || none[0].ID != Unconnected || len(none[0].Members) != 5-1 {
		t.Errorf("without edges every author is unconnected: %+v", none)
	}
}

func TestNamesFollowPeopleNotSeeds(t *testing.T) {
	c, _ := fixtureCourse()
	first := ByGraph(c.posts, c.edges, 1)
	var names []string
	for _, g := range first {
		names = append(names, g.ID)
	}
	for seed := int64(2); seed < 12; seed++ {
		var again []string
		for _, g := range ByGraph(c.posts, c.edges, seed) {
			again = append(again, g.ID)
		}
		if !slices.Equal(again, names) {
			t.Errorf("seed %d names the groups %v, seed 1 %v", seed, again, names)
		}
	}
	if stab := Stability(first, [][]Group{ByGraph(c.posts, c.edges, 7)}); slices.Min(stab) != 1 {
		t.Errorf("stability %v: the fixture's groups share no tie, every seed finds them", stab)
	}
	// A run that splits a group lowers its stability.
	split := []Group{{Members: first[0].Members[:2]}, {Members: first[0].Members[2:]}}
	if stab := Stability(first[:1], [][]Group{split}); stab[0] >= 0.75 || stab[0] <= 0 {
		t.Errorf("a group split in two: stability %v, want between 0 and 0.75", stab)
	}
}

func TestByTagAndByInstance(t *testing.T) {
	posts := []Post{
		{URI: "1", Author: "ana@mastodon.oeru.org", Tags: []string{"cop", "DS4OERS"}},
		{URI: "2", Author: "ben@example.social", Tags: []string{"cop", "cop"}},
		{URI: "3", Author: "ana@mastodon.oeru.org", Instance: "Mastodon.OERu.org"},
		{URI: "4", Author: "local"}, // no instance known: in no instance group
	}
	tags := ByTag(posts)
	if len(tags) != 2 {
		t.Fatalf("got %d tag groups, want 2", len(tags))
	}
	// ds4oers has one post: folded into "other tags".
	if tags[0].ID != "tag:cop" || len(tags[0].Posts) != 2 ||
		!slices.Equal(tags[0].Members, []string{"ana@mastodon.oeru.org", "ben@example.social"}) {
		t.Errorf("tag:cop = %+v", tags[0])
	}
	if tags[1].ID != OtherTags || len(tags[1].Posts) != 1 {
		t.Errorf("second tag group = %s with %d posts, want %s with 1", tags[1].ID, len(tags[1].Posts), OtherTags)
	}
	// A reply without tags belongs to its thread root's tags.
	withReply := append(slices.Clone(posts), Post{URI: "5", Author: "cy@x.org", ThreadTags: []string{"DS4OERS"}})
	tags = ByTag(withReply)
	if len(tags) != 2 || tags[1].ID != "tag:ds4oers" || len(tags[1].Posts) != 2 {
		t.Errorf("with a reply in its thread, ds4oers should have 2 posts: %+v", tags)
	}
	instances := ByInstance(posts)
	if len(instances) != 2 {
		t.Fatalf("got %d instance groups, want 2: %+v", len(instances), instances)
	}
	if instances[0].ID != "instance:example.social" || instances[1].ID != "instance:mastodon.oeru.org" {
		t.Errorf("instance ids = %s, %s", instances[0].ID, instances[1].ID)
	}
	if len(instances[1].Posts) != 2 {
		t.Errorf("mastodon.oeru.org has %d posts, want 2", len(instances[1].Posts))
	}
}

// TestByGraphRunsIsByGraphWithEachSeed: building the tie graph once for
// several seeds finds what detection with each seed alone finds.
func TestByGraphRunsIsByGraphWithEachSeed(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var posts []Post
	var edges []Edge
	acct := func(i int) string { return fmt.Sprintf("u%d@x", i) }
	for i := range 600 {
		n := rng.IntN(80)
		a := acct(n)
		posts = append(posts, Post{URI: fmt.Sprint(i), Author: a})
		if n < 60 && rng.IntN(3) > 0 { // u60 to u79 tie to nobody
			edges = append(edges, Edge{From: a, To: acct(rng.IntN(60)), Kind: EdgeKind(rng.IntN(4)), PostURI: fmt.Sprint(i)})
		}
	}
	groups, others := ByGraphRuns(posts, edges, 7, 3)
	if got, want := fmt.Sprint(groups), fmt.Sprint(ByGraph(posts, edges, 7)); got != want {
		t.Errorf("seed 7: ByGraphRuns found\n%s\nByGraph\n%s", got, want)
	}
	if len(others) != 3 {
		t.Fatalf("%d other runs, want 3", len(others))
	}
	for i, run := range others {
		want := ByGraph(posts, edges, 7+int64(i)+1)
		if len(run) != len(want) {
			t.Fatalf("seed %d: %d groups, want %d", 8+i, len(run), len(want))
		}
		for j := range run {
			if run[j].ID != want[j].ID || !slices.Equal(run[j].Members, want[j].Members) {
				t.Errorf("seed %d group %d: %s %v, want %s %v", 8+i, j, run[j].ID, run[j].Members, want[j].ID, want[j].Members)
			}
		}
	}
	if len(groups) < 3 || groups[len(groups)-1].ID != Unconnected {
		t.Errorf("want several groups and an unconnected one: %d groups", len(groups))
	}
}
