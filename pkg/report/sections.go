package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/radix"
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

// factSections counts the sections but the communities from the stored
// facts of the report's period, which the community analysis reads anyway
// (see Build): each part of that read is counted on its own (factPart),
// and the parts, consecutive in time, are added up in order at the end.
type factSections struct {
	rep      *Report
	opts     Options
	loc      *time.Location
	nm       *names
	dayEnds  []int64
	accounts int64
	parts    []*factPart
	// What finish made of the parts, once they are read.
	ties tieSet
	err  error
}

// factPart is what one part of the read counts.
type factPart struct {
	fs      *factSections
	act     *activity
	authors []int32 // of the period's posts, in time order
	ats     []int64
	ties    []uint64 // packed (packTie)
	r       post
}

func (rep *Report) newFactSections(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (*factSections, error) {
	accounts, terms, err := st.FactNames(ctx)
	if err != nil {
		return nil, err
	}
	// Ties pack two account ids in 60 bits.
	if len(accounts) > 1<<30 || len(terms) > math.MaxInt32 {
		return nil, fmt.Errorf("read post facts: %d accounts, %d terms: too many to count", len(accounts), len(terms))
	}
	_, dayEnds := rep.Period.days(loc)
	return &factSections{rep: rep, opts: opts, loc: loc, nm: &names{accounts: accounts, terms: terms},
		dayEnds: dayEnds, accounts: int64(len(accounts))}, nil
}

// tap is what the community analysis shows the report's period to; once
// read, the parts are added up (fs.ties, fs.err).
func (fs *factSections) tap(ctx context.Context, st *store.Store) *analysis.FactTap {
	read := func() { fs.ties, fs.err = fs.finish(ctx, st) }
	return &analysis.FactTap{Since: fs.rep.Period.Start, Until: fs.rep.Period.End, Read: read, PartRows: fs.opts.partRows,
		Parts: func(n int) []func(*store.Fact) error {
			see := make([]func(*store.Fact) error, n)
			fs.parts = make([]*factPart, n)
			for i := range n {
				fs.parts[i] = &factPart{fs: fs, act: newActivity(fs.dayEnds, fs.nm)}
				see[i] = fs.parts[i].add
			}
			return see
		}}
}

func (fs *factSections) account(id int64) (int32, error) {
	if id < 0 || id >= fs.accounts {
		return 0, fmt.Errorf("read post facts: unknown account id %d", id)
	}
	return int32(id), nil
}

// add counts one post of the period.
func (fp *factPart) add(f *store.Fact) error {
	fs, r := fp.fs, &fp.r
	author, err := fs.account(f.AuthorID)
	if err != nil {
		return err
	}
	fp.authors, fp.ats = append(fp.authors, author), append(fp.ats, f.At)
	*r = post{id: f.PostID, author: author, at: time.Unix(0, f.At).UTC(), isReply: f.IsReply, repliers: f.Repliers,
		classified: f.Flags&store.FactClassified != 0, practice: f.Flags&store.FactPractice != 0,
		question: f.Flags&store.FactQuestion != 0, idea: f.Flags&store.FactIdea != 0, score: f.Score,
		tags: r.tags[:0], resources: r.resources[:0]}
	nTerms := uint32(len(fs.nm.terms))
	for _, list := range []struct {
		ids []uint32
		to  *[]int32
	}{{f.Tags, &r.tags}, {f.Resources, &r.resources}} {
		for _, id := range list.ids {
			if id >= nTerms {
				return fmt.Errorf("read post facts: unknown term %d", id)
			}
			*list.to = append(*list.to, int32(id))
		}
	}
	fp.act.add(r)
	if f.ReplyToID > 0 {
		to, err := fs.account(f.ReplyToID)
		if err != nil {
			return err
		}
		fp.tie(community.Reply, author, to)
	}
	for _, a := range f.Acts {
		other, err := fs.account(a.Account)
		if err != nil {
			return err
		}
		switch a.Kind {
		case store.ActMention:
			fp.tie(community.Mention, author, other)
		case store.ActBoost:
			fp.tie(community.Boost, other, author)
		}
	}
	return nil
}

func (fp *factPart) tie(kind community.EdgeKind, a, b int32) {
	if w := kind.TieWeight(); w != 0 && a != b {
		fp.ties = append(fp.ties, packTie(a, b, uint64(w*4)))
	}
}

// finish adds up the parts into the report's sections, with the members
// of the trend's earlier periods, and returns the tie weight of each pair
// of accounts of the period, for the network picture.
func (fs *factSections) finish(ctx context.Context, st *store.Store) (tieSet, error) {
	var rename func(string) string
	if fs.opts.Pseudonyms != nil {
		rename = fs.opts.Pseudonyms.Account
	}
	names, canon := canonicalNames(fs.nm.accounts, rename)
	// Each part's ties are summed on a core of their own while the rest
	// is counted.
	pairs := make([][]tiePair, len(fs.parts))
	var wg sync.WaitGroup
	for i, fp := range fs.parts {
		wg.Go(func() {
			pairs[i] = sumPacked(fp.ties, canon)
			fp.ties = nil
		})
	}
	err := fs.finishCounts(ctx, st)
	wg.Wait()
	if err != nil {
		return tieSet{}, err
	}
	return tieSet{names: names, pairs: mergePairs(pairs)}, nil
}

// finishCounts adds up the parts' activities and members.
func (fs *factSections) finishCounts(ctx context.Context, st *store.Store) error {
	rep, opts, nm := fs.rep, fs.opts, fs.nm
	act := newActivity(fs.dayEnds, nm)
	for _, fp := range fs.parts {
		act.absorb(fp.act)
	}
	act.finish(rep, fs.loc)
	if err := rep.fillListed(ctx, st); err != nil {
		return err
	}

	starts, weekly := rep.trendStarts(opts.TrendPeriods, fs.loc)
	m := rep.newMembers(starts, weekly, fs.loc, nm)
	// The periods before the report's count members only: their authors
	// and times are all that is read of them.
	earlier := &factPart{}
	err := st.FactAuthors(ctx, starts[0], rep.Period.Start, func(at, id int64) error {
		author, err := fs.account(id)
		if err != nil {
			return err
		}
		earlier.authors, earlier.ats = append(earlier.authors, author), append(earlier.ats, at)
		return nil
	})
	if err != nil {
		return err
	}
	// The parts are walked in turn, not joined: a million posts' authors
	// copied would add to the report's peak of memory.
	parts := append([]*factPart{earlier}, fs.parts...)
	// An author is new in the period of their first post ever.
	var distinct []int64
	seen := make([]bool, fs.accounts)
	for _, fp := range parts {
		for _, a := range fp.authors {
			if !seen[a] {
				seen[a] = true
				distinct = append(distinct, int64(a))
			}
		}
	}
	before, err := st.AuthorsPostingBefore(ctx, distinct, starts[0])
	if err != nil {
		return err
	}
	for a := range before {
		m.setEarlier(int32(a))
	}
	for _, fp := range parts {
		for j, a := range fp.authors {
			m.add(a, fp.ats[j])
		}
	}
	m.finish()
	return nil
}

// sectionsFromPosts reads the posts themselves: the period's posts whole,
// the authors of the trend's periods, and the period's interactions.
func (rep *Report) sectionsFromPosts(ctx context.Context, st *store.Store, opts Options, loc *time.Location) (tieSet, error) {
	nm := &names{}
	_, dayEnds := rep.Period.days(loc)
	act := newActivity(dayEnds, nm)
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
		return tieSet{}, err
	}
	act.finish(rep, loc)

	starts, weekly := rep.trendStarts(opts.TrendPeriods, loc)
	m := rep.newMembers(starts, weekly, loc, nm)
	err = st.EarlierAuthors(ctx, starts[0], rep.Period.End, func(acct string) error {
		m.setEarlier(nm.account(acct))
		return nil
	})
	if err != nil {
		return tieSet{}, err
	}
	err = st.PostAuthors(ctx, starts[0], rep.Period.End, func(acct string, at time.Time) error {
		m.add(nm.account(acct), at.UnixNano())
		return nil
	})
	if err != nil {
		return tieSet{}, err
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
		return tieSet{}, err
	}
	return tiesOf(pairWeight), nil
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
	radix.Sort(c.pairs)
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

// activity counts the period's posts, one at a time; activities of
// consecutive parts of the period add up (absorb).
type activity struct {
	names                *names
	dayEnds              []int64 // Unix nanoseconds: the end of each of the period's days
	totals               Totals  // the counts of posts, threads and questions
	dayPosts, dayReplies []int
	unanswered, ideas    []PostRef // the first ones, in time order
	practice             []PostRef // the best ones
	links, tools         *counter
	isTool               []int8 // by term id: 1 a tool, -1 not, 0 not known yet
	pairs                map[[2]int32]int
}

func newActivity(dayEnds []int64, nm *names) *activity {
	return &activity{names: nm, dayEnds: dayEnds, dayPosts: make([]int, len(dayEnds)), dayReplies: make([]int, len(dayEnds)),
		links: &counter{}, tools: &counter{}, pairs: map[[2]int32]int{}}
}

// days are the calendar days of the period in loc, and the end of each.
func (p Period) days(loc *time.Location) ([]Day, []int64) {
	var days []Day
	var ends []int64
	for d := p.Start.In(loc); d.Before(p.End); {
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		days = append(days, Day{Date: d.Format("2006-01-02"), Weekday: d.Weekday().String()[:3]})
		ends = append(ends, next.UnixNano())
		d = next
	}
	return days, ends
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
	t := &a.totals
	t.Posts++
	at := r.at.UnixNano()
	d, _ := slices.BinarySearch(a.dayEnds, at+1) // the first day ending after at
	d = min(d, len(a.dayEnds)-1)
	a.dayPosts[d]++
	if r.isReply {
		t.Replies++
		a.dayReplies[d]++
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
			if len(a.unanswered) < listCap {
				a.unanswered = append(a.unanswered, a.ref(r))
			}
		}
	}
	if r.idea {
		t.IdeasForPractice++
		if len(a.ideas) < topIdeas {
			a.ideas = append(a.ideas, a.ref(r))
		}
	}
	if r.practice {
		t.PracticePosts++
		if len(a.practice) < topPractice || betterPractice(PostRef{Score: r.score, Replies: r.repliers, At: r.at}, a.practice[len(a.practice)-1]) < 0 {
			a.practice = keepTop(a.practice, a.ref(r), topPractice)
		}
	}
}

