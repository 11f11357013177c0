package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/internal/testenv"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/store"
)

func build(t *testing.T, loc *time.Location) (*Report, *store.Store) {
	t.Helper()
	st := exporttest.Course(t, pgtest.DB(t, "course.db"))
	period, err := ParseWeek("2026-W47", loc)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(context.Background(), st, Options{Period: period, Location: loc, By: analysis.ByGraph,
		Thresholds: community.DefaultThresholds(), Seed: 1, Now: exporttest.Week47.AddDate(0, 0, 8), IncludeOptedOut: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep, st
}

// TestBuildCourseWeek counts the hand-made course's week 47 (see
// exporttest.CoursePosts): every figure below can be checked by reading it.
func TestBuildCourseWeek(t *testing.T) {
	rep, _ := build(t, time.UTC)
	got := rep.Totals
	want := Totals{Posts: 10, Replies: 4, ActiveMembers: 6, NewMembers: 3, ReturningMembers: 3, ThreadsStarted: 6,
		ThreadsAnswered: 2, Questions: 4, Unanswered: 4, PreviousPosts: 5, PreviousActive: 3, IdeasForPractice: 2, PracticePosts: 7,
		CommunitiesShown: got.CommunitiesShown, CommunitiesInView: got.CommunitiesInView}
	if got != want {
		t.Errorf("totals\n got %+v\nwant %+v", got, want)
	}
	if !slices.Equal(rep.NewMembers, []string{exporttest.Cy, exporttest.Dee, exporttest.Mal}) {
		t.Errorf("new members %q", rep.NewMembers)
	}
	if len(rep.Days) != 7 || rep.Days[0].Date != "2026-11-16" || rep.Days[0].Posts != 3 || rep.Days[0].Replies != 2 || rep.Days[6].Weekday != "Sun" {
		t.Errorf("days %+v", rep.Days)
	}
	if len(rep.Resources) == 0 || rep.Resources[0] != (Resource{Name: "h5p.org", Authors: 2, Posts: 2}) {
		t.Errorf("resources %+v: h5p.org, linked by ana and bo in two spellings, should lead", rep.Resources)
	}
	if len(rep.Tools) == 0 || rep.Tools[0] != (Resource{Name: "h5p", Authors: 3, Posts: 3}) {
		t.Errorf("tools %+v", rep.Tools)
	}
	if len(rep.TagPairs) == 0 || rep.TagPairs[0] != (TagPair{A: "cop", B: "oer", Posts: 3}) {
		t.Errorf("tag pairs %+v", rep.TagPairs)
	}
	if len(rep.Practice) == 0 || rep.Practice[0].Author != exporttest.Ana || rep.Practice[0].Score != 3 {
		t.Errorf("best practice post %+v, want ana's H5P story (score 3)", rep.Practice)
	}
	var unanswered []string
	for _, q := range rep.Unanswered {
		unanswered = append(unanswered, q.Author)
		if !strings.HasPrefix(q.URL, "https://") {
			t.Errorf("unanswered question without a link: %+v", q)
		}
	}
	if !slices.Equal(unanswered, []string{exporttest.Cy, exporttest.Dee, exporttest.Mal, exporttest.Eve}) {
		t.Errorf("unanswered questions by %q", unanswered)
	}
	if len(rep.Trend) != 8 || rep.Trend[7].Label != "2026-W47" || rep.Trend[6].Posts != 5 || rep.Trend[6].New != 3 {
		t.Errorf("trend %+v", rep.Trend)
	}
	if len(rep.Communities) == 0 || rep.Communities[0].Change == "" || rep.Communities[0].Why == "" {
		t.Errorf("communities %+v", rep.Communities)
	}
	// Ties of W47: ana, bo, cy and eve (dee and mal wrote to no one; favourites are no ties).
	if rep.Network.Accounts != 4 || len(rep.Network.Nodes) != 4 || len(rep.Network.Edges) != 5 {
		t.Errorf("network: %d accounts, %d nodes, %d edges", rep.Network.Accounts, len(rep.Network.Nodes), len(rep.Network.Edges))
	}
	for _, n := range rep.Network.Nodes {
		if n.X < 0 || n.X > 1 || n.Y < 0 || n.Y > 1 {
			t.Errorf("node %s placed outside the unit square: %v, %v", n.Acct, n.X, n.Y)
		}
	}
}

// TestCommunityChange: a group whose verdict moved says from what.
func TestCommunityChange(t *testing.T) {
	rep, _ := build(t, time.UTC)
	for _, c := range rep.Communities {
		switch {
		case c.PreviousID == "" && c.Change != "new":
			t.Errorf("%s has no predecessor but change %q", c.ID, c.Change)
		case c.PreviousID != "" && c.Verdict == c.PreviousVerdict && c.Change != "same":
			t.Errorf("%s: same verdict, change %q", c.ID, c.Change)
		case c.PreviousID != "" && c.Verdict != c.PreviousVerdict && !strings.HasSuffix(c.Change, "from "+string(c.PreviousVerdict)):
			t.Errorf("%s: %s -> %s, change %q", c.ID, c.PreviousVerdict, c.Verdict, c.Change)
		}
	}
}

func TestTimeZoneShiftsWeekAndDays(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		testenv.Missing(t, "no tz database: %v", err)
	}
	p, _ := ParseWeek("2026-W47", auckland)
	if !p.Start.Equal(time.Date(2026, 11, 15, 11, 0, 0, 0, time.UTC)) || p.End.Sub(p.Start) != 7*24*time.Hour {
		t.Errorf("W47 in Auckland: %s .. %s", p.Start, p.End)
	}
	rep, _ := build(t, auckland)
	// Monday 09:00 and 10:00 UTC are Monday evening in Auckland; 13:00 UTC
	// is already Tuesday there.
	if rep.Days[0].Posts != 2 || rep.Days[1].Posts != 2 {
		t.Errorf("Auckland days %+v", rep.Days[:2])
	}
	monday := time.Date(2026, 11, 23, 8, 0, 0, 0, auckland)
	if got := LastFullWeek(monday, auckland).Label; got != "2026-W47" {
		t.Errorf("last full week on Monday 23 Nov in Auckland = %s", got)
	}
	if got := LastFullWeek(time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), auckland).Label; got != "2026-W47" {
		t.Errorf("Sunday 20:00 UTC is Monday in Auckland: last full week %s", got)
	}
}

