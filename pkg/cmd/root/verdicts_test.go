package root

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest"
	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

// These tests run the whole way a researcher would: statuses served by the
// fake Mastodon, `copharvest sync` (store and classifier), then
// `copharvest communities` and `copharvest report` with default flags.

// runAt runs copharvest with args on a clock stopped at now.
func runAt(t *testing.T, now time.Time, args ...string) (string, string, error) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: func() time.Time { return now },
		Getenv: func(k string) string {
			return map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "XDG_DATA_HOME": t.TempDir()}[k]
		}}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// syncServer harvests srv into a fresh database and returns its path.
func syncServer(t *testing.T, srv *mastodontest.Server) string {
	t.Helper()
	db := pgtest.DB(t, "course.db")
	if _, stderr, err := runAt(t, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "sync", "--db", db, "--instance", srv.URL, "--quiet"); err != nil {
		t.Fatalf("sync: %v\n%s", err, stderr)
	}
	return db
}

// communitiesJSON runs `copharvest communities --format json` (plus args).
func communitiesJSON(t *testing.T, db string, now time.Time, args ...string) analysis.Result {
	t.Helper()
	out, stderr, err := runAt(t, now, append([]string{"communities", "--db", db, "--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("communities: %v\n%s", err, stderr)
	}
	var res analysis.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("communities JSON: %v\n%s", err, out)
	}
	return res
}

// user is the part of an account before the first '@': the fake server's
// port changes from run to run, people do not.
func user(acct string) string { u, _, _ := strings.Cut(acct, "@"); return u }

func users(accts []string) []string {
	out := make([]string, len(accts))
	for i, a := range accts {
		out[i] = user(a)
	}
	slices.Sort(out)
	return out
}

// verdictTable is what a reader compares: name, verdict and members.
func verdictTable(res analysis.Result) string {
	var b strings.Builder
	for _, c := range res.Communities {
		fmt.Fprintf(&b, "%-22s %-22s %s\n", c.ID, c.Verdict, strings.Join(users(c.Members), ","))
	}
	return b.String()
}

// checkEveryAuthorOnce asserts that each author of the period is in exactly
// one group and that the sizes add up.
func checkEveryAuthorOnce(t *testing.T, res analysis.Result) {
	t.Helper()
	seen := map[string]string{}
	sum := 0
	for _, c := range res.Communities {
		sum += c.Metrics.Authors
		for _, m := range c.Members {
			if other, ok := seen[m]; ok {
				t.Errorf("%s is in %s and %s", m, other, c.ID)
			}
			seen[m] = c.ID
		}
	}
	if sum != res.Authors || res.Authors == 0 {
		t.Errorf("group authors add up to %d, the period has %d", sum, res.Authors)
	}
	if !strings.Contains(res.Accounting, fmt.Sprintf("= %d", res.Authors)) {
		t.Errorf("accounting %q does not say the sizes add up to %d", res.Accounting, res.Authors)
	}
}

// writtenCourse is a course with five planted groups over twelve weeks
// starting on Monday start:
//
//	sustained practice  ana ben cai dee eli: practice threads with shared resources in ten of the weeks
//	broadcast ideas     gus hal ivy jon kim: ideas for practice posted to the tag, nobody answers
//	warm chat           mia ned oli pam: friendly weekly talk about the course, no practice
//	police and climate  qin ray sam tom: #cop as the police and the COP summits
//	practice burst      uma vic wes xia: lively practice threads in the last two weeks only
func writtenCourse(srv *mastodontest.Server, start time.Time) {
	at := func(week, day, hour int) time.Time {
		return start.AddDate(0, 0, 7*week+day).Add(time.Duration(8+hour) * time.Hour)
	}
	post := func(author string, when time.Time, parent *mastodontest.Status, text string, mention ...string) mastodontest.Status {
		st := mastodontest.Status{CreatedAt: when, Account: mastodontest.Account{Acct: author, Discoverable: true, Indexable: true}}
		var mentioned []mastodontest.Account
		if parent != nil {
			st.InReplyToID = parent.ID
			mention = append([]string{parent.Account.Acct}, mention...)
		}
		for _, m := range mention {
			acc := srv.AddAccount(mastodontest.Account{Acct: m, Discoverable: true, Indexable: true})
			mentioned = append(mentioned, acc)
			st.Mentions = append(st.Mentions, mastodontest.Mention{Acct: acc.Acct})
			text = "@" + m + " " + text
		}
		st.Content = mastodontest.ContentHTML(srv.URL, text, mentioned)
		return srv.AddStatus(st)
	}

	// Sustained practice.
	core := []string{"ana", "ben", "cai", "dee", "eli"}
	resources := []string{
		"https://h5p.org/node/1236 — the H5P quiz template we use for Year 8 science",
		"https://creativecommons.org/licenses/by/4.0/ — the CC BY licence text to put in every unit",
		"https://pressbooks.pub/oerguide — our Pressbooks open textbook on remixing OER",
		"https://wikieducator.org/OER_checklist — a licence checklist for remixed worksheets",
	}
	for i, week := range []int{0, 1, 2, 3, 5, 6, 7, 8, 9, 10} {
		starter, a, b := core[i%5], core[(i+1)%5], core[(i+2)%5]
		root := post(starter, at(week, 0, 0), nil, "Sharing how we remixed an open textbook chapter for our class this week. Step 1: check the licence, step 2: adapt the examples, step 3: add the attribution. "+resources[i%4]+" #cop #ds4oers")
		r1 := post(a, at(week, 1, 0), &root, "Thanks! I used this with my students and it worked well. I added a glossary page: "+resources[(i+1)%4])
		post(b, at(week, 1, 3), &root, "We tried the same template in our school. Tip: keep the attribution block at the end of each unit so teachers can reuse it.")
		post(starter, at(week, 2, 0), &r1, "Great idea, I'll add your glossary to our shared H5P collection for the course.")
	}

	// Broadcast ideas: nobody replies, nobody is mentioned.
	ideas := []string{
		"Idea for Samoa: a shared folder of open textbooks that any teacher can reuse and adapt, with a CC BY licence on every file. #cop #ds4oers",
		"Idea: a monthly OER workshop at the teachers college where we publish worksheets under an open licence. #cop #ds4oers",
		"Idea for Fiji: a Mastodon list of OER teachers so we can share open educational resources for the curriculum. #cop #ds4oers",
		"Idea: translate the best open textbook chapters into Tongan and share them as OER with the schools. #cop #ds4oers",
		"Idea: each school library keeps an OER shelf of openly licensed readers that teachers can print. #cop #ds4oers",
	}
	for i, who := range []string{"gus", "hal", "ivy", "jon", "kim", "gus", "hal", "ivy", "jon", "kim"} {
		post(who, at(1+i, 3, i%3), nil, ideas[i%5])
	}

	// Warm chat about the course, without practice.
	chat := []string{"mia", "ned", "oli", "pam"}
	for i, week := range []int{0, 1, 3, 4, 6, 7, 9, 11} {
		s, a, b := chat[i%4], chat[(i+1)%4], chat[(i+2)%4]
		root := post(s, at(week, 2, 0), nil, fmt.Sprintf("Kia ora everyone! How is week %d of the OER course going for you all? #cop #ds4oers", week+1))
		r := post(a, at(week, 2, 2), &root, "Going well, thanks! The readings about open education were long but interesting. How about you?")
		post(b, at(week, 3, 0), &root, "Same here, lovely to be learning about OER with you all. Have a good week everyone!")
		post(s, at(week, 3, 2), &r, "Thank you both, so nice to be part of this course community with you.")
	}

	// #cop as the police and the COP climate summits.
	police := []string{"qin", "ray", "sam", "tom"}
	offTopic := []string{
		"The police closed the main road again tonight, cops everywhere downtown. Anyone know what happened? #cop",
		"COP31 climate summit talks on loss and damage stalled again. What do you make of the negotiations? #cop",
	}
	for i, week := range []int{0, 2, 3, 5, 6, 8, 9, 11} {
		s, a, b := police[i%4], police[(i+1)%4], police[(i+3)%4]
		root := post(s, at(week, 4, 0), nil, offTopic[i%2])
		r := post(a, at(week, 4, 3), &root, "Saw it on the news, the officers said it was an accident on the highway.")
		post(b, at(week, 5, 0), &root, "The delegates are meeting again next week, the climate deal is still far away.")
		post(s, at(week, 5, 2), &r, "Thanks, hope nobody was hurt.")
	}

	// A practice burst in the last two weeks.
	burst := []string{"uma", "vic", "wes", "xia"}
	for i, week := range []int{10, 10, 11, 11} {
		s, a, b := burst[i%4], burst[(i+1)%4], burst[(i+2)%4]
		root := post(s, at(week, 1+i%2*3, 0), nil, "Here is how we set up an H5P branching scenario for our OER on water safety: https://h5p.org/branching-scenario — step by step, with the CC BY licence. #cop #ds4oers")
		r := post(a, at(week, 1+i%2*3, 2), &root, "Thanks, I tried it with my class and it worked. I added a Moodle quiz to go with it: https://moodle.org/plugins/mod_h5pactivity")
		post(b, at(week, 1+i%2*3, 4), &root, "We used the same template in our school library. Tip: export the H5P file so other teachers can reuse it.")
		post(s, at(week, 2+i%2*3, 0), &r, "Great, I'll add your Moodle quiz to our shared OER collection.")
	}
}

// plantedVerdicts are the groups of writtenCourse and what they must be.
var plantedVerdicts = []struct {
	label   string
	members []string
	want    community.Verdict
}{
	{"sustained practice", []string{"ana", "ben", "cai", "dee", "eli"}, community.GenuineCoP},
	{"broadcast ideas", []string{"gus", "hal", "ivy", "jon", "kim"}, community.Network},
	{"warm chat", []string{"mia", "ned", "oli", "pam"}, community.CommunityOfInterest},
	{"police and climate", []string{"qin", "ray", "sam", "tom"}, community.OffDomain},
	{"practice burst", []string{"uma", "vic", "wes", "xia"}, community.EmergingCoP},
}

func writtenCourseDB(t *testing.T, start time.Time) string {
	t.Helper()
	srv := mastodontest.NewServer(mastodontest.Options{})
	t.Cleanup(srv.Close)
	writtenCourse(srv, start)
	return syncServer(t, srv)
}

// courseStart is a Monday; the course runs twelve weeks from it.
var courseStart = time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)

