package community

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// course builds a fixture course: posts and the edges the store would
// derive from them (a reply edge for every reply, a mention edge for every
// mention), over the twelve weeks 2026-W36 to 2026-W47.
type course struct {
	window Window
	posts  []Post
	edges  []Edge
}

func newCourse() *course {
	return &course{window: WeeksEnding(2026, 47, 12)}
}

// at returns a time in the given week (0..11) and day (0 = Monday).
func (c *course) at(week, day, hour int) time.Time {
	return c.window.Start.AddDate(0, 0, 7*week+day).Add(time.Duration(hour) * time.Hour)
}

// spec describes one post to add.
type spec struct {
	author   string
	week     int
	day      int
	hour     int
	replyTo  string   // URI of the parent
	mentions []string // accounts mentioned
	tags     []string
	d, c, p  bool
	question bool
	answered bool
	res      []string
}

func acct(name string) string { return name + "@mastodon.oeru.org" }

// add stores the post and its edges and returns the post's URI.
func (c *course) add(s spec) string {
	uri := fmt.Sprintf("https://mastodon.oeru.org/users/%s/statuses/%d", s.author, len(c.posts)+1)
	at := c.at(s.week, s.day, s.hour)
	c.posts = append(c.posts, Post{
		URI: uri, Author: acct(s.author), Tags: s.tags, At: at, InReplyToURI: s.replyTo,
		Domain: s.d, Community: s.c, Practice: s.p, Resources: s.res,
		Question: s.question, Answered: s.answered,
	})
	if s.replyTo != "" {
		c.edges = append(c.edges, Edge{From: acct(s.author), To: c.authorOf(s.replyTo), Kind: Reply, At: at, PostURI: uri})
	}
	for _, m := range s.mentions {
		c.edges = append(c.edges, Edge{From: acct(s.author), To: acct(m), Kind: Mention, At: at, PostURI: uri})
	}
	return uri
}

func (c *course) authorOf(uri string) string {
	for _, p := range c.posts {
		if p.URI == uri {
			return p.Author
		}
	}
	panic("no post " + uri)
}

func (c *course) act(from, to string, kind EdgeKind, week, day int, uri string) {
	c.edges = append(c.edges, Edge{From: acct(from), To: acct(to), Kind: kind, At: c.at(week, day, 12), PostURI: uri})
}

var courseTags = []string{"cop", "ds4oers"}

// practiceThreads is group (a): four core members take turns starting a
// practice thread with a resource; two others reply, reusing it, and the
// starter answers back. Two peripheral members chip in once each.
func (c *course) practiceThreads(weekShift int) {
	core := []string{"ana", "ben", "cai", "dee"}
	resources := []string{
		"https://oer.example/h5p-quiz-template", "https://pressbooks.example/open-textbook-guide",
		"https://creativecommons.org/licenses/by/4.0/", "https://oer.example/licence-checklist",
	}
	tools := []string{"h5p", "pressbooks", "moodle", "h5p"}
	for i, week := range []int{0, 1, 2, 4, 5, 7, 8, 10, 11} {
		week += weekShift
		starter := core[i%4]
		r1, r2 := core[(i+1)%4], core[(i+2)%4]
		res := []string{resources[i%4], tools[i%4]}
		root := c.add(spec{author: starter, week: week, tags: courseTags, d: true, p: true, res: res,
			question: i%2 == 0, answered: true})
		c.add(spec{author: r1, week: week, day: 1, replyTo: root, d: true, c: true, p: true, res: res[:1]})
		c.add(spec{author: r2, week: week, day: 2, replyTo: root, d: true, c: true, res: res[1:]})
		c.add(spec{author: starter, week: week, day: 3, replyTo: root, mentions: []string{r1, r2}, d: true, c: true})
		c.act(r2, starter, Boost, week, 1, root)
		c.act(r1, starter, Favourite, week, 1, root)
	}
	first := c.posts[0].URI // ana's first thread
	c.add(spec{author: "eve", week: 4 + weekShift, day: 4, replyTo: first, d: true, c: true, question: true, answered: true})
	c.add(spec{author: "fay", week: 8 + weekShift, day: 4, replyTo: first, d: true, c: true, p: true,
		res: []string{"https://oer.example/h5p-quiz-template"}})
}

