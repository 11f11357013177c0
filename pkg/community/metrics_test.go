package community

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestWeeksEndingAndWindow(t *testing.T) {
	w := WeeksEnding(2026, 47, 12)
	wantStart := time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC) // Monday of 2026-W36
	wantEnd := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)  // Monday of 2026-W48
	if !w.Start.Equal(wantStart) || !w.End.Equal(wantEnd) {
		t.Fatalf("WeeksEnding(2026, 47, 12) = %v .. %v, want %v .. %v", w.Start, w.End, wantStart, wantEnd)
	}
	if y, wk := w.Start.ISOWeek(); y != 2026 || wk != 36 {
		t.Errorf("start is in %d-W%d, want 2026-W36", y, wk)
	}
	if got := w.Weeks(); got != 12 {
		t.Errorf("Weeks() = %d, want 12", got)
	}
	if !w.Contains(wantStart) || w.Contains(wantEnd) || w.Contains(wantStart.Add(-time.Second)) {
		t.Error("Contains should include Start and exclude End")
	}
	if got := (Window{}).Weeks(); got != 0 {
		t.Errorf("open window has %d weeks, want 0", got)
	}
	// 2021 starts on a Friday that belongs to 2020-W53.
	if w := WeeksEnding(2021, 1, 1); !w.Start.Equal(time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("2021-W01 starts %v, want 2021-01-04", w.Start)
	}
}

func TestWeekIndexFollowsISOWeeks(t *testing.T) {
	sunday := time.Date(2026, 9, 6, 23, 59, 59, 0, time.UTC)
	monday := sunday.Add(time.Second)
	if weekIndex(sunday)+1 != weekIndex(monday) {
		t.Errorf("Sunday %d and the next Monday %d should be consecutive weeks", weekIndex(sunday), weekIndex(monday))
	}
	if weekIndex(monday) != weekIndex(monday.AddDate(0, 0, 6)) {
		t.Error("Monday and Sunday of one ISO week should share an index")
	}
	old := time.Date(1969, 12, 29, 0, 0, 0, 0, time.UTC) // a Monday before the epoch
	if weekIndex(old) != weekIndex(old.AddDate(0, 0, 6)) || weekIndex(old)+1 != weekIndex(old.AddDate(0, 0, 7)) {
		t.Error("week index is wrong before 1970")
	}
}

// smallGroup is the hand-computed example of TestMeasureSmallGroup.
func smallGroup() (Group, []Edge, Window) {
	w := WeeksEnding(2026, 38, 3) // weeks 0, 1, 2 starting Monday 2026-08-31
	at := func(week, day int) time.Time { return w.Start.AddDate(0, 0, 7*week+day).Add(10 * time.Hour) }
	posts := []Post{
		{URI: "p0", Author: "c", At: at(-1, 0)}, // before the window
		{URI: "p1", Author: "a", At: at(0, 0), Domain: true, Practice: true, Resources: []string{"r1", "h5p"}, Question: true},
		{URI: "p2", Author: "b", At: at(0, 1), InReplyToURI: "p1", Domain: true, Community: true, Resources: []string{"r1"}},
		{URI: "p3", Author: "a", At: at(0, 2), InReplyToURI: "p1", Domain: true, Resources: []string{"r1"}}, // own thread
		{URI: "p4", Author: "c", At: at(1, 0), Domain: true, Practice: true, Resources: []string{"h5p"}},
		{URI: "p5", Author: "a", At: at(2, 3), InReplyToURI: "p4", Community: true, Resources: []string{"r2"}},
	}
	edges := []Edge{
		{From: "b", To: "a", Kind: Reply, At: at(0, 1), PostURI: "p2"},
		{From: "a", To: "b", Kind: Mention, At: at(0, 2), PostURI: "p3"},
		{From: "a", To: "a", Kind: Reply, At: at(0, 2), PostURI: "p3"}, // self: dropped
		{From: "c", To: "a", Kind: Boost, At: at(1, 1), PostURI: "p1"},
		{From: "b", To: "a", Kind: Favourite, At: at(1, 1), PostURI: "p1"},
		{From: "a", To: "c", Kind: Reply, At: at(2, 3), PostURI: "p5"},
		{From: "a", To: "d", Kind: Mention, At: at(2, 3), PostURI: "p5"},
		{From: "b", To: "c", Kind: Mention, At: at(2, 4), PostURI: "px"},
		{From: "x", To: "a", Kind: Reply, At: at(1, 0), PostURI: "py"},  // x is not a member
		{From: "c", To: "b", Kind: Reply, At: at(-1, 0), PostURI: "pz"}, // before the window
	}
	g := Group{ID: "small", Members: []string{"a", "b", "c", "d"}}
	for i := range posts {
		g.Posts = append(g.Posts, &posts[i])
	}
	return g, edges, w
}

