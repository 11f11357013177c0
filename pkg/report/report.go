// Package report builds the facilitator's weekly report: activity per day,
// active, new and returning members, threads, unanswered questions, shared
// resources and tools, co-occurring tags, each community's verdict and its
// change since the week before, and the posts that best show practice. It
// renders it as a terminal table, paste-ready Markdown, JSON, or one
// self-contained HTML file with inline SVG charts.
//
// The period's posts are streamed once and only aggregates and short top
// lists are kept; the community section comes from analysis.Run.
package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of one report.
type Options struct {
	Period   Period
	Location *time.Location // days are counted in it (nil: UTC)
	// Communities are measured over CommunityWeeks ISO weeks (UTC) ending
	// with the period's last week, and again ending a week earlier.
	CommunityWeeks int
	By             analysis.Grouping
	Thresholds     community.Thresholds
	Seed           int64
	// TrendPeriods is how many periods the member chart shows (default 8).
	TrendPeriods int
	// NetworkNodes caps the accounts drawn in the network picture (default 120).
	NetworkNodes int
	// IncludeOptedOut names people who opted out like everyone else; by
	// default the report leaves them out of every list (see leaveOutOptedOut).
	IncludeOptedOut bool
	Now             time.Time
	// Pseudonyms, when set, replace every account and post address of the
	// report by a pseudonym; post text is then left out, since it names
	// people in ways no pseudonymiser can catch.
	Pseudonyms Pseudonyms

	// fromPosts reads the sections from the posts even when the stored
	// facts are up to date: what tests compare the facts with.
	fromPosts bool
	// partRows, when set, is the fewest facts read as a part of their own:
	// tests lower it to take the many-part read on a small store.
	partRows int
}

// Pseudonyms replaces accounts and post uris (export.Pseudonymizer).
type Pseudonyms interface {
	Account(acct string) string
	Post(uri string) string
}

// Report is everything the report shows; its JSON is the --format json output.
type Report struct {
	Period      Period       `json:"period"`
	GeneratedAt time.Time    `json:"generated_at"`
	Totals      Totals       `json:"totals"`
	Days        []Day        `json:"days"`
	Trend       []TrendPoint `json:"trend"`
	NewMembers  []string     `json:"new_members"`
	Unanswered  []PostRef    `json:"unanswered_questions"`
	Resources   []Resource   `json:"resources"`
	Tools       []Resource   `json:"tools"`
	TagPairs    []TagPair    `json:"tag_pairs"`
	Communities []Community  `json:"communities"`
	// CommunityPeriod is the period the communities were measured over.
	CommunityPeriod period.Period `json:"community_period"`
	// CommunityAccounting says how the period's authors fall into groups.
	CommunityAccounting string    `json:"community_accounting"`
	Practice            []PostRef `json:"practice_posts"`
	Ideas               []PostRef `json:"ideas"`
	Network             Network   `json:"network"`
	Notes               []string  `json:"notes"`
}

// Totals are the period's headline numbers, with the previous period's
// for comparison.
type Totals struct {
	Posts             int `json:"posts"`
	Replies           int `json:"replies"`
	ActiveMembers     int `json:"active_members"`
	NewMembers        int `json:"new_members"`
	ReturningMembers  int `json:"returning_members"`
	ThreadsStarted    int `json:"threads_started"`
	ThreadsAnswered   int `json:"threads_answered"`
	Questions         int `json:"questions"`
	Unanswered        int `json:"unanswered_questions"`
	Unclassified      int `json:"unclassified"`
	PreviousPosts     int `json:"previous_posts"`
	PreviousActive    int `json:"previous_active_members"`
	IdeasForPractice  int `json:"ideas_for_practice"`
	PracticePosts     int `json:"practice_posts"`
	CommunitiesShown  int `json:"communities_shown"`
	CommunitiesInView int `json:"communities"`
}

// Day is one calendar day in the report's time zone.
type Day struct {
	Date    string `json:"date"` // YYYY-MM-DD
	Weekday string `json:"weekday"`
	Posts   int    `json:"posts"`
	Replies int    `json:"replies"`
}

// TrendPoint is one period of the member chart (oldest first; the last is
// the report's period).
type TrendPoint struct {
	Label     string    `json:"label"`
	Start     time.Time `json:"start"`
	Posts     int       `json:"posts"`
	Active    int       `json:"active"`
	New       int       `json:"new"`
	Returning int       `json:"returning"`
}

// PostRef is a post the facilitator may want to open.
type PostRef struct {
	URL       string    `json:"url"` // web address (the uri when the server gave none)
	Author    string    `json:"author"`
	At        time.Time `json:"at"`
	Excerpt   string    `json:"excerpt"`
	Score     float64   `json:"score"`
	Rules     []string  `json:"rules"`
	Replies   int       `json:"replies_from_others"`
	Permalink string    `json:"uri"`

	id int64 // the post's row id, while its details are fetched
}