// unansweredIdeas is group (b): five learners post ideas for practice, as
// the seed activity asks, each mentioning the facilitator, who boosts some.
// Nobody replies.
func (c *course) unansweredIdeas() {
	posters := []string{"gus", "hal", "ivy", "jon", "kim"}
	weeks := []int{1, 1, 3, 3, 6, 6, 9, 9, 10, 11}
	for i, week := range weeks {
		author := posters[i%5]
		uri := c.add(spec{author: author, week: week, day: i % 5, mentions: []string{"lee"}, tags: courseTags,
			d: true, p: true, res: []string{fmt.Sprintf("https://ideas.example/%d", i)}})
		if i%2 == 0 {
			c.act("lee", author, Boost, week, 5, uri)
		}
	}
}

// chat is group (c): friendly weekly conversation about the course, with
// replies back and forth but no resources or practice.
func (c *course) chat() {
	people := []string{"mia", "ned", "oli", "pam"}
	for i, week := range []int{0, 2, 3, 5, 6, 8, 9, 11} {
		starter := people[i%4]
		root := c.add(spec{author: starter, week: week, day: 2, tags: courseTags, d: true, c: true, question: true, answered: true})
		a := c.add(spec{author: people[(i+1)%4], week: week, day: 2, hour: 3, replyTo: root, d: true, c: true})
		c.add(spec{author: people[(i+2)%4], week: week, day: 3, replyTo: root, d: true, c: true})
		c.add(spec{author: starter, week: week, day: 3, hour: 2, replyTo: a, d: true, c: true})
	}
}

// offDomain is group (d): #cop as the police and COP climate summits.
func (c *course) offDomain() {
	people := []string{"qin", "ray", "sam", "tom"}
	for i, week := range []int{0, 1, 3, 4, 6, 7, 9, 10} {
		starter := people[i%4]
		root := c.add(spec{author: starter, week: week, tags: []string{"cop"}, c: true, question: true, answered: true})
		c.add(spec{author: people[(i+1)%4], week: week, day: 1, replyTo: root, c: true})
		c.add(spec{author: people[(i+3)%4], week: week, day: 1, replyTo: root, c: true,
			res: []string{"https://news.example/cop31"}})
	}
}

// burst is group (e): one lively practice thread in a single week.
func (c *course) burst(week int) {
	guide := "https://oer.example/remix-guide"
	root := c.add(spec{author: "uma", week: week, tags: courseTags, d: true, p: true, res: []string{guide, "h5p"}, question: true, answered: true})
	v := c.add(spec{author: "vic", week: week, day: 1, replyTo: root, d: true, c: true, p: true, res: []string{guide}})
	w := c.add(spec{author: "wes", week: week, day: 1, hour: 2, replyTo: root, d: true, c: true, p: true, res: []string{guide}})
	x := c.add(spec{author: "xia", week: week, day: 2, replyTo: root, d: true, c: true, res: []string{"h5p"}})
	c.add(spec{author: "uma", week: week, day: 2, hour: 3, replyTo: v, d: true, c: true})
	c.add(spec{author: "uma", week: week, day: 2, hour: 4, replyTo: w, d: true, c: true})
	c.add(spec{author: "vic", week: week, day: 3, replyTo: w, d: true, c: true, p: true})
	c.add(spec{author: "wes", week: week, day: 3, hour: 1, replyTo: v, mentions: []string{"xia"}, d: true, c: true})
	c.add(spec{author: "xia", week: week, day: 4, replyTo: v, d: true, c: true})
	c.add(spec{author: "vic", week: week, day: 4, hour: 2, replyTo: x, d: true, c: true})
}

// loners post to the tag and never interact: the unconnected graph group,
// and isolates in the tag grouping.
func (c *course) loners() {
	c.add(spec{author: "yan", week: 5, tags: courseTags, d: true, p: true})
	c.add(spec{author: "zoe", week: 9, tags: courseTags, d: true})
}

// plantedGroup names a fixture group, its members and the verdict wanted.
type plantedGroup struct {
	label   string
	members []string
	want    Verdict
	failing []string // criteria that must fail; all others must pass
}

