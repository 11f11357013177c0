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

// SyncResult is one sync measurement, printed as JSON.
type SyncResult struct {
	Posts, Tagged, Threads    int
	Requests, Ideal           int64
	Responses429              int
	SyncSeconds, PlainSeconds float64
	Ratio                     float64 // plain / sync: 1 = sync as fast as bare GETs
	IdleRequests              int
	IdleSeconds               float64
	RateLimit                 int
	RateWindowMS              int64
}

func syncBench(args []string) error {
	fs := flag.NewFlagSet("sync", flag.ExitOnError)
	n := fs.Int("n", 10000, "top-level posts")
	limit := fs.Int("limit", 300, "rate limit per window (0: no limit)")
	window := fs.Duration("window", 500*time.Millisecond, "rate-limit window (Mastodon: 5m; shortened)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sync to this file")
	dbLoc := fs.String("db", "", "database to sync into: an empty postgres:// database (default: a temporary SQLite file)")
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
	start := time.Now()
	out, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}})
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	res.SyncSeconds = time.Since(start).Seconds()
	res.Requests = out.Requests
	res.Responses429 = srv.Count429()

	// The same URLs with bare GETs, under the same limit (a fresh window).
	var urls []string
	for _, r := range srv.Requests() {
		u := srv.URL + r.Path
		if r.RawQuery != "" {
			u += "?" + r.RawQuery
		}
		urls = append(urls, u)
	}
	time.Sleep(*window)
	start = time.Now()
	if err := plainLoop(urls, *limit, *window); err != nil {
		return err
	}
	res.PlainSeconds = time.Since(start).Seconds()
	res.Ratio = res.PlainSeconds / res.SyncSeconds

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

// plainLoop GETs every URL in order, pausing when the window's quota is
// spent (as any polite client must), and reads every body.
func plainLoop(urls []string, limit int, window time.Duration) error {
	windowStart, used := time.Now(), 0
	for _, u := range urls {
		if used >= limit {
			time.Sleep(time.Until(windowStart.Add(window)) + 100*time.Millisecond)
			windowStart, used = time.Now(), 0
		}
		resp, err := http.Get(u)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		used++
	}
	return nil
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