func TestMeasureSmallGroup(t *testing.T) {
	g, edges, w := smallGroup()
	th := DefaultThresholds() // ActiveWeekPosts 2, CoreK 2
	m := Measure(g, edges, w, th)

	ints := []struct {
		name      string
		got, want int
	}{
		{"Members", m.Members, 4},               // d was only mentioned
		{"Authors", m.Authors, 3},               // a, b, c
		{"Posts", m.Posts, 5},                   // p0 is before the window
		{"Replies", m.Replies, 2},               // p2, p5; p3 continues a's own thread
		{"Ties", m.Ties, 6},                     // b→a, a→b, c→a, a→c, a→d, b→c
		{"Favourites", m.Favourites, 1},         //
		{"CoreSize", m.CoreSize, 3},             // triangle a, b, c; d hangs on a
		{"Periphery", m.Periphery, 0},           // every author is in the core
		{"WindowWeeks", m.WindowWeeks, 3},       //
		{"ActiveWeeks", m.ActiveWeeks, 1},       // week 0 has 3 posts, weeks 1 and 2 one each
		{"SilentWeeks", m.SilentWeeks, 0},       // a posted in the last week
		{"Returning", m.ReturningMembers, 1},    // a posted in weeks 0 and 2
		{"RecurringPairs", m.RecurringPairs, 1}, // a–c in weeks 1 and 2; a–b only in week 0
		{"Questions", m.Questions, 1},
		{"Unanswered", m.Unanswered, 1},
		{"SharedRepertoire", m.SharedRepertoire, 2}, // r1 (a, b), h5p (a, c); r2 only a
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"ReplyShare", m.ReplyShare, 2.0 / 5},
		{"TieWeight", m.TieWeight, 1 + 0.5 + 0.25 + 1 + 0.5 + 0.5},
		{"Reciprocity", m.Reciprocity, 2.0 / 5},             // arcs b→a a→b a→c a→d b→c; mutual a↔b
		{"IsolatesShare", m.IsolatesShare, 0},               //
		{"TwoWayShare", m.TwoWayShare, 2.0 / 3},             // a and b; c sent only a boost
		{"TopAccountShare", m.TopAccountShare, 3.25 / 3.75}, // a touches 1 + .5 + .25 + 1 + .5
		{"DomainShare", m.DomainShare, 4.0 / 5},
		{"CommunityShare", m.CommunityShare, 2.0 / 5},
		{"PracticeShare", m.PracticeShare, 2.0 / 5},
	}
	for _, c := range floats {
		if diff := c.got - c.want; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
	if m.TopAccount != "a" {
		t.Errorf("TopAccount = %q, want a", m.TopAccount)
	}
	if want := []string{"r1", "h5p"}; !slices.Equal(m.SharedResources, want) { // r1 used 3 times, h5p twice
		t.Errorf("SharedResources = %v, want %v", m.SharedResources, want)
	}
	if !m.LastPost.Equal(g.Posts[5].At) {
		t.Errorf("LastPost = %v, want %v", m.LastPost, g.Posts[5].At)
	}

	// With one post enough for a week to count, all three weeks are active;
	// with k = 3 nobody has three neighbours in the core.
	th.ActiveWeekPosts, th.CoreK = 1, 3
	m = Measure(g, edges, w, th)
	if m.ActiveWeeks != 3 || m.CoreSize != 0 || m.Periphery != 3 {
		t.Errorf("ActiveWeekPosts 1, CoreK 3: active weeks %d, core %d, periphery %d; want 3, 0, 3",
			m.ActiveWeeks, m.CoreSize, m.Periphery)
	}
}

