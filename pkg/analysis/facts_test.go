package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmd/root"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// sameBothWays checks that the stored facts give the analysis, byte for
// byte, what the posts themselves give, for every grouping and for the
// whole store and a narrower window.
func sameBothWays(t *testing.T, st *store.Store, narrow period.Period) {
	t.Helper()
	ctx := context.Background()
	ready, err := analysis.EnsureFacts(ctx, st)
	if err != nil || !ready {
		t.Fatalf("facts not ready (%v)", err)
	}
	for _, by := range []analysis.Grouping{analysis.ByGraph, analysis.ByTag, analysis.ByInstance} {
		for _, p := range []period.Period{{}, narrow} {
			// Read whole and in two parts (each part's own names merged).
			if by == analysis.ByGraph && p.Label == "" {
				old := analysis.SetFactsPerPart(100)
				opts := analysis.Options{By: by, Thresholds: community.DefaultThresholds(), Seed: 1}
				a, b, err := analysis.BothWays(ctx, st, opts)
				analysis.SetFactsPerPart(old)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("read in two parts: the facts give another analysis than the posts:\nposts: %.600s\nfacts: %.600s", a, b)
				}
			}
			opts := analysis.Options{By: by, Period: p, Thresholds: community.DefaultThresholds(), Seed: 1}
			a, b, err := analysis.BothWays(ctx, st, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("by %s, period %q: the facts give another analysis than the posts:\nposts: %.600s\nfacts: %.600s", by, p.Label, a, b)
			}
			if bytes.Contains(a, []byte(`"posts":0,`)) {
				t.Errorf("by %s, period %q: no posts analysed: the comparison proves nothing", by, p.Label)
			}
		}
	}
}

