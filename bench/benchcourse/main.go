// Command benchcourse measures copharvest on synthetic courses: sync against
// the loopback fake (requests vs the ideal, 429s under a rate limit, wall
// time vs a plain GET loop over the same URLs, an idle incremental sync),
// and writes large synthetic databases for the command benchmarks.
//
//	go run ./bench/benchcourse sync -n 10000 [-limit 0]
//	go run ./bench/benchcourse db -n 1000000 -o /tmp/1m.db
//	go run ./bench/benchcourse floor -db /tmp/1m.db -what analysis|export [-o FILE]
//
// floor measures what a command is compared with: a bare scan of the rows
// it reads, or the rows it exports written straight to a file, by a minimal
// Go loop over the same SQLite driver.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcourse sync|db|floor [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "sync":
		err = syncBench(os.Args[2:])
	case "db":
		err = dbBench(os.Args[2:])
	case "floor":
		err = floorBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcourse:", err)
		os.Exit(1)
	}
}

// SyncResult is one sync measurement, printed as JSON. The CPU seconds are
// the whole process's (user + system), fake server included, so both sides
// pay for it alike; on a shared machine they move less than the wall times.
type SyncResult struct {
	Posts, Tagged, Threads    int
	Requests, Ideal           int64
	Responses429              int
	SyncSeconds, PlainSeconds float64
	SyncCPUSeconds            float64
	PagesSeconds              float64 // into the sync when the last timeline page was stored
	PlainCPUSeconds           float64
	Ratio                     float64 // plain / sync: 1 = sync as fast as bare GETs
	// The floor as measured before it used the conversation workers: every
	// URL one after the other.
	SerialPlainSeconds float64
	PlainResponses429  int // must be 0: the floor is as polite as sync
	SerialResponses429 int
	Workers            int
	IdleRequests       int
	IdleSeconds        float64
	RateLimit          int
	RateWindowMS       int64
}

// cpuNow is the process's CPU time so far (user + system).
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func syncBench(args []string) error {
	fs := flag.NewFlagSet("sync", flag.ExitOnError)
	n := fs.Int("n", 10000, "top-level posts")
	limit := fs.Int("limit", 300, "rate limit per window (0: no limit)")
	window := fs.Duration("window", 500*time.Millisecond, "rate-limit window (Mastodon: 5m; shortened)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sync to this file")
	dbLoc := fs.String("db", "", "database to sync into: an empty postgres:// database (default: a temporary SQLite file)")
	workers := fs.Int("workers", 4, "concurrent conversation requests (sync's default), for sync and the floor alike")
	serial := fs.Bool("serial", false, "also time the floor with every URL one after the other (SerialPlainSeconds)")
	fs.Parse(args)
	if *limit <= 0 {
		*limit = 1 << 30
	}

	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: *limit, RateWindow: *window})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: *n, Accounts: max(12, *n/50), Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 1})
	res := SyncResult{Posts: len(all), RateLimit: *limit, RateWindowMS: window.Milliseconds()}
	byID := map[string]mastodontest.Status{}
	hasReplies := map[string]bool{}
	for _, s := range all {
		byID[s.ID] = s
		if s.InReplyToID != "" {
			hasReplies[s.InReplyToID] = true
		}
	}
	roots := map[string]bool{}
	for _, s := range all {
		if len(s.Tags) == 0 {
			continue
		}
		res.Tagged++
		root := s
		for root.InReplyToID != "" {
			root = byID[root.InReplyToID]
		}
		if s.InReplyToID != "" || hasReplies[root.ID] {
			roots[root.ID] = true
		}
	}
	res.Threads = len(roots)
	res.Ideal = int64(math.Ceil(float64(res.Tagged)/40)) + 1 + int64(res.Threads)

	dir, err := os.MkdirTemp("", "benchcourse-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	loc := *dbLoc
	if loc == "" {
		loc = filepath.Join(dir, "b.db")
	}
	st, err := store.Open(context.Background(), loc, false)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := mastodon.New(mastodon.Options{Instance: srv.URL, MaxWait: time.Hour})
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res.Workers = *workers
	start, cpu := time.Now(), cpuNow()
	var pagesDone time.Duration
	out, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}, Workers: *workers,
		OnEvent: func(e harvest.Event) {
			if e.Kind == harvest.PageStored {
				pagesDone = time.Since(start)
			}
		}})
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	res.SyncSeconds, res.SyncCPUSeconds = time.Since(start).Seconds(), (cpuNow() - cpu).Seconds()
	res.PagesSeconds = pagesDone.Seconds()
	res.Requests = out.Requests
	res.Responses429 = srv.Count429()

	// The same URLs with bare GETs, under the same limit (a fresh window):
	// the timeline pages one after the other (each needs the previous
	// page's cursor), then the conversations with as many workers as sync
	// has, as sync asks them.
	var pages, rest []string
	for _, r := range srv.Requests() {
		u := srv.URL + r.Path
		if r.RawQuery != "" {
			u += "?" + r.RawQuery
		}
		if strings.HasPrefix(r.Path, "/api/v1/timelines/tag/") {
			pages = append(pages, u)
		} else {
			rest = append(rest, u)
		}
	}
	time.Sleep(*window)
	srv.ResetLog()
	start, cpu = time.Now(), cpuNow()
	if err := plainLoop(pages, rest, *workers, *limit, *window); err != nil {
		return err
	}
	res.PlainSeconds, res.PlainCPUSeconds = time.Since(start).Seconds(), (cpuNow() - cpu).Seconds()
	res.PlainResponses429 = srv.Count429()
	res.Ratio = res.PlainSeconds / res.SyncSeconds
	if *serial {
		time.Sleep(*window)
		start = time.Now()
		if err := plainLoop(append(pages, rest...), nil, 1, *limit, *window); err != nil {
			return err
		}
		res.SerialPlainSeconds = time.Since(start).Seconds()
		res.SerialResponses429 = srv.Count429() - res.PlainResponses429
	}

	time.Sleep(*window)
	srv.ResetLog()
	start = time.Now()
	if _, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}}); err != nil {
		return err
	}
	res.IdleSeconds = time.Since(start).Seconds()
	res.IdleRequests = len(srv.Requests())
	return json.NewEncoder(os.Stdout).Encode(res)
}

