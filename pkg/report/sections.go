package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/store"
)

// The sections but the communities — activity, members, network ties —
// are counted from one pass over the stored per-post facts of the trend's
// periods, with texts and addresses fetched only for the few posts
// listed. A read-only store whose facts are out of date is read the
// slower way, from the posts themselves; both feed the same counters.

// post is one post as the sections count it.
type post struct {
	id                                   int64              // row id: the details of a listed post are fetched by it
	row                                  *store.ActivityRow // read from the posts: details at hand
	author                               string
	at                                   time.Time
	isReply                              bool
	repliers                             int // other authors who replied directly
	classified, practice, question, idea bool
	score                                float64
	tags                                 []string // its own tags
	links, tools                         []string // normalised links and tools it names, each once
}

// sections fills every section but the communities and returns the tie
// weight of each pair of accounts of the period, for the network picture.
func (rep *Report) sections(ctx context.Context, st *store.Store, opts Options, loc *time.Location, factsReady bool) (map[[2]string]float64, error) {
	if factsReady {
		return rep.sectionsFromFacts(ctx, st, opts, loc)
	}
	return rep.sectionsFromPosts(ctx, st, opts, loc)
}

// sectionsFromFacts reads the facts of the trend's periods once (the
// report's period is the last of them).
func (rep *Report) sectionsFromFacts(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (map[[2]string]float64, error) {
	accounts, err := st.AccountNames(ctx)
	if err != nil {
		return nil, err
	}
	terms, err := st.FactTerms(ctx)
	if err != nil {
		return nil, err
	}
	account := func(id int64) (string, error) {
		if id < 0 || id >= int64(len(accounts)) {
			return "", fmt.Errorf("read post facts: unknown account id %d", id)
		}
		return accounts[id], nil
	}
	term := func(id uint32) (string, error) {
		if int(id) >= len(terms) {
			return "", fmt.Errorf("read post facts: unknown term %d", id)
		}
		return terms[id], nil
	}
	starts, weekly := rep.trendStarts(opts.TrendPeriods, loc)
	act := newActivity(rep, loc)
	ties := map[[2]int64]float64{} // by account ids, smaller first
	tie := func(kind community.EdgeKind, a, b int64) {
		if w := kind.TieWeight(); w != 0 && a != b {
			if b < a {
				a, b = b, a
			}
			ties[[2]int64{a, b}] += w
		}
	}
	var authorAt []int64 // author id, then time, of each post of the trend
	periodStart := rep.Period.Start.UnixNano()
	var r post
	err = st.Facts(ctx, starts[0], rep.Period.End, func(f *store.Fact) error {
		authorAt = append(authorAt, f.AuthorID, f.At)
		if f.At < periodStart {
			return nil
		}
		author, err := account(f.AuthorID)
		if err != nil {
			return err
		}
		r = post{id: f.PostID, author: author, at: time.Unix(0, f.At).UTC(), isReply: f.IsReply, repliers: f.Repliers,
			classified: f.Flags&store.FactClassified != 0, practice: f.Flags&store.FactPractice != 0,
			question: f.Flags&store.FactQuestion != 0, idea: f.Flags&store.FactIdea != 0, score: f.Score,
			tags: r.tags[:0], links: r.links[:0], tools: r.tools[:0]}
		for _, id := range f.Tags {
			t, err := term(id)
			if err != nil {
				return err
			}
			r.tags = append(r.tags, t)
		}
		for _, id := range f.Resources {
			t, err := term(id)
			if err != nil {
				return err
			}
			if tool, ok := strings.CutPrefix(t, "tool:"); ok {
				r.tools = append(r.tools, tool)
			} else {
				r.links = append(r.links, t)
			}
		}
		act.add(&r)
		if f.ReplyToID > 0 {
			tie(community.Reply, f.AuthorID, f.ReplyToID)
		}
		for _, a := range f.Acts {
			switch a.Kind {
			case store.ActMention:
				tie(community.Mention, f.AuthorID, a.Account)
			case store.ActBoost:
				tie(community.Boost, a.Account, f.AuthorID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	act.finish()
	if err := rep.fillListed(ctx, st); err != nil {
		return nil, err
	}

	// An author is new in the period of their first post ever.
	var authors []int64
	seen := map[int64]bool{}
	for i := 0; i < len(authorAt); i += 2 {
		if a := authorAt[i]; !seen[a] {
			seen[a] = true
			authors = append(authors, a)
		}
	}
	before, err := st.AuthorsPostingBefore(ctx, authors, starts[0])
	if err != nil {
		return nil, err
	}
	earlier := make(map[string]bool, len(before))
	for a := range before {
		name, err := account(a)
		if err != nil {
			return nil, err
		}
		earlier[name] = true
	}
	m := rep.newMembers(starts, weekly, loc, earlier)
	for i := 0; i < len(authorAt); i += 2 {
		name, err := account(authorAt[i])
		if err != nil {
			return nil, err
		}
		m.add(name, time.Unix(0, authorAt[i+1]))
	}
	m.finish()

	pairWeight := make(map[[2]string]float64, len(ties))
	for pair, w := range ties {
		a, err := account(pair[0])
		if err != nil {
			return nil, err
		}
		b, err := account(pair[1])
		if err != nil {
			return nil, err
		}
		addTie(pairWeight, a, b, w, opts.Pseudonyms)
	}
	return pairWeight, nil
}

// sectionsFromPosts reads the posts themselves: the period's posts whole,
// the authors of the trend's periods, and the period's interactions.
func (rep *Report) sectionsFromPosts(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (map[[2]string]float64, error) {
	act := newActivity(rep, loc)
	err := st.ActivityPosts(ctx, rep.Period.Start, rep.Period.End, func(row *store.ActivityRow) error {
		r := post{row: row, author: row.Author, at: row.At, isReply: row.IsReply, repliers: row.OtherRepliers,
			classified: row.Classified, practice: row.Practice, question: classify.AsksQuestion(row.Rules),
			idea: classify.ProposesPractice(row.Rules), score: row.PracticeScore, tags: row.Tags}
		for _, l := range row.Links {
			if res := analysis.NormalizeResource(l); res != "" && !slices.Contains(r.links, res) {
				r.links = append(r.links, res)
			}
		}
		for _, t := range classify.Tools(row.Rules) {
			if !slices.Contains(r.tools, t) {
				r.tools = append(r.tools, t)
			}
		}
		act.add(&r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	act.finish()

	starts, weekly := rep.trendStarts(opts.TrendPeriods, loc)
	earlier := map[string]bool{}
	err = st.EarlierAuthors(ctx, starts[0], rep.Period.End, func(acct string) error {
		earlier[acct] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := rep.newMembers(starts, weekly, loc, earlier)
	err = st.PostAuthors(ctx, starts[0], rep.Period.End, func(acct string, at time.Time) error {
		m.add(acct, at)
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.finish()

	pairWeight := map[[2]string]float64{}
	err = st.ExportTies(ctx, store.ExportFilter{Since: rep.Period.Start, Until: rep.Period.End}, func(t *store.TieRow) error {
		var kind community.EdgeKind
		switch t.Kind {
		case "reply":
			kind = community.Reply
		case "mention":
			kind = community.Mention
		case "boost":
			kind = community.Boost
		default:
			return nil
		}
		if t.Source != t.Target {
			addTie(pairWeight, t.Source, t.Target, kind.TieWeight()*float64(t.Count), opts.Pseudonyms)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pairWeight, nil
}

// addTie adds w to the tie between accounts a and b (under their
// pseudonyms when given). Tie weights are sums of halves and quarters:
// exact in any order.
func addTie(pairWeight map[[2]string]float64, a, b string, w float64, ps Pseudonyms) {
	if ps != nil {
		a, b = ps.Account(a), ps.Account(b)
	}
	if b < a {
		a, b = b, a
	}
	pairWeight[[2]string{a, b}] += w
}

// activity counts the period's posts, one at a time.
type activity struct {
	rep          *Report
	loc          *time.Location
	dayIndex     map[string]int
	links, tools *counter
	pairs        map[[2]string]int
	practice     []PostRef
}

func newActivity(rep *Report, loc *time.Location) *activity {
	p := rep.Period
	a := &activity{rep: rep, loc: loc, dayIndex: map[string]int{}, links: newCounter(), tools: newCounter(), pairs: map[[2]string]int{}}
	for d := p.Start.In(loc); d.Before(p.End); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		key := d.Format("2006-01-02")
		a.dayIndex[key] = len(rep.Days)
		rep.Days = append(rep.Days, Day{Date: key, Weekday: d.Weekday().String()[:3]})
	}
	return a
}

func (a *activity) add(r *post) {
	rep, t := a.rep, &a.rep.Totals
	t.Posts++
	day := &rep.Days[a.dayIndex[r.at.In(a.loc).Format("2006-01-02")]]
	day.Posts++
	if r.isReply {
		t.Replies++
		day.Replies++
	} else {
		t.ThreadsStarted++
		if r.repliers > 0 {
			t.ThreadsAnswered++
		}
	}
	if !r.classified {
		t.Unclassified++
	}
	for _, l := range r.links {
		a.links.add(l, r.author)
	}
	for _, m := range r.tools {
		a.tools.add(m, r.author)
	}
	tags := slices.Compact(slices.Sorted(slices.Values(r.tags)))
	for i := range tags {
		for j := i + 1; j < len(tags); j++ {
			a.pairs[[2]string{tags[i], tags[j]}]++
		}
	}
	if r.question {
		t.Questions++
		if r.repliers == 0 {
			t.Unanswered++
			if len(rep.Unanswered) < listCap {
				rep.Unanswered = append(rep.Unanswered, r.ref())
			}
		}
	}
	if r.idea {
		t.IdeasForPractice++
		if len(rep.Ideas) < topIdeas {
			rep.Ideas = append(rep.Ideas, r.ref())
		}
	}
	if r.practice {
		t.PracticePosts++
		if len(a.practice) < topPractice || betterPractice(PostRef{Score: r.score, Replies: r.repliers, At: r.at}, a.practice[len(a.practice)-1]) < 0 {
			a.practice = keepTop(a.practice, r.ref(), topPractice)
		}
	}
}

func (a *activity) finish() {
	rep := a.rep
	rep.Practice = a.practice
	rep.Resources, rep.Tools = a.links.top(topResources), a.tools.top(topResources)
	for pair, n := range a.pairs {
		rep.TagPairs = append(rep.TagPairs, TagPair{A: pair[0], B: pair[1], Posts: n})
	}
	slices.SortFunc(rep.TagPairs, func(a, b TagPair) int {
		return cmp.Or(cmp.Compare(b.Posts, a.Posts), strings.Compare(a.A, b.A), strings.Compare(a.B, b.B))
	})
	rep.TagPairs = rep.TagPairs[:min(topTagPairs, len(rep.TagPairs))]
}

// ref is the post as a report lists it; read from the facts, its
// address, excerpt and rules come later (fillListed): decoding rules and
// cutting excerpts cost more than the rest of a post, so only for the few
// posts listed.
func (r *post) ref() PostRef {
	p := PostRef{Author: r.author, At: r.at, Score: r.score, Replies: r.repliers, id: r.id}
	if r.row != nil {
		p.fill(store.PostDetail{URI: r.row.URI, URL: r.row.URL, Text: r.row.Text, Rules: r.row.Rules})
	}
	return p
}

func (p *PostRef) fill(d store.PostDetail) {
	p.URL, p.Permalink = d.URL, d.URI
	if p.URL == "" {
		p.URL = d.URI
	}
	p.Excerpt, p.Rules = excerpt(d.Text), classify.RuleIDs(d.Rules)
}

// fillListed fetches the details of the listed posts read from the facts.
func (rep *Report) fillListed(ctx context.Context, st *store.Store) error {
	lists := [][]PostRef{rep.Unanswered, rep.Ideas, rep.Practice}
	var ids []int64
	for _, list := range lists {
		for _, p := range list {
			ids = append(ids, p.id)
		}
	}
	details, err := st.PostDetails(ctx, ids)
	if err != nil {
		return err
	}
	for _, list := range lists {
		for i := range list {
			d, ok := details[list[i].id]
			if !ok {
				return fmt.Errorf("read listed posts: post %d is gone", list[i].id)
			}
			list[i].fill(d)
		}
	}
	return nil
}

// keepTop keeps the n best practice posts: highest score, then most
// replies from others, then earliest.
func keepTop(list []PostRef, p PostRef, n int) []PostRef {
	list = append(list, p)
	slices.SortStableFunc(list, betterPractice)
	return list[:min(n, len(list))]
}

// betterPractice orders practice posts, best first.
func betterPractice(a, b PostRef) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Replies, a.Replies), a.At.Compare(b.At))
}

func excerpt(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= excerptRunes {
		return text
	}
	runes := []rune(text)
	return strings.TrimSpace(string(runes[:excerptRunes])) + "…"
}

// trendStarts are the starts of the trend's n periods, the last being the
// report's, then the report's end. Periods are labelled by ISO week only
// when the report is exactly one ISO week in loc: seven days from a
// Wednesday span two weeks, and naming them after the first put a W49
// post under W48.
func (rep *Report) trendStarts(n int, loc *time.Location) (starts []time.Time, weekly bool) {
	p := rep.Period
	starts = make([]time.Time, n+1)
	weekly = p.isWeek(loc)
	for i := 0; i < n; i++ {
		back := n - 1 - i
		if weekly {
			starts[i] = p.Start.In(loc).AddDate(0, 0, -7*back).UTC()
		} else {
			starts[i] = p.Start.Add(-time.Duration(back) * p.End.Sub(p.Start))
		}
	}
	starts[n] = p.End
	return starts, weekly
}

// members counts active, new and returning members over the trend's
// periods, from the authors of their posts in time order.
type members struct {
	rep     *Report
	starts  []time.Time
	earlier map[string]bool // authors who posted before the first period
	firstIn map[string]int  // period index of the first post of authors new in the chart
	seen    []map[string]bool
	i       int
}

func (rep *Report) newMembers(starts []time.Time, weekly bool, loc *time.Location, earlier map[string]bool) *members {
	n := len(starts) - 1
	m := &members{rep: rep, starts: starts, earlier: earlier, firstIn: map[string]int{}, seen: make([]map[string]bool, n)}
	rep.Trend = make([]TrendPoint, n)
	for i := range rep.Trend {
		label := starts[i].In(loc).Format("Jan 2 15:04") + " – " + starts[i+1].In(loc).Format("Jan 2 15:04")
		if weekly {
			y, w := starts[i].In(loc).ISOWeek()
			label = fmt.Sprintf("%d-W%02d", y, w)
		}
		rep.Trend[i] = TrendPoint{Label: label, Start: starts[i]}
		m.seen[i] = map[string]bool{}
	}
	return m
}

func (m *members) add(acct string, at time.Time) {
	n := len(m.seen)
	for m.i < n-1 && !at.Before(m.starts[m.i+1]) {
		m.i++
	}
	i := m.i
	tp := &m.rep.Trend[i]
	tp.Posts++
	if m.seen[i][acct] {
		return
	}
	m.seen[i][acct] = true
	tp.Active++
	if _, ok := m.firstIn[acct]; !ok && !m.earlier[acct] {
		m.firstIn[acct] = i
	}
	if !m.earlier[acct] && m.firstIn[acct] == i {
		tp.New++
	} else {
		tp.Returning++
	}
}

func (m *members) finish() {
	rep, n := m.rep, len(m.seen)
	cur := rep.Trend[n-1]
	rep.Totals.ActiveMembers, rep.Totals.NewMembers, rep.Totals.ReturningMembers = cur.Active, cur.New, cur.Returning
	if n > 1 {
		rep.Totals.PreviousPosts, rep.Totals.PreviousActive = rep.Trend[n-2].Posts, rep.Trend[n-2].Active
	}
	for acct, i := range m.firstIn {
		if i == n-1 {
			rep.NewMembers = append(rep.NewMembers, acct)
		}
	}
	slices.Sort(rep.NewMembers)
	rep.NewMembers = rep.NewMembers[:min(listCap, len(rep.NewMembers))]
}
