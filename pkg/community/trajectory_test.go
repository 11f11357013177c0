package community

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestStepMetricsEqualMeasure holds the one-pass trajectory to measuring
// the group from the window's start to each week's end, on every metric
// Decide reads, over random courses made to hit the awkward cases: posts
// and interactions before and after the window, boosts long after their
// post, replies whose replied-to account is unknown (their parent by the
// same author coming earlier, later or never), self-replies, favourites,
// and groups holding accounts that never post.
func TestStepMetricsEqualMeasure(t *testing.T) {
	th := DefaultThresholds()
	th.ActiveWeekPosts = 2
	steps, replaced := 0, 0
	for seed := range uint64(80) {
		rng := rand.New(rand.NewPCG(seed, 7))
		start := time.Date(2026, 9, 2, 13, 0, 0, 0, time.UTC) // a Wednesday: the first week is short
		window := Window{Start: start, End: start.AddDate(0, 0, 7*(3+rng.IntN(8))).Add(time.Duration(rng.IntN(5)) * time.Hour)}
		span := window.End.Sub(window.Start)
		at := func() time.Time {
			// A tenth of the times fall outside the window.
			return window.Start.Add(time.Duration(rng.Int64N(int64(span)*12/10)) - span/20)
		}
		accounts := 3 + rng.IntN(12)
		name := func() string { return fmt.Sprintf("a%02d@x.example", rng.IntN(accounts)) }
		var posts []Post
		var edges []Edge
		for i := range 20 + rng.IntN(200) {
			p := Post{URI: fmt.Sprintf("p%d", i), Author: name(), At: at(),
				Domain: rng.IntN(2) == 0, Community: rng.IntN(3) == 0, Practice: rng.IntN(4) == 0,
				Question: rng.IntN(5) == 0, Answered: rng.IntN(2) == 0}
			if rng.IntN(3) == 0 {
				p.Resources = []string{fmt.Sprintf("https://r%d.example/", rng.IntN(6))}
			}
			if i > 0 && rng.IntN(2) == 0 {
				parent := posts[rng.IntN(len(posts))]
				p.InReplyToURI = parent.URI
				if rng.IntN(3) == 0 {
					p.Author = parent.Author // their own thread, replied-to account unknown half the time
				}
				if rng.IntN(2) == 0 {
					p.InReplyToAuthor = parent.Author
				}
				if rng.IntN(4) == 0 {
					p.At = parent.At.Add(-time.Duration(rng.IntN(200)) * time.Hour) // clocks disagree
				}
				if p.Author != parent.Author {
					edges = append(edges, Edge{From: p.Author, To: parent.Author, PostURI: p.URI, At: p.At, Kind: Reply})
				}
			}
			for range rng.IntN(3) {
				kind := []EdgeKind{Mention, Boost, Favourite}[rng.IntN(3)]
				e := Edge{From: name(), To: p.Author, PostURI: p.URI, At: p.At, Kind: kind}
				if kind == Mention {
					e.From, e.To = p.Author, name()
				} else if rng.IntN(2) == 0 {
					e.At = p.At.Add(time.Duration(rng.IntN(24*40)) * time.Hour)
				}
				edges = append(edges, e)
			}
			posts = append(posts, p)
		}
		c := ColumnsOf(posts, edges)
		c.SortEdges()
		groups, _ := c.ByGraphRuns(int64(seed), 0)
		// A hand-made group: members that never post, and rows out of time order.
		var all []int32
		for r := len(posts) - 1; r >= 0; r-- {
			all = append(all, int32(r))
		}
		groups = append(groups, Group{ID: "everyone", Members: []string{"nobody@x.example"}, rows: all})
		for a := range accounts {
			groups[len(groups)-1].Members = append(groups[len(groups)-1].Members, fmt.Sprintf("a%02d@x.example", a))
		}
		parts := c.prepare(groups)
		_, ends := trajectoryWeeks(window)
		for gi := range groups {
			got := c.stepMetrics(&parts[gi], window, ends, th)
			for w, end := range ends {
				sub := Window{Start: window.Start, End: time.Unix(0, end).UTC()}
				want := c.measure(&parts[gi], len(parts[gi].rows), sub, th, &measureScratch{})
				g := got[w]
				if g.Posts != want.Posts || g.Authors != want.Authors || g.ReplyShare != want.ReplyShare ||
					g.DomainShare != want.DomainShare || g.CommunityShare != want.CommunityShare ||
					g.PracticeShare != want.PracticeShare || g.Reciprocity != want.Reciprocity ||
					g.IsolatesShare != want.IsolatesShare || g.TopAccountShare != want.TopAccountShare ||
					g.HubPartners != want.HubPartners || g.HubAnswered != want.HubAnswered ||
					g.SharedRepertoire != want.SharedRepertoire || g.ActiveWeeks != want.ActiveWeeks ||
					g.RecurringPairs != want.RecurringPairs {
					t.Fatalf("seed %d group %s week %d:\n got %+v\nwant %+v", seed, groups[gi].ID, w, g, want)
				}
				// Every criterion the verdict reads, including any added
				// later: a new one that stepMetrics does not keep fails here.
				gv, gr := Decide(g, th)
				wv, wr := Decide(want, th)
				if gv != wv || !reflect.DeepEqual(gr, wr) {
					t.Fatalf("seed %d group %s week %d: verdict %s %+v, measured %s %+v", seed, groups[gi].ID, w, gv, gr, wv, wr)
				}
				steps++
				if w > 0 && want.Replies < got[w-1].Replies {
					replaced++ // a parent by the same author came in: the reply count fell
				}
			}
		}
	}
	if steps < 1000 || replaced == 0 {
		t.Fatalf("%d steps compared, %d reply counts that fell: the random courses do not reach the awkward cases", steps, replaced)
	}
}