// absorb adds b, the activity of the part of the period that follows a's,
// to a: what a alone would have counted over both.
func (a *activity) absorb(b *activity) {
	t, u := &a.totals, &b.totals
	t.Posts += u.Posts
	t.Replies += u.Replies
	t.ThreadsStarted += u.ThreadsStarted
	t.ThreadsAnswered += u.ThreadsAnswered
	t.Unclassified += u.Unclassified
	t.Questions += u.Questions
	t.Unanswered += u.Unanswered
	t.IdeasForPractice += u.IdeasForPractice
	t.PracticePosts += u.PracticePosts
	for d := range a.dayPosts {
		a.dayPosts[d] += b.dayPosts[d]
		a.dayReplies[d] += b.dayReplies[d]
	}
	a.unanswered = append(a.unanswered, b.unanswered[:min(len(b.unanswered), listCap-len(a.unanswered))]...)
	a.ideas = append(a.ideas, b.ideas[:min(len(b.ideas), topIdeas-len(a.ideas))]...)
	// b's posts are later than a's: appended, a sort that keeps the order
	// of equals ranks them as one pass over both would.
	a.practice = append(a.practice, b.practice...)
	slices.SortStableFunc(a.practice, betterPractice)
	a.practice = a.practice[:min(topPractice, len(a.practice))]
	a.links.pairs = append(a.links.pairs, b.links.pairs...)
	a.tools.pairs = append(a.tools.pairs, b.tools.pairs...)
	for pair, n := range b.pairs {
		a.pairs[pair] += n
	}
}

// finish writes the counts into rep's sections.
func (a *activity) finish(rep *Report, loc *time.Location) {
	terms := a.names.terms
	rep.Days, _ = rep.Period.days(loc)
	for d := range rep.Days {
		rep.Days[d].Posts, rep.Days[d].Replies = a.dayPosts[d], a.dayReplies[d]
	}
	t, u := &rep.Totals, &a.totals
	t.Posts, t.Replies, t.ThreadsStarted, t.ThreadsAnswered, t.Unclassified = u.Posts, u.Replies, u.ThreadsStarted, u.ThreadsAnswered, u.Unclassified
	t.Questions, t.Unanswered, t.IdeasForPractice, t.PracticePosts = u.Questions, u.Unanswered, u.IdeasForPractice, u.PracticePosts
	rep.Unanswered, rep.Ideas, rep.Practice = a.unanswered, a.ideas, a.practice
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