func TestWrittenCourseVerdicts(t *testing.T) {
	db := writtenCourseDB(t, courseStart)
	res := communitiesJSON(t, db, time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC))
	t.Logf("period %s (%s)\n%s", res.Period.Label, res.Period.Reason, verdictTable(res))
	if res.Period.Label != "2026-W37 to 2026-W48" || !strings.Contains(res.Period.Reason, "newest stored post (2026-11-2") {
		t.Errorf("period %q (%s), want the 12 weeks ending with the newest post's week 2026-W48", res.Period.Label, res.Period.Reason)
	}
	if len(res.Communities) != len(plantedVerdicts) {
		t.Errorf("%d groups, want the %d planted ones", len(res.Communities), len(plantedVerdicts))
	}
	for _, want := range plantedVerdicts {
		i := slices.IndexFunc(res.Communities, func(c analysis.Community) bool { return slices.Equal(users(c.Members), want.members) })
		if i < 0 {
			t.Errorf("%s: no group with exactly %v", want.label, want.members)
			continue
		}
		c := res.Communities[i]
		if c.Verdict != want.want {
			t.Errorf("%s (%s): %s, want %s: %s", want.label, c.ID, c.Verdict, want.want, c.Why)
		}
		if last := c.Trajectory[len(c.Trajectory)-1].Verdict; last != c.Verdict || len(c.Trajectory) != 12 {
			t.Errorf("%s: trajectory %v should have 12 weeks and end with the verdict", want.label, c.Trajectory)
		}
	}
	checkEveryAuthorOnce(t, res)
	for _, c := range res.Communities {
		if c.Verdict == community.GenuineCoP && !strings.Contains(c.TrajectoryLine, "emerging") {
			t.Errorf("%s: a genuine CoP should have emerged first: %s", c.ID, c.TrajectoryLine)
		}
		if c.Stability < 0.99 {
			t.Errorf("%s: stability %.2f; the planted groups share no tie, so every seed must find them", c.ID, c.Stability)
		}
	}
}