func TestParseWeek(t *testing.T) {
	for _, bad := range []string{"2026-47", "W47", "2026-W54", "2026-W00", "2025-W53"} {
		if _, err := ParseWeek(bad, time.UTC); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
	// 2026 starts on a Thursday, so it has 53 ISO weeks; 2025 has 52.
	p, err := ParseWeek("2026W53", time.UTC)
	if err != nil || !p.Start.Equal(time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("2026-W53: %+v %v", p, err)
	}
}

func TestTextMarkdownAndJSON(t *testing.T) {
	rep, _ := build(t, time.UTC)
	var table, md, js bytes.Buffer
	if err := WriteText(&table, rep, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&md, rep, true); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Weekly report 2026-W47", "Questions nobody has answered yet (4 of 4)", "h5p.org", "#cop + #oer", "10 (+5)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table output lacks %q", want)
		}
	}
	for _, want := range []string{"# Weekly report 2026-W47", "\n## Communities", "| ", "[open](https://", `\<script\>`} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md.String(), "<script>") {
		t.Error("markdown carries a raw <script> tag")
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Totals != rep.Totals || len(back.Communities) != len(rep.Communities) {
		t.Errorf("JSON round trip: %v", err)
	}
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	rep, _ := build(t, time.UTC)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if strings.Contains(html, "<script") {
		t.Error("the report contains a <script> element")
	}
	if !strings.Contains(html, "&lt;script&gt;console.error(&#34;xss&#34;)&lt;/script&gt;") {
		t.Error("the post with <script> is not shown escaped")
	}
	for _, external := range []string{"src=", "<link", "@import", "url(", "ZgotmplZ"} {
		if strings.Contains(html, external) {
			t.Errorf("the report contains %q", external)
		}
	}
	if n := strings.Count(html, "<svg"); n != 5 {
		t.Errorf("%d charts, want 5", n)
	}
	for _, color := range []string{ColorPosts, ColorPractice, ColorNew, NetworkNodeColor, VerdictColor(rep.Communities[0].Verdict)} {
		if !strings.Contains(html, `fill="`+color+`"`) {
			t.Errorf("no shape filled with %s", color)
		}
	}
}

// prefixPseudonyms is an injective stand-in for the real pseudonyms.
type prefixPseudonyms struct{}

func (prefixPseudonyms) Account(acct string) string { return "anon-" + acct }
func (prefixPseudonyms) Post(uri string) string     { return "post:" + uri }

// TestFactsAndPostsGiveTheSameReport: every section read from the stored
// per-post facts is what the posts themselves give, figure for figure and
// list for list — for a week, for a 30-day span counted in another time
// zone, under pseudonyms and without the people who opted out — on the
// benchmark's kind of data (replies, mentions, boosts, favourites, links,
// tools, questions, ideas).
func TestFactsAndPostsGiveTheSameReport(t *testing.T) {
	ctx := context.Background()
	src, err := exporttest.Synthetic(8000)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "synthetic.db")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	week, err := ParseWeek("2026-W47", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	span := Period{Label: "30 days", Start: exporttest.Week47.AddDate(0, 0, -23).Add(5 * time.Hour), End: exporttest.Week47.AddDate(0, 0, 7).Add(5 * time.Hour), TimeZone: "Pacific/Auckland"}
	base := Options{Period: week, Location: time.UTC, By: analysis.ByGraph, Thresholds: community.DefaultThresholds(), Seed: 1,
		Now: exporttest.Week47.AddDate(0, 0, 8), IncludeOptedOut: true}
	cases := map[string]func(o *Options){
		"week":                func(o *Options) {},
		"30 days in Auckland": func(o *Options) { o.Period, o.Location = span, auckland },
		"pseudonyms":          func(o *Options) { o.Pseudonyms = prefixPseudonyms{} },
		"without opt-outs":    func(o *Options) { o.IncludeOptedOut = false },
		// The facts read as two halves, each counted on its own and added
		// up: halves of the communities' thirteen weeks, or of a period
		// longer than the communities' two.
		"week in two parts": func(o *Options) { o.partRows = 1 },
		"30 days in two parts": func(o *Options) {
			o.Period, o.Location, o.CommunityWeeks, o.partRows = span, auckland, 1, 1
		},
	}
	for name, change := range cases {
		opts := base
		change(&opts)
		fromFacts, err := Build(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.fromPosts = true
		fromPosts, err := Build(ctx, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(fromPosts)
		b, _ := json.Marshal(fromFacts)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the facts give another report than the posts:\nposts: %.1500s\nfacts: %.1500s", name, a, b)
		}
		if f := fromFacts; f.Totals.Posts < 100 || f.Totals.Questions == 0 || f.Totals.IdeasForPractice == 0 || len(f.Practice) == 0 ||
			len(f.Resources) == 0 || len(f.Tools) == 0 || f.Network.Ties == 0 || f.Trend[0].Posts == 0 || f.Totals.ReturningMembers == 0 {
			t.Errorf("%s: too little in the report for the comparison to prove much: totals %+v, %d ties, first trend period %+v",
				name, f.Totals, f.Network.Ties, f.Trend[0])
		}
	}
}
