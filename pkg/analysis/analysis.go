// Package analysis joins the store and the community package: it loads the
// posts and interactions of a window, groups them (interaction graph, tag or
// instance), measures each group and gives its verdict with reasons.
package analysis

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Grouping says how communities are formed.
type Grouping string

const (
	ByGraph    Grouping = "graph"
	ByTag      Grouping = "tag"
	ByInstance Grouping = "instance"
)

// Options of one analysis.
type Options struct {
	By         Grouping
	Period     period.Period
	Thresholds community.Thresholds
	Seed       int64
	// StabilityRuns is how many more seeds (Seed+1...) the graph detection
	// runs to measure each group's stability (0: DefaultStabilityRuns).
	StabilityRuns int
	// Save stores each account's graph community and verdict, for exports.
	Save bool
	// VerdictsOnly leaves out what only a full result shows, each group's
	// stability and trajectory (no extra detection seeds, no weekly
	// measures): enough to compare groups and verdicts with another period.
	VerdictsOnly bool
}

// DefaultStabilityRuns is how many other seeds check each graph group.
const DefaultStabilityRuns = 4

// Community is one group with its measures, verdict and explanation, its
// activity and health beside the verdict, and how it got there.
type Community struct {
	ID        string             `json:"id"`
	Members   []string           `json:"members"`
	Verdict   community.Verdict  `json:"verdict"`
	Why       string             `json:"why"`
	Activity  community.Activity `json:"activity"`
	Health    []string           `json:"health"`
	Stability float64            `json:"stability"` // 1 = every detection seed finds this group
	// Trajectory is the verdict from the period's start to the end of each
	// week; TrajectoryLine says it in one line.
	Trajectory     []community.Step   `json:"trajectory"`
	TrajectoryLine string             `json:"trajectory_line"`
	Metrics        community.Metrics  `json:"metrics"`
	Reasons        []community.Reason `json:"reasons"`

	central []string // members by centrality: what a graph group's name is made of
}

// Rename replaces every account in the result by rename(account) — e.g. a
// pseudonym — and renames graph groups after their renamed central members.
func (r *Result) Rename(rename func(acct string) string) {
	for i := range r.Communities {
		c := &r.Communities[i]
		for j, m := range c.Members {
			c.Members[j] = rename(m)
		}
		slices.Sort(c.Members)
		if c.Metrics.TopAccount != "" {
			c.Metrics.TopAccount = rename(c.Metrics.TopAccount)
		}
		if len(c.central) > 0 {
			c.ID = community.PairName(c.central, rename)
		}
	}
}

// Result is a whole analysis.
type Result struct {
	By         Grouping      `json:"by"`
	Period     period.Period `json:"period"`
	Posts      int           `json:"posts"`
	Classified int           `json:"classified"`
	// Authors counts the distinct authors of the period. In the graph
	// grouping each is in exactly one community, and Accounting says so:
	// "37 authors in 8 groups: 7 + 6 + ... = 37".
	Authors     int         `json:"authors"`
	Accounting  string      `json:"accounting"`
	Communities []Community `json:"communities"`
}

// Window is the community window of a period.
func Window(p period.Period) community.Window {
	return community.Window{Start: p.Since, End: p.Until}
}

// DefaultEnd is the end of the UTC ISO week holding the newest stored
// post, and why: what communities anchors its default period on, so the
// same database gives the same answer on any day. ok is false when the
// database holds no post.
func DefaultEnd(ctx context.Context, st *store.Store) (end time.Time, reason string, ok bool, err error) {
	newest, err := st.NewestPostAt(ctx)
	if err != nil || newest.IsZero() {
		return time.Time{}, "", false, err
	}
	return period.EndOfWeekUTC(newest), "ending with the week of the newest stored post (" + newest.UTC().Format("2006-01-02") + ")", true, nil
}

// Run loads the period's data from st and analyses it.
func Run(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	d, _, err := load(ctx, st, Window(opts.Period), nil)
	if err != nil {
		return Result{By: opts.By, Period: opts.Period}, err
	}
	// A reader who may not write (a read-only database role) still gets
	// the analysis; only the saved assignments for exports are skipped.
	// They are saved while the trajectories and stability are worked out.
	var saved chan error
	var save func([]store.CommunityAssignment)
	if opts.Save && opts.By == ByGraph && st.Writable() {
		saved = make(chan error, 1)
		save = func(assign []store.CommunityAssignment) {
			go func() { saved <- st.SaveCommunities(ctx, assign) }()
		}
	}
	res, _ := analyzeThen(d, opts, nil, save)
	if saved != nil {
		if err := <-saved; err != nil {
			return res, err
		}
	}
	return res, nil
}