// TestFactsMatchPostsOnTheCodedCourses: every hand-coded course, loaded as
// copharvest demo loads it (sync from the fake, then classify).
func TestFactsMatchPostsOnTheCodedCourses(t *testing.T) {
	db := pgtest.DB(t, "coded.db")
	io, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: func() time.Time { return time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC) },
		Getenv: func(k string) string {
			return map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_DATA_HOME": t.TempDir()}[k]
		}}
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs([]string{"demo", "--course", "all", "--db", db})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut)
	}
	st, err := store.Open(context.Background(), db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newest, err := st.NewestPostAt(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sameBothWays(t, st, period.Period{Since: newest.AddDate(0, 0, -21), Until: newest, Label: "three weeks"})
}

// syntheticCourse writes n posts shaped like bench/benchcourse's: threads,
// mentions, links, tools; plus replies to posts never stored.
func syntheticCourse(t *testing.T, st *store.Store, n int) time.Time {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	authors := max(20, n/50)
	start := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	tools := []string{"H5P", "Moodle", "Pressbooks", "WikiEducator", "Kolibri", "a CC BY licence"}
	sites := []string{"oercommons.org/courses/", "wikieducator.org/OERu/", "creativecommons.org/licenses/by/4.0/", "h5p.org/node/"}
	phrases := []string{"We tried %s with our Year 8 class and it worked well.", "Has anyone used %s for open textbooks?",
		"Here is how to set up %s: first export, then share under CC BY.", "Thanks, I will use %s on Monday.",
		"Idea: a shared %s question bank for Pacific teachers.", "Anyone watching the new police drama? #cop"}
	var posts []store.Post
	var lastTop []int
	for i := range n {
		author := rng.IntN(authors)
		id := fmt.Sprintf("%d", 1000+i)
		text := fmt.Sprintf(phrases[rng.IntN(len(phrases))], tools[rng.IntN(len(tools))])
		p := store.Post{URI: "https://bench.example/s/" + id, LocalID: id, CreatedAt: start.Add(time.Duration(i) * 17 * time.Minute),
			Account: store.Account{Acct: fmt.Sprintf("u%d@bench.example", author)}, Tags: []string{"cop"},
			Content: "<p>" + text + "</p>", Text: text}
		switch r := rng.IntN(20); {
		case r == 0:
			p.InReplyToLocalID, p.InReplyToAcct, p.Tags = "999999", "stranger@elsewhere.example", nil
		case r < 8 && len(lastTop) > 0:
			p.InReplyToLocalID = fmt.Sprintf("%d", 1000+lastTop[rng.IntN(len(lastTop))])
			p.Tags = nil
		default:
			lastTop = append(lastTop, i)
			if len(lastTop) > 50 {
				lastTop = lastTop[1:]
			}
			if rng.IntN(2) == 0 {
				p.Tags = append(p.Tags, "ds4oers")
			}
		}
		if rng.IntN(4) == 0 {
			p.Mentions = []string{fmt.Sprintf("u%d@bench.example", rng.IntN(authors))}
		}
		if rng.IntN(3) == 0 {
			site := sites[rng.IntN(len(sites))]
			p.Links = []store.Link{{URL: "https://www." + site + fmt.Sprint(rng.IntN(20)) + "/?utm=x", Domain: site}}
		}
		posts = append(posts, p)
	}
	if _, err := st.SaveThread(context.Background(), "bench.example", posts, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 97 {
		if err := st.SaveInteractions(context.Background(), posts[i].URI, []store.Account{{Acct: "u1@bench.example"}}, []store.Account{{Acct: "u2@bench.example"}}); err != nil {
			t.Fatal(err)
		}
	}
	return start
}

// TestFactsMatchPostsOnSyntheticDataAndStayUpToDate: the benchmark's kind
// of data, then changes of every kind the facts are made of (a new reply
// to a question, an edit that changes a thread root's tags, a deletion, a
// reclassification): each leaves the facts as the posts say.
func TestFactsMatchPostsOnSyntheticDataAndStayUpToDate(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "synthetic.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := syntheticCourse(t, st, 3000)
	narrow := period.Period{Since: start.AddDate(0, 0, 7), Until: start.AddDate(0, 0, 21), Label: "two weeks"}

	// Before classification the facts are built on first need.
	if n, ok, err := st.FactsPending(ctx); err != nil || !ok || n != 3000 {
		t.Fatalf("%d posts queued for facts (%v, %v), want all 3000", n, ok, err)
	}
	sameBothWays(t, st, narrow)
	c := classify.New(classify.DefaultLexicon())
	if _, err := analysis.ClassifyStore(ctx, st, c, true); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.FactsPending(ctx); n != 0 {
		t.Fatalf("classify left %d posts without facts", n)
	}
	sameBothWays(t, st, narrow)

	// A reader that may not write uses the posts when facts are out of
	// date, and the facts once they are not.
	// The thread root with the most replies is edited: its replies' facts
	// hold its tags.
	var rootURI, rootAcct, rootAt string
	var replies int
	if err := st.DB().QueryRowContext(ctx, `SELECT r.uri, a.acct, r.created_at, COUNT(*) FROM posts p JOIN posts r ON r.id = p.thread_root
		JOIN accounts a ON a.id = r.account_id WHERE p.id <> r.id GROUP BY r.id, r.uri, a.acct, r.created_at ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&rootURI, &rootAcct, &rootAt, &replies); err != nil || replies < 2 {
		t.Fatalf("no thread root with replies (%d, %v)", replies, err)
	}
	rootLocal := rootURI[len("https://bench.example/s/"):]
	rootCreated, _ := store.ParseTime(rootAt)
	edited := start.AddDate(0, 1, 0)
	root := store.Post{URI: rootURI, LocalID: rootLocal, CreatedAt: rootCreated, EditedAt: &edited,
		Account: store.Account{Acct: rootAcct}, Tags: []string{"h5p"}, Content: "<p>Has anyone used H5P?</p>", Text: "Has anyone used H5P?"}
	reply := store.Post{URI: "https://bench.example/s/new", LocalID: "new", CreatedAt: rootCreated.Add(time.Hour), InReplyToLocalID: rootLocal,
		Account: store.Account{Acct: "newcomer@bench.example"}, Content: "<p>Yes</p>", Text: "Yes"}
	if _, err := st.SaveThread(ctx, "bench.example", []store.Post{root, reply}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tombstone(ctx, []string{"https://bench.example/s/1500"}); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.FactsPending(ctx); n < 3+replies {
		t.Errorf("%d posts queued after an edit, a new reply and a deletion, want at least %d (with the root's replies)", n, 3+replies)
	}
	ro, err := store.Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ready, err := analysis.EnsureFacts(ctx, ro); err != nil || ready {
		t.Errorf("a read-only store with out-of-date facts: ready %v (%v), want false", ready, err)
	}
	sameBothWays(t, st, narrow)
	if ready, err := analysis.EnsureFacts(ctx, ro); err != nil || !ready {
		t.Errorf("a read-only store with facts up to date: ready %v (%v), want true", ready, err)
	}
	if _, err := analysis.ClassifyStore(ctx, st, c, false); err != nil {
		t.Fatal(err)
	}
	sameBothWays(t, st, narrow)
}

// factOf returns the stored facts of the post with uri.
func factOf(t *testing.T, st *store.Store, uri string) store.Fact {
	t.Helper()
	ctx := context.Background()
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.DB().QueryRowContext(ctx, `SELECT id FROM posts WHERE uri = ?`, uri).Scan(&id); err != nil {
		t.Fatalf("post %s: %v", uri, err)
	}
	var found *store.Fact
	err := st.Facts(ctx, time.Time{}, time.Time{}, func(f *store.Fact) error {
		if f.PostID == id {
			c := *f
			c.Acts = append([]store.Act(nil), f.Acts...)
			found = &c
		}
		return nil
	})
	if err != nil || found == nil {
		t.Fatalf("facts of %s: %v (found %v)", uri, err, found != nil)
	}
	return *found
}

// TestFactsFollowWhatChangesLater: what a post's facts hold from other
// rows changes when those rows arrive later — an answer from someone else
// (not from the author), a mentioned account first stored afterwards, a
// boost and a favourite — and when they go.
func TestFactsFollowWhatChangesLater(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t, "later.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	post := func(id, acct, replyTo string, mentions ...string) store.Post {
		at = at.Add(time.Minute)
		return store.Post{URI: "https://later.example/s/" + id, LocalID: id, CreatedAt: at, InReplyToLocalID: replyTo,
			Account: store.Account{Acct: acct}, Tags: []string{"cop"}, Mentions: mentions, Content: "<p>Has anyone tried H5P?</p>", Text: "Has anyone tried H5P?"}
	}
	save := func(posts ...store.Post) {
		t.Helper()
		if _, err := st.SaveThread(ctx, "later.example", posts, nil); err != nil {
			t.Fatal(err)
		}
	}
	question := post("1", "ana@later.example", "", "late@later.example")
	save(question)
	f := factOf(t, st, question.URI)
	if f.Repliers != 0 || len(f.Acts) != 0 {
		t.Fatalf("a lone post: %d repliers, acts %v; want none, no acts (the mentioned account is not stored)", f.Repliers, f.Acts)
	}
	save(post("4", "late@later.example", "")) // the mentioned account, first stored by a post of its own
	var late, bob, cy int64
	if err := st.DB().QueryRowContext(ctx, `SELECT id FROM accounts WHERE acct = ?`, "late@later.example").Scan(&late); err != nil {
		t.Fatal(err)
	}
	if f = factOf(t, st, question.URI); len(f.Acts) != 1 || f.Acts[0] != (store.Act{Kind: store.ActMention, Account: late, At: question.CreatedAt.UnixNano()}) {
		t.Errorf("mentioned account stored later: acts %v, want one mention of account %d", f.Acts, late)
	}
	save(post("2", "ana@later.example", "1"))
	if f = factOf(t, st, question.URI); f.Repliers != 0 {
		t.Errorf("answered by its own author: %d other repliers, want 0", f.Repliers)
	}
	answer := post("3", "late@later.example", "1")
	save(answer)
	f = factOf(t, st, question.URI)
	if f.Repliers != 1 {
		t.Errorf("answered by another author: %d other repliers, want 1", f.Repliers)
	}
	if err := st.SaveInteractions(ctx, question.URI, []store.Account{{Acct: "bob@later.example"}}, []store.Account{{Acct: "cy@later.example"}}); err != nil {
		t.Fatal(err)
	}
	for acct, id := range map[string]*int64{"bob@later.example": &bob, "cy@later.example": &cy} {
		if err := st.DB().QueryRowContext(ctx, `SELECT id FROM accounts WHERE acct = ?`, acct).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	f = factOf(t, st, question.URI)
	if len(f.Acts) != 3 || f.Acts[1].Kind != store.ActBoost || f.Acts[1].Account != bob || f.Acts[2].Kind != store.ActFavourite || f.Acts[2].Account != cy {
		t.Errorf("after a boost by %d and a favourite by %d: acts %v", bob, cy, f.Acts)
	}
	if _, err := st.Tombstone(ctx, []string{answer.URI}); err != nil {
		t.Fatal(err)
	}
	if f = factOf(t, st, question.URI); f.Repliers != 0 {
		t.Errorf("its only answer from someone else deleted: %d other repliers, want 0", f.Repliers)
	}
	sameBothWays(t, st, period.Period{Since: question.CreatedAt, Until: at.Add(time.Minute), Label: "the thread"})
}

// TestWindowIsReadInTwoPartsCutInTime: a window worth two parts is read as
// two, cut at the middle of its time span, every post of the first earlier
// than every post of the second, each post shown once; and the analysis of
// the parts, appended, is the one-part read's, byte for byte. The tap's
// range is wider than the window on one side and narrower on the other.
func TestWindowIsReadInTwoPartsCutInTime(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t, "parts.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := syntheticCourse(t, st, 600) // one post every 17 minutes: a week
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	opts := analysis.Options{By: analysis.ByGraph, Thresholds: community.DefaultThresholds(), Seed: 1,
		Period: period.Period{Since: start.Add(24 * time.Hour), Until: start.Add(7 * 24 * time.Hour), Label: "six days"}}
	whole, err := analysis.RunPeriods(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	var parts [][]int64 // the times each part was shown
	tap := &analysis.FactTap{Since: start, Until: start.Add(5 * 24 * time.Hour), PartRows: 1,
		Parts: func(n int) []func(*store.Fact) error {
			parts = make([][]int64, n)
			see := make([]func(*store.Fact) error, n)
			for i := range n {
				see[i] = func(f *store.Fact) error { parts[i] = append(parts[i], f.At); return nil }
			}
			return see
		}}
	inParts, tapped, err := analysis.RunPeriodsTapped(ctx, st, tap, opts)
	if err != nil || !tapped {
		t.Fatalf("tapped %v, %v", tapped, err)
	}
	if len(parts) != 2 || len(parts[0]) == 0 || len(parts[1]) == 0 {
		t.Fatalf("read in %d parts of %v posts, want two non-empty ones", len(parts), lens(parts))
	}
	if last, first := slices.Max(parts[0]), slices.Min(parts[1]); last >= first {
		t.Errorf("part 1 ends at %d, after part 2 starts at %d", last, first)
	}
	// The tap sees the first five days: 5 × 24 × 60 / 17 posts.
	if got, want := len(parts[0])+len(parts[1]), (5*24*60+16)/17; got != want {
		t.Errorf("the tap was shown %d posts, want %d", got, want)
	}
	a, _ := json.Marshal(whole)
	b, _ := json.Marshal(inParts)
	if !bytes.Equal(a, b) {
		t.Errorf("read in two parts, the analysis differs:\n one: %.600s\nparts: %.600s", a, b)
	}
	if whole[0].Posts < 400 {
		t.Errorf("%d posts analysed: too few for the comparison to prove much", whole[0].Posts)
	}
}

func lens(parts [][]int64) []int {
	var out []int
	for _, p := range parts {
		out = append(out, len(p))
	}
	return out
}
