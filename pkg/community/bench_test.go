package community

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// synthetic is a generated course-sized-or-larger data set.
type synthetic struct {
	posts []Post
	edges []Edge
	win   Window
}

var (
	syntheticMu    sync.Mutex
	syntheticCache = map[int]*synthetic{}
)

// syntheticCourse generates nPosts posts over 52 weeks by nPosts/50
// authors in planted communities of 5 to 200 accounts, with a heavy-tailed
// posting rate. 40% of posts are replies (90% of them within the author's
// community, to one of its last 50 posts), 25% mention one or two accounts,
// each post draws on average 0.3 boosts and 0.6 favourites, 30% carry one or
// two resources from a heavy-tailed pool. The result is cached so that the
// benchmark's repeated runs generate it once, outside the timer.
func syntheticCourse(nPosts int) *synthetic {
	syntheticMu.Lock()
	defer syntheticMu.Unlock()
	if s, ok := syntheticCache[nPosts]; ok {
		return s
	}
	rng := rand.New(rand.NewPCG(uint64(nPosts), 99))
	nAuthors := max(10, nPosts/50)

	authors := make([]string, nAuthors)
	instances := []string{"mastodon.oeru.org", "mastodon.social", "aus.social", "mastodon.nz", "fosstodon.org", "tech.lgbt"}
	for i := range authors {
		authors[i] = fmt.Sprintf("learner%06d@%s", i, instances[rng.IntN(len(instances))])
	}
	// Communities: consecutive runs of a shuffled author list.
	order := rng.Perm(nAuthors)
	communityOf := make([]int, nAuthors)
	var members [][]int
	for start := 0; start < nAuthors; {
		size := min(nAuthors-start, 5+int(rng.ExpFloat64()*40)%196)
		c := len(members)
		members = append(members, order[start:start+size])
		for _, a := range order[start : start+size] {
			communityOf[a] = c
		}
		start += size
	}
	postRate := rand.NewZipf(rng, 1.2, 8, uint64(nAuthors-1)) // index into a shuffled list: heavy tail
	rateOrder := rng.Perm(nAuthors)
	resourceRank := rand.NewZipf(rng, 1.1, 4, uint64(nPosts/20))
	tagSets := [][]string{{"cop", "ds4oers"}, {"cop"}, {"ds4oers"}, {"cop", "oer"}, {"ds4oers", "opened", "oer"}}

	win := WeeksEnding(2026, 47, 52)
	span := win.End.Sub(win.Start)
	s := &synthetic{win: win, posts: make([]Post, nPosts)}
	s.edges = make([]Edge, 0, nPosts*16/10)
	recent := make([][]int32, len(members)) // ring of each community's last 50 posts
	for i := range nPosts {
		author := rateOrder[postRate.Uint64()]
		c := communityOf[author]
		at := win.Start.Add(time.Duration(int64(span) / int64(nPosts) * int64(i)))
		p := Post{
			URI:       fmt.Sprintf("https://%s/statuses/%d", authors[author], 110000000000000000+i),
			Author:    authors[author],
			Tags:      tagSets[rng.IntN(len(tagSets))],
			At:        at,
			Domain:    rng.Float64() < 0.85,
			Practice:  rng.Float64() < 0.35,
			Question:  rng.Float64() < 0.1,
			Community: rng.Float64() < 0.2,
		}
		p.Answered = p.Question && rng.Float64() < 0.6
		if rng.Float64() < 0.4 {
			pool := recent[c]
			if rng.Float64() < 0.1 || len(pool) == 0 {
				pool = recent[rng.IntN(len(recent))]
			}
			if len(pool) > 0 {
				parent := &s.posts[pool[rng.IntN(len(pool))]]
				p.InReplyToURI = parent.URI
				p.InReplyToAuthor = parent.Author
				p.Community = true
				s.edges = append(s.edges, Edge{From: p.Author, To: parent.Author, Kind: Reply, At: at, PostURI: p.URI})
			}
		}
		if rng.Float64() < 0.25 {
			for range 1 + rng.IntN(2) {
				target := pick(rng, members, c)
				p.Community = true
				s.edges = append(s.edges, Edge{From: p.Author, To: authors[target], Kind: Mention, At: at, PostURI: p.URI})
			}
		}
		if rng.Float64() < 0.3 {
			p.Practice = true
			p.Resources = make([]string, 1+rng.IntN(2))
			for j := range p.Resources {
				p.Resources[j] = fmt.Sprintf("https://oer.example/r/%d", resourceRank.Uint64())
			}
		}
		for range poisson(rng, 0.3) {
			s.edges = append(s.edges, Edge{From: authors[pick(rng, members, c)], To: p.Author, Kind: Boost, At: at, PostURI: p.URI})
		}
		for range poisson(rng, 0.6) {
			s.edges = append(s.edges, Edge{From: authors[pick(rng, members, c)], To: p.Author, Kind: Favourite, At: at, PostURI: p.URI})
		}
		s.posts[i] = p
		if len(recent[c]) < 50 {
			recent[c] = append(recent[c], int32(i))
		} else {
			recent[c][i%50] = int32(i)
		}
	}
	syntheticCache[nPosts] = s
	return s
}

