package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
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

// names are the accounts and terms (tags, links, "tool:NAME") the
// sections count by id: the store's ids when read from the facts, ids
// given on first sight when read from the posts.
type names struct {
	accounts, terms []string
	accountIDs      map[string]int32 // reading the posts: ids given so far
	termIDs         map[string]int32
}

func (n *names) account(name string) int32 { return internName(&n.accounts, &n.accountIDs, name) }
func (n *names) term(name string) int32    { return internName(&n.terms, &n.termIDs, name) }

func internName(list *[]string, ids *map[string]int32, name string) int32 {
	if *ids == nil {
		*ids = map[string]int32{}
	}
	if id, ok := (*ids)[name]; ok {
		return id
	}
	id := int32(len(*list))
	*list = append(*list, name)
	(*ids)[name] = id
	return id
}

// post is one post as the sections count it.
type post struct {
	id                                   int64              // row id: the details of a listed post are fetched by it
	row                                  *store.ActivityRow // read from the posts: details at hand
	author                               int32
	at                                   time.Time
	isReply                              bool
	repliers                             int // other authors who replied directly
	classified, practice, question, idea bool
	score                                float64
	tags                                 []int32 // its own tags
	resources                            []int32 // normalised links, then "tool:NAME", each once
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
	accounts, terms, err := st.FactNames(ctx)
	if err != nil {
		return nil, err
	}
	// Ties pack two account ids in 60 bits.
	if len(accounts) > 1<<30 || len(terms) > math.MaxInt32 {
		return nil, fmt.Errorf("read post facts: %d accounts, %d terms: too many to count", len(accounts), len(terms))
	}
	nm := &names{accounts: accounts, terms: terms}
	account := func(id int64) (int32, error) {
		if id < 0 || id >= int64(len(accounts)) {
			return 0, fmt.Errorf("read post facts: unknown account id %d", id)
		}
		return int32(id), nil
	}
	starts, weekly := rep.trendStarts(opts.TrendPeriods, loc)
	act := newActivity(rep, loc, nm)
	m := rep.newMembers(starts, weekly, loc, nm)
	// Each tie as smaller account << 33 | larger << 3 | weight in quarters
	// (every TieWeight is a multiple of 1/4, so sums are exact in any
	// order); sorted at the end, a pair's ties are adjacent.
	var ties []uint64
	tie := func(kind community.EdgeKind, a, b int32) {
		if w := kind.TieWeight(); w != 0 && a != b {
			if b < a {
				a, b = b, a
			}
			ties = append(ties, uint64(a)<<33|uint64(b)<<3|uint64(w*4))
		}
	}
	var authors []int32 // of the trend's posts, in time order
	var ats []int64
	// The periods before the report's count members only: their authors
	// and times are all that is read of them.
	err = st.FactAuthors(ctx, starts[0], rep.Period.Start, func(at, id int64) error {
		author, err := account(id)
		if err != nil {
			return err
		}
		authors, ats = append(authors, author), append(ats, at)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var r post
	err = st.Facts(ctx, rep.Period.Start, rep.Period.End, func(f *store.Fact) error {
		author, err := account(f.AuthorID)
		if err != nil {
			return err
		}
		authors, ats = append(authors, author), append(ats, f.At)
		r = post{id: f.PostID, author: author, at: time.Unix(0, f.At).UTC(), isReply: f.IsReply, repliers: f.Repliers,
			classified: f.Flags&store.FactClassified != 0, practice: f.Flags&store.FactPractice != 0,
			question: f.Flags&store.FactQuestion != 0, idea: f.Flags&store.FactIdea != 0, score: f.Score,
			tags: r.tags[:0], resources: r.resources[:0]}
		for _, list := range []struct {
			ids []uint32
			to  *[]int32
		}{{f.Tags, &r.tags}, {f.Resources, &r.resources}} {
			for _, id := range list.ids {
				if int(id) >= len(terms) {
					return fmt.Errorf("read post facts: unknown term %d", id)
				}
				*list.to = append(*list.to, int32(id))
			}
		}
		act.add(&r)
		if f.ReplyToID > 0 {
			to, err := account(f.ReplyToID)
			if err != nil {
				return err
			}
			tie(community.Reply, author, to)
		}
		for _, a := range f.Acts {
			other, err := account(a.Account)
			if err != nil {
				return err
			}
			switch a.Kind {
			case store.ActMention:
				tie(community.Mention, author, other)
			case store.ActBoost:
				tie(community.Boost, other, author)
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
	var distinct []int64
	seen := make([]bool, len(accounts))
	for _, a := range authors {
		if !seen[a] {
			seen[a] = true
			distinct = append(distinct, int64(a))
		}
	}
	before, err := st.AuthorsPostingBefore(ctx, distinct, starts[0])
	if err != nil {
		return nil, err
	}
	for a := range before {
		m.setEarlier(int32(a))
	}
	for i, a := range authors {
		m.add(a, ats[i])
	}
	m.finish()

	slices.Sort(ties)
	pairWeight := map[[2]string]float64{}
	for i := 0; i < len(ties); {
		pair, quarters := ties[i]>>3, ties[i]&7
		for i++; i < len(ties) && ties[i]>>3 == pair; i++ {
			quarters += ties[i] & 7
		}
		addTie(pairWeight, accounts[pair>>30], accounts[pair&(1<<30-1)], float64(quarters)/4, opts.Pseudonyms)
	}
	return pairWeight, nil
}

// sectionsFromPosts reads the posts themselves: the period's posts whole,
// the authors of the trend's periods, and the period's interactions.
func (rep *Report) sectionsFromPosts(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (map[[2]string]float64, error) {
	nm := &names{}
	act := newActivity(rep, loc, nm)
	err := st.ActivityPosts(ctx, rep.Period.Start, rep.Period.End, func(row *store.ActivityRow) error {
		r := post{row: row, author: nm.account(row.Author), at: row.At, isReply: row.IsReply, repliers: row.OtherRepliers,
			classified: row.Classified, practice: row.Practice, question: classify.AsksQuestion(row.Rules),
			idea: classify.ProposesPractice(row.Rules), score: row.PracticeScore}
		for _, t := range row.Tags {
			r.tags = append(r.tags, nm.term(t))
		}
		add := func(res string) {
			if id := nm.term(res); !slices.Contains(r.resources, id) {
				r.resources = append(r.resources, id)
			}
		}
		for _, l := range row.Links {
			if res := analysis.NormalizeResource(l); res != "" {
				add(res)
			}
		}
		for _, t := range classify.Tools(row.Rules) {
			add("tool:" + t)
		}
		act.add(&r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	act.finish()

	starts, weekly := rep.trendStarts(opts.TrendPeriods, loc)
	m := rep.newMembers(starts, weekly, loc, nm)
	err = st.EarlierAuthors(ctx, starts[0], rep.Period.End, func(acct string) error {
		m.setEarlier(nm.account(acct))
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = st.PostAuthors(ctx, starts[0], rep.Period.End, func(acct string, at time.Time) error {
		m.add(nm.account(acct), at.UnixNano())
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

// counter counts posts and distinct authors per term: each post's
// (term, author) pair is appended, and sorting them at the end counts
// both (cheaper than a map entry per post).
type counter struct {
	pairs []uint64 // term << 32 | author, one per post naming the term
}

func (c *counter) add(term, author int32) {
	c.pairs = append(c.pairs, uint64(uint32(term))<<32|uint64(uint32(author)))
}

// top returns the n terms shared by most authors, then in most posts,
// then by name; name gives a term's name.
func (c *counter) top(n int, name func(int32) string) []Resource {
	slices.Sort(c.pairs)
	var list []Resource
	for start := 0; start < len(c.pairs); {
		term := c.pairs[start] >> 32
		r := Resource{Name: name(int32(uint32(term)))}
		end := start
		for ; end < len(c.pairs) && c.pairs[end]>>32 == term; end++ {
			r.Posts++
			if end == start || c.pairs[end] != c.pairs[end-1] {
				r.Authors++
			}
		}
		list = append(list, r)
		start = end
	}
	slices.SortFunc(list, func(a, b Resource) int {
		return cmp.Or(cmp.Compare(b.Authors, a.Authors), cmp.Compare(b.Posts, a.Posts), strings.Compare(a.Name, b.Name))
	})
	return list[:min(n, len(list))]
}

// activity counts the period's posts, one at a time.
type activity struct {
	rep          *Report
	names        *names
	loc          *time.Location
	dayEnds      []int64 // Unix nanoseconds: the end of each of rep.Days
	links, tools *counter
	isTool       []int8 // by term id: 1 a tool, -1 not, 0 not known yet
	pairs        map[[2]int32]int
	practice     []PostRef
}

func newActivity(rep *Report, loc *time.Location, nm *names) *activity {
	p := rep.Period
	a := &activity{rep: rep, names: nm, loc: loc, links: &counter{}, tools: &counter{}, pairs: map[[2]int32]int{}}
	for d := p.Start.In(loc); d.Before(p.End); {
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		rep.Days = append(rep.Days, Day{Date: d.Format("2006-01-02"), Weekday: d.Weekday().String()[:3]})
		a.dayEnds = append(a.dayEnds, next.UnixNano())
		d = next
	}
	return a
}

func (a *activity) tool(term int32) bool {
	for int(term) >= len(a.isTool) {
		a.isTool = append(a.isTool, 0)
	}
	if a.isTool[term] == 0 {
		a.isTool[term] = -1
		if strings.HasPrefix(a.names.terms[term], "tool:") {
			a.isTool[term] = 1
		}
	}
	return a.isTool[term] > 0
}

func (a *activity) add(r *post) {
	rep, t := a.rep, &a.rep.Totals
	t.Posts++
	at := r.at.UnixNano()
	d, _ := slices.BinarySearch(a.dayEnds, at+1) // the first day ending after at
	day := &rep.Days[min(d, len(rep.Days)-1)]
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
	for _, res := range r.resources {
		if a.tool(res) {
			a.tools.add(res, r.author)
		} else {
			a.links.add(res, r.author)
		}
	}
	// Pairs of distinct tags, each pair by name order.
	terms := a.names.terms
	tags := r.tags
	slices.SortFunc(tags, func(x, y int32) int { return strings.Compare(terms[x], terms[y]) })
	tags = slices.Compact(tags)
	for i := range tags {
		for j := i + 1; j < len(tags); j++ {
			a.pairs[[2]int32{tags[i], tags[j]}]++
		}
	}
	if r.question {
		t.Questions++
		if r.repliers == 0 {
			t.Unanswered++
			if len(rep.Unanswered) < listCap {
				rep.Unanswered = append(rep.Unanswered, a.ref(r))
			}
		}
	}
	if r.idea {
		t.IdeasForPractice++
		if len(rep.Ideas) < topIdeas {
			rep.Ideas = append(rep.Ideas, a.ref(r))
		}
	}
	if r.practice {
		t.PracticePosts++
		if len(a.practice) < topPractice || betterPractice(PostRef{Score: r.score, Replies: r.repliers, At: r.at}, a.practice[len(a.practice)-1]) < 0 {
			a.practice = keepTop(a.practice, a.ref(r), topPractice)
		}
	}
}

func (a *activity) finish() {
	rep, terms := a.rep, a.names.terms
	rep.Practice = a.practice
	rep.Resources = a.links.top(topResources, func(t int32) string { return terms[t] })
	rep.Tools = a.tools.top(topResources, func(t int32) string { return strings.TrimPrefix(terms[t], "tool:") })
	for pair, n := range a.pairs {
		rep.TagPairs = append(rep.TagPairs, TagPair{A: terms[pair[0]], B: terms[pair[1]], Posts: n})
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
func (a *activity) ref(r *post) PostRef {
	p := PostRef{Author: a.names.accounts[r.author], At: r.at, Score: r.score, Replies: r.repliers, id: r.id}
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
// periods, from the authors of their posts in time order. Per-author
// state is kept in slices indexed by account id, grown on need.
type members struct {
	rep     *Report
	names   *names
	starts  []int64 // Unix nanoseconds
	earlier []bool  // authors who posted before the first period
	firstIn []int32 // period index of the first post of an author new in the chart, -1: none yet
	seenIn  []int32 // the last period each author was counted active in, -1: none yet
	i       int
}

func (rep *Report) newMembers(starts []time.Time, weekly bool, loc *time.Location, nm *names) *members {
	n := len(starts) - 1
	m := &members{rep: rep, names: nm}
	for _, s := range starts {
		m.starts = append(m.starts, s.UnixNano())
	}
	rep.Trend = make([]TrendPoint, n)
	for i := range rep.Trend {
		label := starts[i].In(loc).Format("Jan 2 15:04") + " – " + starts[i+1].In(loc).Format("Jan 2 15:04")
		if weekly {
			y, w := starts[i].In(loc).ISOWeek()
			label = fmt.Sprintf("%d-W%02d", y, w)
		}
		rep.Trend[i] = TrendPoint{Label: label, Start: starts[i]}
	}
	return m
}

// grow makes room for author in the per-author slices.
func (m *members) grow(author int32) {
	for int(author) >= len(m.seenIn) {
		m.earlier, m.firstIn, m.seenIn = append(m.earlier, false), append(m.firstIn, -1), append(m.seenIn, -1)
	}
}

// setEarlier records that author posted before the first period.
func (m *members) setEarlier(author int32) {
	m.grow(author)
	m.earlier[author] = true
}

// add counts a post by author at at (Unix nanoseconds).
func (m *members) add(author int32, at int64) {
	n := len(m.rep.Trend)
	for m.i < n-1 && at >= m.starts[m.i+1] {
		m.i++
	}
	i := int32(m.i)
	tp := &m.rep.Trend[i]
	tp.Posts++
	m.grow(author)
	if m.seenIn[author] == i {
		return
	}
	m.seenIn[author] = i
	tp.Active++
	if m.firstIn[author] < 0 && !m.earlier[author] {
		m.firstIn[author] = i
	}
	if !m.earlier[author] && m.firstIn[author] == i {
		tp.New++
	} else {
		tp.Returning++
	}
}

func (m *members) finish() {
	rep, n := m.rep, len(m.rep.Trend)
	cur := rep.Trend[n-1]
	rep.Totals.ActiveMembers, rep.Totals.NewMembers, rep.Totals.ReturningMembers = cur.Active, cur.New, cur.Returning
	if n > 1 {
		rep.Totals.PreviousPosts, rep.Totals.PreviousActive = rep.Trend[n-2].Posts, rep.Trend[n-2].Active
	}
	for author, i := range m.firstIn {
		if int(i) == n-1 {
			rep.NewMembers = append(rep.NewMembers, m.names.accounts[author])
		}
	}
	slices.Sort(rep.NewMembers)
	rep.NewMembers = rep.NewMembers[:min(listCap, len(rep.NewMembers))]
}