func fixtureCourse() (*course, []plantedGroup) {
	c := newCourse()
	c.practiceThreads(0)
	c.unansweredIdeas()
	c.chat()
	c.offDomain()
	c.burst(11)
	c.loners()
	planted := []plantedGroup{
		{"(a) practice threads", []string{"ana", "ben", "cai", "dee", "eve", "fay"}, GenuineCoP, nil},
		{"(b) unanswered ideas", []string{"gus", "hal", "ivy", "jon", "kim", "lee"}, Network,
			[]string{"reply-share", "community-share", "reciprocity", "broadcast", "shared-repertoire"}},
		{"(c) chat", []string{"mia", "ned", "oli", "pam"}, CommunityOfInterest,
			[]string{"practice-share", "shared-repertoire"}},
		{"(d) police and climate", []string{"qin", "ray", "sam", "tom"}, OffDomain,
			[]string{"domain-share", "practice-share", "shared-repertoire"}},
		{"(e) one-week burst", []string{"uma", "vic", "wes", "xia"}, EmergingCoP,
			[]string{"sustained-weeks", "recurring-pairs"}},
		{"(f) loners", []string{"yan", "zoe"}, Network,
			[]string{"authors", "reply-share", "community-share", "reciprocity", "isolates-share", "shared-repertoire", "sustained-weeks", "recurring-pairs"}},
	}
	return c, planted
}

func accts(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = acct(n)
	}
	slices.Sort(out)
	return out
}

func TestFixtureCourse(t *testing.T) {
	c, planted := fixtureCourse()
	groups := ByGraph(c.posts, c.edges, 2026)
	if len(groups) != len(planted) {
		for _, g := range groups {
			t.Logf("%s: %v", g.ID, g.Members)
		}
		t.Fatalf("ByGraph found %d groups, want the %d planted ones", len(groups), len(planted))
	}
	th := DefaultThresholds()
	metrics := MeasureAll(groups, c.edges, c.window, th)
	var golden strings.Builder
	for _, want := range planted {
		members := accts(want.members)
		gi := slices.IndexFunc(groups, func(g Group) bool { return slices.Equal(g.Members, members) })
		if gi < 0 {
			t.Errorf("%s: no group with exactly %v", want.label, members)
			continue
		}
		verdict, reasons := Decide(metrics[gi], th)
		if verdict != want.want {
			t.Errorf("%s: verdict %s, want %s", want.label, verdict, want.want)
		}
		checkFailing(t, want, reasons)
		writeReasons(&golden, want.label, groups[gi].ID, verdict, reasons)
	}

	// The same burst eleven weeks earlier: quiet since, and still what it
	// was (being quiet is an activity state, not a verdict).
	early := newCourse()
	early.burst(1)
	burstGroups := ByGraph(early.posts, early.edges, 2026)
	if len(burstGroups) != 1 {
		t.Fatalf("early burst: %d groups, want 1", len(burstGroups))
	}
	m := Measure(burstGroups[0], early.edges, early.window, th)
	verdict, reasons := Decide(m, th)
	earlyWant := plantedGroup{label: "(e') the burst in week 1", want: EmergingCoP,
		failing: []string{"sustained-weeks", "recurring-pairs"}}
	if verdict != EmergingCoP {
		t.Errorf("early burst: verdict %s, want emerging CoP", verdict)
	}
	if a := ActivityOf(m, th); a.State != "quiet" || a.QuietWeeks != 10 {
		t.Errorf("early burst: activity %+v, want quiet for 10 weeks", a)
	}
	checkFailing(t, earlyWant, reasons)
	writeReasons(&golden, earlyWant.label, burstGroups[0].ID, verdict, reasons)

	compareGolden(t, filepath.Join("testdata", "course_reasons.golden"), golden.String())
}

// checkFailing asserts that exactly the expected criteria failed.
func checkFailing(t *testing.T, want plantedGroup, reasons []Reason) {
	t.Helper()
	var failed []string
	for _, r := range reasons {
		if !r.Passed {
			failed = append(failed, r.Criterion)
		}
	}
	if !slices.Equal(failed, want.failing) {
		t.Errorf("%s: failed criteria %v, want %v", want.label, failed, want.failing)
	}
}