// pick returns an account from community c (90%) or from any community.
func pick(rng *rand.Rand, members [][]int, c int) int {
	if rng.Float64() >= 0.9 {
		c = rng.IntN(len(members))
	}
	return members[c][rng.IntN(len(members[c]))]
}

// poisson draws a small Poisson count (Knuth's method).
func poisson(rng *rand.Rand, mean float64) int {
	limit, k, p := math.Exp(-mean), 0, rng.Float64()
	for p > limit {
		k++
		p *= rng.Float64()
	}
	return k
}

// communities is the work the benchmarks time: find groups, measure each,
// decide each.
func communities(c *Columns, win Window, th Thresholds) int {
	groups, _ := c.ByGraphRuns(1, 0)
	all := c.MeasureAll(groups, win, th)
	genuine := 0
	for _, m := range all {
		if v, _ := Decide(m, th); v == GenuineCoP {
			genuine++
		}
	}
	return genuine
}

// benchmarkCommunities times communities() and reports, besides ns/op and
// B/op (all bytes the work allocates, an upper bound on the extra memory it
// can hold): the live heap of the generated input (input-MB), the highest
// heap in use seen while the work ran, sampled every millisecond from
// runtime/metrics (peak-heap-MB, input and not yet collected garbage
// included), that peak minus the input (peak-extra-MB), and the same for
// one run at GOGC=10 (peak-extra-gogc10-MB).
//
// The input is the columns the analysis hands the package, made once.
func benchmarkCommunities(b *testing.B, nPosts int) {
	s := syntheticCourse(nPosts)
	c, win, edges := ColumnsOf(s.posts, s.edges), s.win, len(s.edges)
	s = nil
	th := DefaultThresholds()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	input := sample[0].Value.Uint64()

	stopSampling := samplePeakHeap()
	b.ReportAllocs()
	for b.Loop() {
		communities(c, win, th)
	}
	b.StopTimer()
	peak := stopSampling()

	// Once more, untimed, with the collector at GOGC=10, so that the peak
	// is close to the memory the work really holds rather than garbage
	// the default pacing (GOGC=100) lets pile up to twice the live heap.
	old := debug.SetGCPercent(10)
	runtime.GC()
	stopSampling = samplePeakHeap()
	communities(c, win, th)
	tightPeak := stopSampling()
	debug.SetGCPercent(old)

	const mb = 1 << 20
	b.ReportMetric(float64(input)/mb, "input-MB")
	b.ReportMetric(float64(peak)/mb, "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, input))/mb, "peak-extra-MB")
	b.ReportMetric(float64(tightPeak-min(tightPeak, input))/mb, "peak-extra-gogc10-MB")
	b.ReportMetric(float64(edges), "edges")
}

// samplePeakHeap samples the heap in use every millisecond until the
// returned function is called, which returns the highest value seen.
func samplePeakHeap() (stop func() uint64) {
	var peak uint64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		ticker := time.NewTicker(time.Millisecond)
		defer ticker.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-quit:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() uint64 {
		close(quit)
		<-done
		return peak
	}
}

func BenchmarkCommunities100k(b *testing.B) { benchmarkCommunities(b, 100_000) }
func BenchmarkCommunities1M(b *testing.B)   { benchmarkCommunities(b, 1_000_000) }

// TestSyntheticCourseShape keeps the benchmark data honest: the ratios the
// generator promises.
func TestSyntheticCourseShape(t *testing.T) {
	s := syntheticCourse(20_000)
	authors := map[string]bool{}
	replies := 0
	for _, p := range s.posts {
		authors[p.Author] = true
		if p.InReplyToURI != "" {
			replies++
		}
	}
	kinds := map[EdgeKind]int{}
	for _, e := range s.edges {
		kinds[e.Kind]++
	}
	if n := len(authors); n < 200 || n > 400 {
		t.Errorf("%d distinct authors for 20000 posts, want about 400 (1 per 50), heavy tail allowed", n)
	}
	if share := float64(replies) / float64(len(s.posts)); share < 0.38 || share > 0.42 {
		t.Errorf("reply share %.3f, want about 0.4", share)
	}
	if kinds[Mention] < 6000 || kinds[Boost] < 5000 || kinds[Favourite] < 10000 {
		t.Errorf("edge kinds %v: too few mentions, boosts or favourites", kinds)
	}
	groups := ByGraph(s.posts, s.edges, 1)
	if len(groups) < 5 {
		t.Errorf("only %d groups in the synthetic course", len(groups))
	}
}