// RunPeriods runs several analyses, each of its own period (e.g. this
// week's twelve and last week's), from one load of their union: they
// mostly overlap, and loading is most of the cost. It never saves
// assignments.
func RunPeriods(ctx context.Context, st *store.Store, runs ...Options) ([]Result, error) {
	out, _, err := RunPeriodsTapped(ctx, st, nil, runs...)
	return out, err
}

// RunPeriodsTapped is RunPeriods showing tap (when given) its range of
// facts in the same read, and calling tap.Read once they are read, while
// the analyses run. tapped is false when the stored facts could not be
// read (a read-only store whose facts are out of date): the analyses then
// read the posts themselves, and tap was shown nothing.
func RunPeriodsTapped(ctx context.Context, st *store.Store, tap *FactTap, runs ...Options) (out []Result, tapped bool, err error) {
	if len(runs) == 0 {
		return nil, false, nil
	}
	union := Window(runs[0].Period)
	for _, o := range runs[1:] {
		w := Window(o.Period)
		if w.Start.IsZero() || (!union.Start.IsZero() && w.Start.Before(union.Start)) {
			union.Start = w.Start
		}
		if w.End.IsZero() || (!union.End.IsZero() && w.End.After(union.End)) {
			union.End = w.End
		}
	}
	all, tapped, err := load(ctx, st, union, tap)
	if err != nil {
		return nil, false, err
	}
	if tapped && tap.Read != nil {
		tap.Read()
	}
	// The analyses share nothing but the read-only load: run together, a
	// lone detection seed of one fills the core another leaves idle.
	out = make([]Result, len(runs))
	var wg sync.WaitGroup
	for i, o := range runs {
		o.Save = false
		wg.Go(func() { out[i], _ = analyze(all.Within(Window(o.Period)), o, nil) })
	}
	wg.Wait()
	return out, tapped, nil
}

// load reads the window from the stored per-post facts (see facts.go),
// bringing them up to date first when the store may be written, and shows
// tap its range in the same read (tapped). A store opened read-only whose
// facts are out of date (or were never built) is read the slower way,
// from the posts themselves, and tap is shown nothing.
func load(ctx context.Context, st *store.Store, w community.Window, tap *FactTap) (c *community.Columns, tapped bool, err error) {
	ready, err := EnsureFacts(ctx, st)
	if err != nil {
		return nil, false, err
	}
	if ready {
		c, err := loadFacts(ctx, st, w, tap)
		return c, tap != nil && err == nil, err
	}
	c, err = loadRows(ctx, st, w)
	return c, false, err
}