// TestCodedCourseVerdicts runs the project's hand-coded course (what
// copharvest demo loads) with default flags. With the learned classifier
// the French-speaking group (kiri+marie_c) talks a lot but shares little
// practice: a community of interest; the two people nobody answered are a
// news bot and a spammer, whose posts are off the domain.
func TestCodedCourseVerdicts(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	if err := srv.LoadStatuses(bytes.NewReader(demoCourse(t))); err != nil {
		t.Fatal(err)
	}
	db := syncServer(t, srv)
	res := communitiesJSON(t, db, time.Date(2031, 3, 3, 12, 0, 0, 0, time.UTC))
	t.Logf("period %s (%s)\n%s", res.Period.Label, res.Period.Reason, verdictTable(res))
	want := map[string]community.Verdict{
		"nadia+sina":            community.GenuineCoP,
		"mele_t+tevita":         community.GenuineCoP,
		"aroha+hannah":          community.EmergingCoP,
		"daniel_o+ruth_k":       community.EmergingCoP,
		"kiri+marie_c":          community.CommunityOfInterest,
		"carlos+lucia":          community.OffDomain,
		"precinct_fan+retro_tv": community.OffDomain,
		"unconnected":           community.OffDomain,
	}
	got := map[string]community.Verdict{}
	for _, c := range res.Communities {
		got[c.ID] = c.Verdict
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("%s: %q, want %q", id, got[id], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d groups, want %d", len(got), len(want))
	}
	checkEveryAuthorOnce(t, res)
}

// shiftYear moves every time in the demo course's statuses back one year.
func shiftYear(t *testing.T, raw []byte) []byte {
	t.Helper()
	var statuses []map[string]any
	if err := json.Unmarshal(raw, &statuses); err != nil {
		t.Fatal(err)
	}
	shift := func(m map[string]any, key string) {
		if s, ok := m[key].(string); ok && s != "" {
			tm, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("%s %q: %v", key, s, err)
			}
			m[key] = tm.AddDate(-1, 0, 0).Format("2006-01-02T15:04:05.000Z07:00")
		}
	}
	for _, st := range statuses {
		shift(st, "created_at")
		shift(st, "edited_at")
		if acc, ok := st["account"].(map[string]any); ok {
			shift(acc, "created_at")
		}
	}
	out, err := json.Marshal(statuses)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAYearEarlierSameVerdicts: the same courses with every time moved
// back one year give the same groups, names and verdicts, asked on the
// same day. (Trajectories may differ at their start: a calendar year moves
// weekdays, so a Monday post can fall into the ISO week before; moved by
// 52 weeks, they are the same: see TestFiftyTwoWeeksEarlierSameTrajectory.)
func TestAYearEarlierSameVerdicts(t *testing.T) {
	coded := func(raw []byte) string {
		srv := mastodontest.NewServer(mastodontest.Options{})
		defer srv.Close()
		if err := srv.LoadStatuses(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		return syncServer(t, srv)
	}
	courses := []struct {
		name      string
		now, then string // databases: as written, a year earlier
	}{
		{"written course", writtenCourseDB(t, courseStart), writtenCourseDB(t, courseStart.AddDate(-1, 0, 0))},
		{"coded course", coded(demoCourse(t)), coded(shiftYear(t, demoCourse(t)))},
	}
	today := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range courses {
		base := communitiesJSON(t, c.now, today)
		earlier := communitiesJSON(t, c.then, today)
		t.Logf("%s a year earlier, %s (%s):\n%s", c.name, earlier.Period.Label, earlier.Period.Reason, verdictTable(earlier))
		if got, want := verdictTable(earlier), verdictTable(base); got != want {
			t.Errorf("%s a year earlier:\n%s\nwant\n%s", c.name, got, want)
		}
		if base.Period.Label == earlier.Period.Label {
			t.Errorf("%s: both periods are %s; the earlier course should be measured a year earlier", c.name, base.Period.Label)
		}
	}
}

func TestFiftyTwoWeeksEarlierSameTrajectory(t *testing.T) {
	today := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	base := communitiesJSON(t, writtenCourseDB(t, courseStart), today)
	earlier := communitiesJSON(t, writtenCourseDB(t, courseStart.AddDate(0, 0, -7*52)), today)
	if got, want := verdictTable(earlier), verdictTable(base); got != want {
		t.Errorf("52 weeks earlier:\n%s\nwant\n%s", got, want)
	}
	for i := range base.Communities {
		if !slices.Equal(steps(base.Communities[i]), steps(earlier.Communities[i])) || len(steps(base.Communities[i])) != 12 {
			t.Errorf("%s: trajectory %s, 52 weeks earlier %s", base.Communities[i].ID,
				base.Communities[i].TrajectoryLine, earlier.Communities[i].TrajectoryLine)
		}
	}
}

// steps are a trajectory's verdicts without week names (a year earlier
// the weeks have other numbers).
func steps(c analysis.Community) []community.Verdict {
	var out []community.Verdict
	for _, s := range c.Trajectory {
		out = append(out, s.Verdict)
	}
	return out
}

// TestNoAnswerDependsOnTheWallClock runs communities and report on the
// written course with clocks years apart: every byte of the output is the
// same, because nothing asked for "now".
func TestNoAnswerDependsOnTheWallClock(t *testing.T) {
	db := writtenCourseDB(t, courseStart)
	clocks := []time.Time{
		time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), // the Monday after the course
		time.Date(2027, 6, 15, 23, 59, 0, 0, time.UTC),
		time.Date(2039, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, args := range [][]string{
		{"communities", "--format", "json"},
		{"communities", "--format", "csv", "--by", "tag"},
		{"communities", "--format", "markdown", "--window", "6w"},
		{"report", "--week", "2026-W47", "--format", "markdown", "--tz", "UTC"},
		{"export", "posts", "--format", "jsonl", "--window", "2w", "--columns", "uri,created_at"},
	} {
		var first string
		for i, now := range clocks {
			out, stderr, err := runAt(t, now, append(args, "--db", db)...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, stderr)
			}
			if args[0] == "report" { // the report says when it was generated, nothing else moves
				out = strings.Join(slices.DeleteFunc(strings.Split(out, "\n"), func(l string) bool { return strings.Contains(l, "generated") }), "\n")
			}
			if i == 0 {
				first = out
			} else if out != first {
				t.Errorf("%v: output differs between clocks %s and %s", args, clocks[0], now)
			}
		}
		if len(first) < 100 {
			t.Errorf("%v: output too short to prove anything: %q", args, first)
		}
	}
	// A control: an age *is* relative to now, so it must move with the clock.
	a, _, _ := runAt(t, clocks[0], "communities", "--db", db, "--format", "json", "--since", "20d")
	b, _, _ := runAt(t, clocks[1], "communities", "--db", db, "--format", "json", "--since", "20d")
	if a == b {
		t.Error("--since 20d gave the same answer on clocks months apart: the test could not see the clock")
	}
}

// TestReportAndCommunitiesAgree: the report's communities section gives
// the same groups, verdicts, explanations and trajectories as
// `copharvest communities` over the same period.
func TestReportAndCommunitiesAgree(t *testing.T) {
	db := writtenCourseDB(t, courseStart)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	names := map[string]bool{}
	for _, week := range []string{"2026-W48", "2026-W44"} {
		res := communitiesJSON(t, db, now, "--week", week)
		out, stderr, err := runAt(t, now, "report", "--db", db, "--week", week, "--format", "json", "--tz", "UTC")
		if err != nil {
			t.Fatalf("report: %v\n%s", err, stderr)
		}
		var rep struct {
			CommunityPeriod struct{ Label string } `json:"community_period"`
			Communities     []struct {
				ID, Why, Verdict string
				TrajectoryLine   string `json:"trajectory_line"`
			} `json:"communities"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.CommunityPeriod.Label != res.Period.Label {
			t.Errorf("%s: report measures %s, communities %s", week, rep.CommunityPeriod.Label, res.Period.Label)
		}
		if len(rep.Communities) != len(res.Communities) || len(res.Communities) < 4 {
			t.Fatalf("%s: report has %d communities, communities %d", week, len(rep.Communities), len(res.Communities))
		}
		for i, c := range res.Communities {
			r := rep.Communities[i]
			if r.ID != c.ID || r.Verdict != string(c.Verdict) || r.Why != c.Why || r.TrajectoryLine != c.TrajectoryLine {
				t.Errorf("%s: report %+v\ncommunities %s %s %q %q", week, r, c.ID, c.Verdict, c.Why, c.TrajectoryLine)
			}
			names[c.ID] = true
		}
	}
	// The groups keep their names from week to week (the burst only exists
	// at the end).
	if len(names) != len(plantedVerdicts) {
		t.Errorf("names over two periods: %v, want the %d groups' names only", names, len(plantedVerdicts))
	}
}

// TestReportSinceSevenDaysNamesItsDates: seven days up to a Wednesday span
// two ISO weeks; the report names the dates, not the first week (which
// put a W49 post under W48).
func TestReportSinceSevenDaysNamesItsDates(t *testing.T) {
	db := writtenCourseDB(t, courseStart)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // Wednesday of W49
	out, stderr, err := runAt(t, now, "report", "--db", db, "--since", "7d", "--format", "json", "--tz", "UTC")
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	var rep struct {
		Period struct{ Label, Reason string }
		Trend  []struct{ Label string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	last := rep.Trend[len(rep.Trend)-1].Label
	if rep.Period.Label != "2026-11-25 09:00 to 2026-12-02 09:00" || last != "Nov 25 09:00 – Dec 2 09:00" ||
		!strings.Contains(rep.Period.Reason, "--since 7d (counted back from 2026-12-02T09:00:00Z)") {
		t.Errorf("period %+v, last trend label %q", rep.Period, last)
	}
	for _, p := range rep.Trend {
		if strings.Contains(p.Label, "-W") {
			t.Errorf("a 7-day span labelled as ISO week %s", p.Label)
		}
	}
	// A week without posts says so and names the newest week with posts.
	_, stderr, err = runAt(t, now, "report", "--db", db, "--tz", "UTC")
	if err != nil || !strings.Contains(stderr, "no posts in 2026-W48") && !strings.Contains(stderr, "no posts in 2026-W49") {
		t.Logf("stderr: %s", stderr)
	}
	_, stderr, err = runAt(t, now.AddDate(0, 0, 14), "report", "--db", db, "--tz", "UTC")
	if err != nil || !strings.Contains(stderr, "no posts in 2026-W50; the newest week with posts is 2026-W48") {
		t.Errorf("empty last week: %v\n%s", err, stderr)
	}
}

// demoCourse is the course `copharvest demo` serves.
func demoCourse(t *testing.T) []byte {
	t.Helper()
	b, err := copharvest.CodedCourse(copharvest.DemoCourseName)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