// plainLoop GETs every URL of serial in order, then those of parallel with
// workers at a time, pausing when the window's quota is spent (as any
// polite client must: by the same margin as copharvest's transport), and
// reads every body. The server's window starts when the first request of
// the window reaches it: at the latest when its answer is back, the time
// the loop counts from, so that it never runs into a 429 (whose quick
// answers would flatter it).
func plainLoop(serial, parallel []string, workers, limit int, window time.Duration) error {
	var (
		mu          sync.Mutex
		windowStart time.Time
		used        int
	)
	// take waits for a unit of quota; first: the request opens a window.
	take := func() (first bool) {
		mu.Lock()
		defer mu.Unlock()
		if used >= limit {
			time.Sleep(time.Until(windowStart.Add(window)) + 100*time.Millisecond)
			used = 0
		}
		used++
		return used == 1
	}
	get := func(u string) error {
		first := take()
		resp, err := http.Get(u)
		if first {
			mu.Lock()
			windowStart = time.Now()
			mu.Unlock()
		}
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	for _, u := range serial {
		if err := get(u); err != nil {
			return err
		}
	}
	next := make(chan string)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for u := range next {
				if err := get(u); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for _, u := range parallel {
		next <- u
	}
	close(next)
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// dbBench writes a synthetic course straight into a database: threads of a
// few replies, ~1 author per 50 posts, tags, mentions, links and tools.
func dbBench(args []string) error {
	fs := flag.NewFlagSet("db", flag.ExitOnError)
	n := fs.Int("n", 100000, "posts")
	outPath := fs.String("o", "bench.db", "database to create (must not exist)")
	fs.Parse(args)
	if _, err := os.Stat(*outPath); err == nil {
		return fmt.Errorf("%s exists", *outPath)
	}
	st, err := store.Open(context.Background(), *outPath, false)
	if err != nil {
		return err
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	authors := max(20, *n/50)
	start := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	span := 12 * 7 * 24 * time.Hour
	tools := []string{"H5P", "Moodle", "Pressbooks", "WikiEducator", "Kolibri", "a CC BY licence"}
	sites := []string{"oercommons.org/courses/", "wikieducator.org/OERu/", "creativecommons.org/licenses/by/4.0/", "h5p.org/node/", "pressbooks.pub/"}
	phrases := []string{"We tried %s with our Year 8 class and it worked well.", "Has anyone used %s for open textbooks?",
		"Here is how to set up %s: first export, then share under CC BY.", "Thanks, I will use %s on Monday.",
		"Idea: a shared %s question bank for Pacific teachers.", "Anyone watching the new police drama? #cop"}
	batch := make([]store.Post, 0, 5000)
	startAt := time.Now()
	var lastTop []int
	for i := 0; i < *n; i++ {
		author := rng.IntN(authors)
		at := start.Add(time.Duration(float64(span) * float64(i) / float64(*n)))
		id := fmt.Sprintf("%018d", 117000000000000000+int64(i))
		tool := tools[rng.IntN(len(tools))]
		text := fmt.Sprintf(phrases[rng.IntN(len(phrases))], tool)
		p := store.Post{
			URI: "https://bench.example/users/u" + fmt.Sprint(author) + "/statuses/" + id, URL: "https://bench.example/@u/" + id,
			LocalID: id, Account: store.Account{Acct: fmt.Sprintf("u%d@bench.example", author), Username: fmt.Sprintf("u%d", author)},
			CreatedAt: at, Language: "en", Visibility: "public", Tags: []string{"cop"},
			Content: "<p>" + text + " #cop #ds4oers</p>", Text: text + " #cop #ds4oers",
		}
		if rng.IntN(10) < 4 && len(lastTop) > 0 { // 40% replies, to a recent post
			parent := lastTop[rng.IntN(len(lastTop))]
			p.InReplyToLocalID = fmt.Sprintf("%018d", 117000000000000000+int64(parent))
			p.Tags = nil
		} else {
			lastTop = append(lastTop, i)
			if len(lastTop) > 200 {
				lastTop = lastTop[1:]
			}
			p.Tags = append(p.Tags, "ds4oers")
		}
		if rng.IntN(4) == 0 {
			p.Mentions = []string{fmt.Sprintf("u%d@bench.example", rng.IntN(authors))}
		}
		if rng.IntN(3) == 0 {
			site := "https://" + sites[rng.IntN(len(sites))] + fmt.Sprint(rng.IntN(50))
			p.Links = []store.Link{{URL: site, Domain: strings.SplitN(site[8:], "/", 2)[0]}}
		}
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			if _, err := st.SaveThread(context.Background(), "bench.example", batch, nil); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := st.SaveThread(context.Background(), "bench.example", batch, nil); err != nil {
		return err
	}
	if err := st.UpdateThreadRoots(context.Background()); err != nil {
		return err
	}
	secs := time.Since(startAt).Seconds()
	fmt.Printf("{\"posts\": %d, \"seconds\": %.1f, \"posts_per_second\": %.0f}\n", *n, secs, float64(*n)/secs)
	return nil
}