// Resource is a link or tool and how widely it was shared.
type Resource struct {
	Name    string `json:"name"`
	Authors int    `json:"authors"`
	Posts   int    `json:"posts"`
}

// TagPair is two hashtags used on the same posts.
type TagPair struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Posts int    `json:"posts"`
}

// Community is one community's verdict now and a week earlier, with the
// explanation, activity, health and trajectory copharvest communities gives.
type Community struct {
	ID              string             `json:"id"`
	Verdict         community.Verdict  `json:"verdict"`
	Activity        community.Activity `json:"activity"`
	Health          []string           `json:"health"`
	Stability       float64            `json:"stability"`
	Trajectory      []community.Step   `json:"trajectory"`
	TrajectoryLine  string             `json:"trajectory_line"`
	MemberList      []string           `json:"member_list"`
	Members         int                `json:"members"`
	Authors         int                `json:"authors"`
	Posts           int                `json:"posts"`
	DomainShare     float64            `json:"domain_share"`
	CommunityShare  float64            `json:"community_share"`
	PracticeShare   float64            `json:"practice_share"`
	Why             string             `json:"why"`
	PreviousID      string             `json:"previous_id,omitempty"`
	PreviousVerdict community.Verdict  `json:"previous_verdict,omitempty"`
	PostsChange     int                `json:"posts_change"`
	MembersChange   int                `json:"members_change"`
	Change          string             `json:"change"` // new, same, up from X, down from X
}

// Network is the period's interaction network, for the picture: the
// accounts with the most tie weight and the ties between them.
type Network struct {
	Nodes []NetNode `json:"nodes"`
	Edges []NetEdge `json:"edges"`
	// Accounts and Ties count the whole network before the cap.
	Accounts int `json:"accounts"`
	Ties     int `json:"ties"`
}

