package report

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The report's period is read in parts, each counted on its own: adding
// them up must give what one pass over all the posts gives.
func TestActivityInPartsAddsUpToOnePass(t *testing.T) {
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	p := Period{Start: start, End: start.AddDate(0, 0, 14)}
	nm := &names{}
	for i := range 40 {
		nm.account(fmt.Sprintf("user%d@example.org", i))
	}
	for i := range 30 {
		name := fmt.Sprintf("tag%d", i)
		if i%3 == 0 {
			name = fmt.Sprintf("tool:t%d", i)
		}
		nm.term(name)
	}
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		posts := make([]post, 300+rng.IntN(300))
		at := start
		for i := range posts {
			// Equal times and equal scores too: their order must survive.
			at = at.Add(time.Duration(rng.IntN(3)) * time.Hour)
			r := post{id: int64(i + 1), author: int32(rng.IntN(40)), at: at, isReply: rng.IntN(2) == 0,
				repliers: rng.IntN(3), classified: rng.IntN(5) > 0, practice: rng.IntN(4) == 0,
				question: rng.IntN(4) == 0, idea: rng.IntN(6) == 0, score: float64(rng.IntN(4)) / 2}
			for range rng.IntN(4) {
				r.tags = append(r.tags, int32(rng.IntN(30)))
			}
			for range rng.IntN(3) {
				r.resources = append(r.resources, int32(rng.IntN(30)))
			}
			posts[i] = r
		}
		_, ends := p.days(time.UTC)
		// One activity per part; more than one are added up into the first.
		count := func(parts ...[]post) []byte {
			var all *activity
			for _, part := range parts {
				a := newActivity(ends, nm)
				for _, r := range part {
					// add sorts and compacts the tags in place.
					r.tags = slices.Clone(r.tags)
					a.add(&r)
				}
				if all == nil {
					all = a
				} else {
					all.absorb(a)
				}
			}
			rep := &Report{Period: p}
			all.finish(rep, time.UTC)
			out, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		whole := count(posts)
		cut := rng.IntN(len(posts) + 1)
		cut2 := cut + rng.IntN(len(posts)-cut+1)
		if parts := count(posts[:cut], posts[cut:cut2], posts[cut2:]); string(parts) != string(whole) {
			t.Fatalf("seed %d, cut at %d and %d of %d: the parts add up to\n%.3000s\none pass gives\n%.3000s", seed, cut, cut2, len(posts), parts, whole)
		}
	}
}