// loadRows reads the window from the posts and their classifications.
func loadRows(ctx context.Context, st *store.Store, w community.Window) (*community.Columns, error) {
	var posts []community.Post
	var classified []bool
	in := interner{}
	err := st.PostFacts(ctx, w.Start, w.End, func(f *store.PostFact) error {
		posts = append(posts, toPost(f, in))
		classified = append(classified, f.Classified)
		return nil
	})
	if err != nil {
		return nil, err
	}
	type edge struct {
		kind     community.EdgeKind
		from, to string
		at       time.Time
		postAt   time.Time
	}
	var edges []edge
	err = st.EdgeFacts(ctx, w.Start, w.End, func(e *store.EdgeFact) error {
		if kind, ok := edgeKinds[e.Kind]; ok {
			edges = append(edges, edge{kind, in.of(e.From), in.of(e.To), e.At, e.PostAt})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := community.NewColumns([]string{""}, nil, len(posts))
	c.AddPosts(posts, classified)
	for _, e := range edges {
		c.AddEdge(e.kind, c.Account(e.from), c.Account(e.to), community.Nanos(e.at), community.Nanos(e.postAt))
	}
	// PostFacts streams posts in creation order; put the edges in the order
	// of their posts too, so that Within can cut them.
	c.SortEdges()
	return c, nil
}

// stabilityRuns is how many more detection seeds opts asks for.
func stabilityRuns(opts Options) int {
	switch {
	case opts.VerdictsOnly:
		return 0
	case opts.StabilityRuns > 0:
		return opts.StabilityRuns
	}
	return DefaultStabilityRuns
}

// analyze groups, measures and decides; it also returns the assignments.
// det, when given, is the graph detection already run on d's interactions.
func analyze(d *community.Columns, opts Options, det *community.Detection) (Result, []store.CommunityAssignment) {
	return analyzeThen(d, opts, det, nil)
}

// analyzeThen is analyze, calling assigned (when given) with the
// assignments as soon as the verdicts are known, before the trajectories
// and stability.
func analyzeThen(d *community.Columns, opts Options, det *community.Detection, assigned func([]store.CommunityAssignment)) (Result, []store.CommunityAssignment) {
	res := Result{By: opts.By, Period: opts.Period, Posts: d.Posts(), Classified: d.Classified(), Authors: d.Authors(), Communities: []Community{}}
	var groups []community.Group
	var others func() [][]community.Group // the other detection seeds' groups, for stability
	stability := []float64(nil)
	switch opts.By {
	case ByTag:
		groups = d.ByTag()
	case ByInstance:
		groups = d.ByInstance()
	default:
		if det == nil {
			det = d.Detect(opts.Seed, stabilityRuns(opts))
		}
		// The other seeds run on while the groups are measured.
		groups, others = d.GroupsFirst(det)
	}
	window := Window(opts.Period)
	metrics := d.MeasureAll(groups, window, opts.Thresholds)
	var assign []store.CommunityAssignment
	for i, g := range groups {
		v, _ := community.Decide(metrics[i], opts.Thresholds)
		for _, m := range g.Members {
			assign = append(assign, store.CommunityAssignment{Acct: m, Community: g.ID, Verdict: string(v)})
		}
	}
	if assigned != nil {
		assigned(assign)
	}
	trajectories := make([][]community.Step, len(groups))
	if !opts.VerdictsOnly {
		trajectories = d.Trajectories(groups, window, opts.Thresholds)
		if others != nil {
			stability = community.Stability(groups, others())
		}
	}
	var sizes []string
	sum := 0
	for i, g := range groups {
		v, reasons := community.Decide(metrics[i], opts.Thresholds)
		c := Community{ID: g.ID, Members: g.Members, Metrics: metrics[i], Verdict: v, Reasons: reasons,
			Why: community.Explain(v, reasons), Activity: community.ActivityOf(metrics[i], opts.Thresholds),
			Health: community.HealthOf(metrics[i]), Stability: 1, Trajectory: trajectories[i], central: g.Central}
		if c.Members == nil {
			c.Members = []string{}
		}
		if c.Trajectory == nil {
			c.Trajectory = []community.Step{}
		}
		c.TrajectoryLine = community.TrajectoryLine(c.Trajectory)
		if stability != nil {
			c.Stability = stability[i]
		}
		res.Communities = append(res.Communities, c)
		sizes = append(sizes, strconv.Itoa(metrics[i].Authors))
		sum += metrics[i].Authors
	}
	if opts.By == ByGraph || opts.By == ByInstance {
		total := strings.Join(sizes, " + ")
		if len(sizes) == 0 {
			total = "0"
		}
		res.Accounting = fmt.Sprintf("%d authors in %d groups: %s = %d", res.Authors, len(groups), total, sum)
	} else {
		res.Accounting = fmt.Sprintf("%d authors in %d tag groups (a post with two tags counts in both; replies count in their thread's tags)", res.Authors, len(groups))
	}
	return res, assign
}

var edgeKinds = map[string]community.EdgeKind{
	"reply": community.Reply, "mention": community.Mention, "boost": community.Boost, "favourite": community.Favourite,
}

// interner keeps one copy of strings that repeat across a million posts
// (accounts, instances, tags, resources).
type interner map[string]string

func (in interner) of(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

func toPost(f *store.PostFact, in interner) community.Post {
	// Posts are keyed by their row id in base 36 rather than their uri: a
	// million uris are ~140 MB that only serve as map keys here.
	p := community.Post{
		URI: postKey(f.ID), Author: in.of(f.Author), Instance: in.of(f.Instance), At: f.At,
		InReplyToAuthor: in.of(f.InReplyToAuthor),
		Domain:          f.Domain, Community: f.Community, Practice: f.Practice,
	}
	for _, t := range f.Tags {
		p.Tags = append(p.Tags, in.of(t))
	}
	for _, t := range f.ThreadTags {
		p.ThreadTags = append(p.ThreadTags, in.of(t))
	}
	for _, r := range resources(f.Links, f.Rules) {
		p.Resources = append(p.Resources, in.of(r))
	}
	p.Question = classify.AsksQuestion(f.Rules)
	p.Answered = p.Question && f.OtherRepliers > 0
	switch {
	case f.ParentID > 0:
		p.InReplyToURI = postKey(f.ParentID)
	case f.IsReply: // the parent is not stored: still a reply, to no known post
		p.InReplyToURI = "^" + p.URI
	}
	return p
}

// resources are a post's shared repertoire: its links, normalised, then
// the tools and artefacts it names, each once.
func resources(links []string, rules string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for _, l := range links {
		add(NormalizeResource(l))
	}
	for _, m := range classify.Tools(rules) {
		add("tool:" + m)
	}
	return out
}

func postKey(id int64) string { return strconv.FormatInt(id, 36) }

// NormalizeResource makes two links to the same page compare equal: no
// scheme, no www., no query or fragment, no trailing slash, lower-case host.
func NormalizeResource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return host + strings.TrimRight(u.EscapedPath(), "/")
}