// NetNode is one account; X and Y lie in [0, 1].
type NetNode struct {
	Acct      string  `json:"acct"`
	Community string  `json:"community"`
	Weight    float64 `json:"weight"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
}

// NetEdge joins two nodes (indexes into Nodes) with their summed tie weight.
type NetEdge struct {
	A      int     `json:"a"`
	B      int     `json:"b"`
	Weight float64 `json:"weight"`
}

const (
	listCap        = 50 // unanswered questions, new members
	topResources   = 10
	topTagPairs    = 10
	topPractice    = 5
	topIdeas       = 10
	excerptRunes   = 280
	communitiesCap = 15 // shown in table, markdown and HTML; JSON has all
)

// Build reads the period's data from st and assembles the report.
func Build(ctx context.Context, st *store.Store, opts Options) (*Report, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	if opts.TrendPeriods <= 0 {
		opts.TrendPeriods = 8
	}
	if opts.NetworkNodes <= 0 {
		opts.NetworkNodes = 120
	}
	if opts.CommunityWeeks <= 0 {
		opts.CommunityWeeks = 12
	}
	if opts.By == "" {
		opts.By = analysis.ByGraph
	}
	p := opts.Period
	rep := &Report{Period: p, GeneratedAt: opts.Now.UTC()}
	ties, members, err := rep.sectionsAndCommunities(ctx, st, opts, loc)
	if err != nil {
		return nil, err
	}
	rep.network(ties, members, opts.NetworkNodes)
	if !opts.IncludeOptedOut {
		if err := rep.leaveOutOptedOut(ctx, st, opts.Pseudonyms); err != nil {
			return nil, err
		}
	}
	if ps := opts.Pseudonyms; ps != nil {
		for i, m := range rep.NewMembers {
			rep.NewMembers[i] = ps.Account(m)
		}
		slices.Sort(rep.NewMembers)
		for _, list := range [][]PostRef{rep.Unanswered, rep.Practice, rep.Ideas} {
			for i := range list {
				list[i].Author = ps.Account(list[i].Author)
				list[i].URL, list[i].Permalink = ps.Post(list[i].Permalink), ps.Post(list[i].Permalink)
				list[i].Excerpt = "(text left out under --pseudonymize)"
			}
		}
	}
	if rep.Totals.Posts == 0 {
		newest, err := st.NewestPostAt(ctx)
		if err != nil {
			return nil, err
		}
		note := fmt.Sprintf("no posts in %s", p.Label)
		if !newest.IsZero() {
			wk := period.WeekOf(newest, loc)
			note += fmt.Sprintf("; the newest week with posts is %s (newest post %s)", wk.Label, newest.In(loc).Format("2006-01-02 15:04"))
		}
		rep.Notes = append(rep.Notes, note)
	}
	if rep.Totals.Unclassified > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d of %d posts are not classified yet (run copharvest classify): questions, tools and practice undercount",
			rep.Totals.Unclassified, rep.Totals.Posts))
	}
	rep.emptyLists()
	return rep, nil
}

// emptyLists makes every list of the report non-nil, so JSON has [] where
// there is nothing rather than null.
func (rep *Report) emptyLists() {
	orEmpty := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	refs := func(list []PostRef) []PostRef {
		if list == nil {
			list = []PostRef{}
		}
		for i := range list {
			list[i].Rules = orEmpty(list[i].Rules)
		}
		return list
	}
	rep.NewMembers, rep.Notes = orEmpty(rep.NewMembers), orEmpty(rep.Notes)
	rep.Unanswered, rep.Practice, rep.Ideas = refs(rep.Unanswered), refs(rep.Practice), refs(rep.Ideas)
	if rep.Days == nil {
		rep.Days = []Day{}
	}
	if rep.Trend == nil {
		rep.Trend = []TrendPoint{}
	}
	if rep.Resources == nil {
		rep.Resources = []Resource{}
	}
	if rep.Tools == nil {
		rep.Tools = []Resource{}
	}
	if rep.TagPairs == nil {
		rep.TagPairs = []TagPair{}
	}
	if rep.Communities == nil {
		rep.Communities = []Community{}
	}
	for i := range rep.Communities {
		rep.Communities[i].Health = orEmpty(rep.Communities[i].Health)
		rep.Communities[i].MemberList = orEmpty(rep.Communities[i].MemberList)
		if rep.Communities[i].Trajectory == nil {
			rep.Communities[i].Trajectory = []community.Step{}
		}
	}
	if rep.Network.Nodes == nil {
		rep.Network.Nodes = []NetNode{}
	}
	if rep.Network.Edges == nil {
		rep.Network.Edges = []NetEdge{}
	}
}

// CommunityPeriod is the period the report's communities are measured
// over: weeks UTC ISO weeks ending with the week that holds the end of the
// report's period, as copharvest communities --week would measure them.
func CommunityPeriod(p Period, weeks int) period.Period {
	end := period.EndOfWeekUTC(p.End.Add(-time.Nanosecond))
	cp := period.Period{Since: end.AddDate(0, 0, -7*weeks), Until: end, TimeZone: "UTC",
		Reason: fmt.Sprintf("%d weeks ending with the report's last week", weeks)}
	cp.Label = period.Label(cp, time.UTC)
	return cp
}

// sectionsAndCommunities fills every section, and returns the tie weight
// of each pair of accounts of the period and each member's community, for
// the network picture. The community analysis reads most of the period's
// facts; the other sections are counted in the same read, on the same two
// cores, and added up before the communities are measured (added up
// alongside, their memory would add to the analysis' peak). A store that
// has to be read from the posts reads the sections on one core while the
// communities are measured on the other.
func (rep *Report) sectionsAndCommunities(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (ties tieSet, members map[string]string, err error) {
	// Brought up to date once, before either half reads them.
	factsReady, err := analysis.EnsureFacts(ctx, st)
	if err != nil {
		return tieSet{}, nil, err
	}
	var fs *factSections
	if factsReady && !opts.fromPosts {
		if fs, err = rep.newFactSections(ctx, st, opts, loc); err != nil {
			return tieSet{}, nil, err
		}
	}
	var tap *analysis.FactTap
	if fs != nil {
		tap = fs.tap(ctx, st)
	}
	type result struct {
		members map[string]string
		tapped  bool
		err     error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.members, r.tapped, r.err = rep.communities(ctx, st, opts, tap)
		done <- r
	}()
	var r result
	switch {
	case fs == nil:
		ties, err = rep.sectionsFromPosts(ctx, st, opts, loc)
		r = <-done
	default:
		r = <-done
		if r.tapped {
			ties, err = fs.ties, fs.err
		} else if r.err == nil {
			// The facts went out of date meanwhile: from the posts.
			ties, err = rep.sectionsFromPosts(ctx, st, opts, loc)
		}
	}
	if err == nil {
		err = r.err
	}
	return ties, r.members, err
}

// communities measures the groups over the community period and the one a
// week earlier, and matches each group with its predecessor: the same name
// (names follow the central members), else the most overlapping members.
// It returns each member's community, for the network picture.
//
// tap, when given, is shown the report's period in the same read (tapped).
func (rep *Report) communities(ctx context.Context, st *store.Store, opts Options, tap *analysis.FactTap) (members map[string]string, tapped bool, err error) {
	cp := CommunityPeriod(rep.Period, opts.CommunityWeeks)
	prev := period.Period{Since: cp.Since.AddDate(0, 0, -7), Until: cp.Until.AddDate(0, 0, -7), TimeZone: "UTC"}
	rep.CommunityPeriod = cp
	// One load serves both periods: they share all but one week.
	// The week before serves only to match groups and compare verdicts.
	current := analysis.Options{By: opts.By, Thresholds: opts.Thresholds, Seed: opts.Seed, Period: cp}
	previous := current
	previous.Period, previous.VerdictsOnly = prev, true
	results, tapped, err := analysis.RunPeriodsTapped(ctx, st, tap, current, previous)
	if err != nil {
		return nil, false, fmt.Errorf("communities: %w", err)
	}
	cur, before := results[0], results[1]
	if opts.Pseudonyms != nil {
		cur.Rename(opts.Pseudonyms.Account)
		before.Rename(opts.Pseudonyms.Account)
	}
	prevOf := map[string]int{} // member -> index into before
	prevByID := map[string]int{}
	for i, c := range before.Communities {
		prevByID[c.ID] = i
		for _, m := range c.Members {
			prevOf[m] = i
		}
	}
	memberOf := map[string]string{}
	for _, c := range cur.Communities {
		m := c.Metrics
		row := Community{ID: c.ID, Verdict: c.Verdict, Activity: c.Activity, Health: c.Health, Stability: c.Stability,
			Trajectory: c.Trajectory, TrajectoryLine: c.TrajectoryLine, MemberList: c.Members,
			Members: m.Members, Authors: m.Authors, Posts: m.Posts,
			DomainShare: m.DomainShare, CommunityShare: m.CommunityShare, PracticeShare: m.PracticeShare, Why: c.Why, Change: "new"}
		overlap := map[int]int{}
		for _, a := range c.Members {
			memberOf[a] = c.ID
			if i, ok := prevOf[a]; ok {
				overlap[i]++
			}
		}
		best, bestJaccard := -1, 0.0
		if i, ok := prevByID[c.ID]; ok {
			best, bestJaccard = i, 1
		} else if opts.By == analysis.ByGraph {
			for i, n := range overlap {
				jaccard := float64(n) / float64(len(c.Members)+len(before.Communities[i].Members)-n)
				if jaccard > bestJaccard || (jaccard == bestJaccard && i < best) {
					best, bestJaccard = i, jaccard
				}
			}
		}
		if best >= 0 && bestJaccard >= 0.3 {
			b := before.Communities[best]
			row.PreviousID, row.PreviousVerdict = b.ID, b.Verdict
			row.PostsChange, row.MembersChange = m.Posts-b.Metrics.Posts, m.Members-b.Metrics.Members
			switch d := c.Verdict.Rank() - b.Verdict.Rank(); {
			case d > 0:
				row.Change = "up from " + string(b.Verdict)
			case d < 0:
				row.Change = "down from " + string(b.Verdict)
			default:
				row.Change = "same"
			}
		}
		rep.Communities = append(rep.Communities, row)
	}
	rep.CommunityAccounting = cur.Accounting
	rep.Totals.CommunitiesInView = len(rep.Communities)
	rep.Totals.CommunitiesShown = min(communitiesCap, len(rep.Communities))
	return memberOf, tapped, nil
}

// layoutCircles places each community's nodes on a small circle and the
// communities' circles around one big circle, largest first: deterministic,
// and members of one community sit together.
func layoutCircles(nodes []NetNode) {
	groups := map[string][]int{}
	for i, n := range nodes {
		groups[n.Community] = append(groups[n.Community], i)
	}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(groups[b]), len(groups[a])), strings.Compare(a, b))
	})
	total := 0.0
	for _, id := range ids {
		total += math.Sqrt(float64(len(groups[id])))
	}
	angle := 0.0
	for _, id := range ids {
		members := groups[id]
		share := math.Sqrt(float64(len(members))) / total
		mid := angle + share*math.Pi
		angle += share * 2 * math.Pi
		cx, cy := 0.5, 0.5
		if len(ids) > 1 {
			cx, cy = 0.5+0.32*math.Cos(mid), 0.5+0.32*math.Sin(mid)
		}
		r := math.Min(0.16, 0.02+0.9*share/2)
		if len(ids) == 1 {
			r = 0.4
		}
		for k, i := range members {
			if len(members) == 1 {
				nodes[i].X, nodes[i].Y = cx, cy
				continue
			}
			a := 2 * math.Pi * float64(k) / float64(len(members))
			nodes[i].X, nodes[i].Y = cx+r*math.Cos(a), cy+r*math.Sin(a)
		}
	}
}