func writeReasons(w *strings.Builder, label, id string, verdict Verdict, reasons []Reason) {
	fmt.Fprintf(w, "%s [%s]: %s\n", label, id, verdict)
	for _, r := range reasons {
		mark := "pass"
		if !r.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %-17s %-22s %s\n", mark, r.Criterion, r.Stage, r.Text)
	}
	w.WriteString("\n")
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("reasons differ from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestFixtureCourseByTag checks that the loners, who are in the unconnected
// graph group, show up as isolates of the tag grouping.
func TestFixtureCourseByTag(t *testing.T) {
	c, _ := fixtureCourse()
	for _, g := range ByGraph(c.posts, c.edges, 2026) {
		loners := slices.Contains(g.Members, acct("yan")) || slices.Contains(g.Members, acct("zoe"))
		if loners != (g.ID == Unconnected) {
			t.Errorf("%s: %v", g.ID, g.Members)
		}
	}
	tags := ByTag(c.posts)
	gi := slices.IndexFunc(tags, func(g Group) bool { return g.ID == "tag:ds4oers" })
	if gi < 0 {
		t.Fatal("no tag:ds4oers group")
	}
	m := Measure(tags[gi], c.edges, c.window, DefaultThresholds())
	// Tagged posts are the thread starters: ana..dee, gus..kim, mia..pam,
	// uma, yan, zoe = 16 authors. Ties between them: the practice-thread
	// starters boost and mention each other, the chatters reply to each
	// other; gus..kim only mention lee (untagged), so they, uma (her
	// repliers posted no tagged post), yan and zoe are isolates: 8 of 16.
	if m.Authors != 16 || m.IsolatesShare != 0.5 {
		t.Errorf("tag:ds4oers: %d authors, isolates share %g; want 16, 0.5", m.Authors, m.IsolatesShare)
	}
}

// TestThreeHelpersAreNotABroadcast: a question, two helpful answers, thanks
// back to each, and one helper adding to the other. The asker holds 5 of
// the 6 tie weight (0.83 > 0.75), but both others answer her: a small
// reciprocal group, not a network.
func TestThreeHelpersAreNotABroadcast(t *testing.T) {
	c := newCourse()
	q := c.add(spec{author: "ana", week: 3, tags: courseTags, d: true, c: true, question: true, answered: true})
	b := c.add(spec{author: "ben", week: 3, day: 1, replyTo: q, d: true, c: true, p: true, res: []string{"https://oer.example/licence-checklist"}})
	cc := c.add(spec{author: "cai", week: 3, day: 1, hour: 2, replyTo: q, d: true, c: true, p: true, res: []string{"https://oer.example/licence-checklist", "h5p"}})
	c.add(spec{author: "ana", week: 3, day: 2, replyTo: b, mentions: []string{"ben"}, d: true, c: true, p: true, res: []string{"h5p"}})
	c.add(spec{author: "ana", week: 3, day: 2, hour: 1, replyTo: cc, mentions: []string{"cai"}, d: true, c: true})
	c.add(spec{author: "ben", week: 3, day: 3, replyTo: cc, d: true, c: true, p: true})
	groups := ByGraph(c.posts, c.edges, 1)
	if len(groups) != 1 || len(groups[0].Members) != 3 {
		t.Fatalf("groups %+v, want the three", groups)
	}
	th := DefaultThresholds()
	m := Measure(groups[0], c.edges, c.window, th)
	if m.TopAccountShare <= th.MaxTopAccountShare || m.HubAnswered != 2 {
		t.Fatalf("top account share %.2f, %d of %d answer: the fixture should look like a star whose points answer", m.TopAccountShare, m.HubAnswered, m.HubPartners)
	}
	v, reasons := Decide(m, th)
	if v == Network {
		t.Errorf("three people helping each other: network: %s", Explain(v, reasons))
	}
	if v != EmergingCoP {
		t.Errorf("verdict %s, want emerging CoP (all three present in one week): %s", v, Explain(v, reasons))
	}
}

// TestTrajectoriesEqualMeasuringEachWeek: the faster trajectory (edges split
// once, posts cut at each week) gives what measuring every group from the
// window's start to the end of each week gives.
func TestTrajectoriesEqualMeasuringEachWeek(t *testing.T) {
	c, _ := fixtureCourse()
	groups := ByGraph(c.posts, c.edges, 1)
	th := DefaultThresholds()
	got := Trajectories(groups, c.edges, c.window, th)
	changes := 0
	for week := range 12 {
		sub := Window{Start: c.window.Start, End: c.window.Start.AddDate(0, 0, 7*(week+1))}
		for gi, m := range MeasureAll(groups, c.edges, sub, th) {
			var want Verdict
			if m.Posts > 0 {
				want, _ = Decide(m, th)
			}
			if got[gi][week].Verdict != want {
				t.Errorf("%s week %d: %q, measured %q", groups[gi].ID, week, got[gi][week].Verdict, want)
			}
			if week > 0 && got[gi][week].Verdict != got[gi][week-1].Verdict {
				changes++
			}
		}
	}
	if changes == 0 {
		t.Error("no verdict changes over the weeks: the fixture proves nothing")
	}
	if line := TrajectoryLine(got[0]); !strings.HasSuffix(line, "genuine W36–W47") && !strings.Contains(line, "→ genuine") {
		t.Errorf("practice threads trajectory %q should end genuine", line)
	}
}