// TestMeasureUsesInReplyToAuthor: with the parent's author given, a reply
// is judged without looking up the parent; the result must be the same.
func TestMeasureUsesInReplyToAuthor(t *testing.T) {
	g, edges, w := smallGroup()
	want := Measure(g, edges, w, DefaultThresholds())
	parents := map[string]string{}
	for _, p := range g.Posts {
		parents[p.URI] = p.Author
	}
	for _, p := range g.Posts {
		p.InReplyToAuthor = parents[p.InReplyToURI]
	}
	if got := Measure(g, edges, w, DefaultThresholds()); !metricsEqual(got, want) {
		t.Errorf("with InReplyToAuthor: %+v\nwithout: %+v", got, want)
	}
	g.Posts[5].InReplyToAuthor = "a" // p5 now claims to continue a's own thread
	if got := Measure(g, edges, w, DefaultThresholds()); got.Replies != want.Replies-1 {
		t.Errorf("a reply to oneself counted: %d replies, want %d", got.Replies, want.Replies-1)
	}
}

func TestMeasureIsolatesAndSilence(t *testing.T) {
	w := WeeksEnding(2026, 47, 12)
	at := w.Start.AddDate(0, 0, 7*2) // week 2 of 12
	posts := []Post{
		{URI: "1", Author: "a", At: at},
		{URI: "2", Author: "b", At: at, InReplyToURI: "1"},
		{URI: "3", Author: "c", At: at},
		{URI: "4", Author: "d", At: at},
	}
	edges := []Edge{{From: "b", To: "a", Kind: Reply, At: at}}
	g := ByTag(posts) // no tags: no groups
	if len(g) != 0 {
		t.Fatalf("untagged posts made %d tag groups", len(g))
	}
	group := Group{Members: []string{"a", "b", "c", "d"}}
	for i := range posts {
		group.Posts = append(group.Posts, &posts[i])
	}
	m := Measure(group, edges, w, DefaultThresholds())
	if m.IsolatesShare != 0.5 {
		t.Errorf("IsolatesShare = %g, want 0.5 (c and d have no tie)", m.IsolatesShare)
	}
	if m.SilentWeeks != 9 {
		t.Errorf("SilentWeeks = %d, want 9 (week 2 to week 11)", m.SilentWeeks)
	}
	if m.TopAccountShare != 1 || m.Reciprocity != 0 {
		t.Errorf("one reply: top account share %g, reciprocity %g; want 1, 0", m.TopAccountShare, m.Reciprocity)
	}
	empty := Measure(Group{Members: []string{"z"}}, edges, w, DefaultThresholds())
	if empty.Posts != 0 || empty.SilentWeeks != 12 || empty.ReplyShare != 0 {
		t.Errorf("empty group: %d posts, %d silent weeks, reply share %g; want 0, 12, 0",
			empty.Posts, empty.SilentWeeks, empty.ReplyShare)
	}
}

func TestMeasureAllMatchesMeasure(t *testing.T) {
	g, edges, w := smallGroup()
	other := Group{ID: "overlap", Members: []string{"a", "c"}, Posts: []*Post{g.Posts[1], g.Posts[4]}}
	groups := []Group{g, other}
	all := MeasureAll(groups, edges, w, DefaultThresholds())
	for i, group := range groups {
		one := Measure(group, edges, w, DefaultThresholds())
		if !metricsEqual(all[i], one) {
			t.Errorf("%s: MeasureAll %+v\nMeasure %+v", group.ID, all[i], one)
		}
	}
	if all[1].Ties != 2 { // c→a boost, a→c reply
		t.Errorf("overlap group has %d ties, want 2", all[1].Ties)
	}
}

func metricsEqual(a, b Metrics) bool {
	return reflect.DeepEqual(a, b)
}
