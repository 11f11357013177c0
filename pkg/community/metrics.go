package community

import (
	"cmp"
	"slices"
	"time"

	"github.com/oeru/copharvest/pkg/radix"
)

// Window is the period a group is measured over: Start inclusive, End
// exclusive, both normally at the start of an ISO week (Monday 00:00 UTC).
// A zero Start or End leaves that side open; SilentWeeks needs End.
type Window struct {
	Start, End time.Time
}

// WeeksEnding returns the window of n ISO weeks that ends with ISO week
// (year, week), e.g. WeeksEnding(2026, 47, 12) for the twelve weeks up to
// and including 2026-W47.
func WeeksEnding(year, week, n int) Window {
	// 4 January is always in ISO week 1.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, time.UTC)
	week1 := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	end := week1.AddDate(0, 0, 7*week)
	return Window{Start: end.AddDate(0, 0, -7*n), End: end}
}

// Contains reports whether t falls in the window.
func (w Window) Contains(t time.Time) bool {
	return (w.Start.IsZero() || !t.Before(w.Start)) && (w.End.IsZero() || t.Before(w.End))
}

// Weeks returns how many ISO weeks the window touches, 0 when a side is open.
func (w Window) Weeks() int {
	if w.Start.IsZero() || w.End.IsZero() || !w.End.After(w.Start) {
		return 0
	}
	return int(weekIndex(w.End.Add(-time.Nanosecond))-weekIndex(w.Start)) + 1
}

// weekIndex numbers ISO weeks (Monday to Sunday, UTC) consecutively; two
// times share an ISO week exactly when their indexes are equal.
func weekIndex(t time.Time) int32 {
	const firstMonday = 4 * 24 * 3600 // 1970-01-05 was a Monday
	const week = 7 * 24 * 3600
	s := t.Unix() - firstMonday
	if s < 0 {
		return int32((s - week + 1) / week)
	}
	return int32(s / week)
}

// Metrics describe one group over a window. Only posts and edges inside the
// window count, and only edges between two members of the group ("inside
// the group"); favourites are counted but are not ties. A share is 0 when
// its denominator is 0.
type Metrics struct {
	// Members is the number of accounts in the group, including accounts
	// that only received ties. Authors is the number of distinct accounts
	// that wrote a post in the window; Posts is the number of those posts.
	Members int `json:"members"`
	Authors int `json:"authors"`
	Posts   int `json:"posts"`

	// Replies counts posts that reply to someone else: InReplyToURI is set
	// and does not point to one of the group's posts by the same author
	// (continuing one's own thread is not a conversation).
	// ReplyShare = Replies / Posts.
	Replies    int     `json:"replies"`
	ReplyShare float64 `json:"reply_share"`

	// Ties counts reply, mention and boost edges inside the group; TieWeight
	// sums their weights (1, 0.5, 0.25). Favourites counts favourite edges.
	Ties       int     `json:"ties"`
	TieWeight  float64 `json:"tie_weight"`
	Favourites int     `json:"favourites"`

	// Reciprocity = directed reply-or-mention pairs (a→b) whose reverse
	// (b→a) also occurs / all such directed pairs.
	Reciprocity float64 `json:"reciprocity"`
	// IsolatesShare = authors with no tie inside the group / Authors.
	IsolatesShare float64 `json:"isolates_share"`
	// TwoWayShare = authors who both sent and received a reply or mention
	// inside the group / Authors.
	TwoWayShare float64 `json:"two_way_share"`
	// TopAccountShare = tie weight of the edges touching TopAccount, the
	// account touching the most tie weight / TieWeight. 1 for a pure star.
	TopAccount      string  `json:"top_account"`
	TopAccountShare float64 `json:"top_account_share"`
	// HubPartners counts the accounts tied to TopAccount; HubAnswered
	// those of them with replies or mentions both ways (they answer it).
	HubPartners int `json:"hub_partners"`
	HubAnswered int `json:"hub_answered"`

	// CoreK is the k used; CoreSize is the number of accounts in the
	// k-core of the tie graph (every core account has ties to at least k
	// other core accounts). Periphery = authors outside the core.
	CoreK     int `json:"core_k"`
	CoreSize  int `json:"core_size"`
	Periphery int `json:"periphery"`

	// WindowWeeks is Window.Weeks(). ActiveWeeks counts ISO weeks with at
	// least ActiveWeekPosts posts. SilentWeeks counts whole ISO weeks from
	// the week of LastPost to the window's last week (0 when the group
	// posted in its last week, WindowWeeks when it never posted, 0 when the
	// window has no End).
	WindowWeeks int       `json:"window_weeks"`
	ActiveWeeks int       `json:"active_weeks"`
	SilentWeeks int       `json:"silent_weeks"`
	LastPost    time.Time `json:"last_post"`

	// ReturningMembers counts authors who posted in at least 2 distinct ISO
	// weeks. RecurringPairs counts unordered pairs of accounts with ties in
	// at least 2 distinct ISO weeks (edges without a time do not count).
	ReturningMembers int `json:"returning_members"`
	RecurringPairs   int `json:"recurring_pairs"`
	// Newcomers counts authors whose first post in the window falls in its
	// second half (by ISO weeks).
	Newcomers int `json:"newcomers"`

	// DomainShare, CommunityShare and PracticeShare are the shares of posts
	// the classifier marked with that dimension.
	DomainShare    float64 `json:"domain_share"`
	CommunityShare float64 `json:"community_share"`
	PracticeShare  float64 `json:"practice_share"`

	// Questions counts posts asking something; Unanswered those of them
	// nobody answered.
	Questions  int `json:"questions"`
	Unanswered int `json:"unanswered"`

	// SharedResources are the resources (links, tools) used by at least 2
	// distinct authors, most widely used first; SharedRepertoire is how many.
	SharedRepertoire int      `json:"shared_repertoire"`
	SharedResources  []string `json:"shared_resources"` // never nil: [] in JSON
}

// Measure computes the metrics of g over window from the posts in g and
// those edges that lie inside the group. edges may hold any edges: the
// others are ignored. t supplies ActiveWeekPosts and CoreK. To measure many
// groups at once use MeasureAll, which splits the edges in one pass.
func Measure(g Group, edges []Edge, window Window, t Thresholds) Metrics {
	return MeasureAll([]Group{g}, edges, window, t)[0]
}

// MeasureAll measures every group; groups may overlap (as tag groups do).
// It is Measure for each group, with the edges split by group in one pass.
func MeasureAll(groups []Group, edges []Edge, window Window, t Thresholds) []Metrics {
	c, groups := columnsOfGroups(groups, edges)
	return c.MeasureAll(groups, window, t)
}

// columnsOfGroups puts the posts of the groups (each once) and the edges
// in columns, and returns the groups listing their rows.
func columnsOfGroups(groups []Group, edges []Edge) (*Columns, []Group) {
	row := map[*Post]int32{}
	var posts []*Post
	out := make([]Group, len(groups))
	for gi, g := range groups {
		out[gi] = Group{ID: g.ID, Members: g.Members, Central: g.Central, rows: make([]int32, len(g.Posts))}
		for i, p := range g.Posts {
			r, ok := row[p]
			if !ok {
				r = int32(len(posts))
				row[p] = r
				posts = append(posts, p)
			}
			out[gi].rows[i] = r
		}
	}
	return columnsOfPtrs(posts, edges), out
}

// MeasureAll is the package's MeasureAll on columns, for groups found on them.
func (c *Columns) MeasureAll(groups []Group, window Window, t Thresholds) []Metrics {
	parts := c.prepare(groups)
	metrics := make([]Metrics, len(groups))
	forEach(len(groups), func(gi int) {
		metrics[gi] = c.measure(&parts[gi], len(parts[gi].rows), window, t, &measureScratch{})
		parts[gi] = groupPart{} // let the garbage collector have it
	})
	return metrics
}

// groupPart is one group ready to measure: its members with dense local
// ids (the declared members first, then any post author missing from
// them), the local author of each of its posts, and the edges inside it
// with local ids.
type groupPart struct {
	members  int
	accounts []int32 // local id -> account
	rows     []int32
	author   []int32 // local author of each row
	inside   []int32 // edges inside the group
	from, to []int32 // their local ends
}

// prepare splits the edges by group in one pass and gives each group's
// members local ids. It adds accounts missing from the columns (members
// of groups made by hand), so it runs before the parallel measures.
func (c *Columns) prepare(groups []Group) []groupPart {
	parts := make([]groupPart, len(groups))
	groupsOf := make([][]int32, len(c.accounts))
	local := make([]map[int32]int32, len(groups))
	for gi := range groups {
		g := &groups[gi]
		p := &parts[gi]
		p.members, p.rows = len(g.Members), g.rows
		id := make(map[int32]int32, len(g.Members))
		add := func(a int32) int32 {
			if l, ok := id[a]; ok {
				return l
			}
			l := int32(len(p.accounts))
			id[a] = l
			p.accounts = append(p.accounts, a)
			return l
		}
		for _, name := range g.Members {
			add(c.Account(name))
		}
		p.author = make([]int32, len(g.rows))
		for i, r := range g.rows {
			p.author[i] = add(c.author[r])
		}
		local[gi] = id
	}
	if len(groupsOf) < len(c.accounts) {
		groupsOf = append(groupsOf, make([][]int32, len(c.accounts)-len(groupsOf))...)
	}
	for gi := range groups {
		for _, name := range groups[gi].Members {
			a := c.accountIDs[name]
			groupsOf[a] = append(groupsOf[a], int32(gi))
		}
	}
	for i := range c.from {
		from, to := groupsOf[c.from[i]], groupsOf[c.to[i]]
		if len(from) == 0 || len(to) == 0 {
			continue
		}
		for _, gf := range from {
			if slices.Contains(to, gf) {
				p := &parts[gf]
				p.inside = append(p.inside, int32(i))
				p.from = append(p.from, local[gf][c.from[i]])
				p.to = append(p.to, local[gf][c.to[i]])
			}
		}
	}
	return parts
}

// measureScratch is memory one measure leaves for the next (the weeks of
// a trajectory): slices are resized and cleared, maps cleared.
type measureScratch struct {
	firstWeek                       []int32
	returning, authored, tied, sent []bool
	received                        []bool
	touching                        []float64
	perWeek                         []int
	arcs, keys                      []uint64
	resources                       map[int32]resourceUse
	pairs                           map[uint64]pairWeeks
}

type resourceUse struct {
	firstAuthor int32
	authors     int // distinct authors, counted up to 2
	uses        int
}

type pairWeeks struct{ first, recurring int32 }

// sized returns s with length n, every element zero, reusing its memory.
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// noWeek marks an account or pair not yet seen in any week.
const noWeek = int32(-1 << 31)

// measure computes the metrics of a group over window from its first
// nRows posts (its posts before a week's end, in Trajectories).
func (c *Columns) measure(g *groupPart, nRows int, window Window, t Thresholds, sc *measureScratch) Metrics {
	n := len(g.accounts)
	rows, authorOf := g.rows[:nRows], g.author[:nRows]
	m := Metrics{Members: g.members, CoreK: t.CoreK, WindowWeeks: window.Weeks()}
	start, end := windowNanos(window)

	// Posts: counts, shares, weeks, authors, resources.
	var postAuthor map[int64]int32 // post key -> author, built only if a reply lacks its author
	for _, r := range rows {
		if c.parent[r] != 0 && c.accounts[c.replyTo[r]] == "" {
			postAuthor = make(map[int64]int32, len(rows))
			for i, r := range rows {
				if inWindow(c.at[r], start, end) {
					postAuthor[c.key[r]] = authorOf[i]
				}
			}
			break
		}
	}
	sc.firstWeek = sized(sc.firstWeek, n)
	sc.returning, sc.authored = sized(sc.returning, n), sized(sc.authored, n)
	firstWeek, returning, authored := sc.firstWeek, sc.returning, sc.authored // first week each account posted in
	for i := range firstWeek {
		firstWeek[i] = noWeek
	}
	// Posts per week: by offset from the window's first week when it has
	// one, else in a map.
	var perWeek []int
	var perWeekMap map[int32]int
	firstWindowWeek := int32(0)
	if m.WindowWeeks > 0 {
		firstWindowWeek = weekIndex(window.Start)
		sc.perWeek = sized(sc.perWeek, m.WindowWeeks)
		perWeek = sc.perWeek
	} else {
		perWeekMap = make(map[int32]int)
	}
	if sc.resources == nil {
		sc.resources = make(map[int32]resourceUse)
	}
	resources := sc.resources
	clear(resources)
	var triad triadCount
	last := int64(zeroTime)
	for i, r := range rows {
		at := c.at[r]
		if !inWindow(at, start, end) {
			continue
		}
		m.Posts++
		a := authorOf[i]
		authored[a] = true
		switch {
		case c.accounts[c.replyTo[r]] != "":
			if c.replyTo[r] != c.author[r] {
				m.Replies++
			}
		case c.parent[r] != 0:
			if parent, ok := postAuthor[c.parent[r]]; !ok || parent != a {
				m.Replies++
			}
		}
		week := weekOfNanos(at)
		if perWeek != nil {
			perWeek[week-firstWindowWeek]++
		} else {
			perWeekMap[week]++
		}
		switch {
		case firstWeek[a] == noWeek:
			firstWeek[a] = week
		case firstWeek[a] != week:
			returning[a] = true
		}
		if at > last {
			last = at
		}
		f := c.flags[r]
		triad.add(f)
		if f&postQuestion != 0 {
			m.Questions++
			if f&postAnswered == 0 {
				m.Unanswered++
			}
		}
		for _, res := range c.res[c.resOff[r]:c.resOff[r+1]] {
			use, ok := resources[res]
			if !ok {
				use = resourceUse{firstAuthor: a, authors: 1}
			} else if use.authors == 1 && use.firstAuthor != a {
				use.authors = 2
			}
			use.uses++
			resources[res] = use
		}
	}
	m.LastPost = timeOf(last)
	for _, a := range authored {
		if a {
			m.Authors++
		}
	}
	for _, r := range returning {
		if r {
			m.ReturningMembers++
		}
	}
	for _, count := range perWeek {
		if count > 0 && count >= t.ActiveWeekPosts {
			m.ActiveWeeks++
		}
	}
	for _, count := range perWeekMap {
		if count >= t.ActiveWeekPosts {
			m.ActiveWeeks++
		}
	}
	m.SilentWeeks = silentWeeks(m.LastPost, window, m.Posts)
	m.ReplyShare = share(m.Replies, m.Posts)
	triad.shares(&m)

	type shared struct {
		name string
		uses int
	}
	var sharedList []shared
	for id, use := range resources {
		if use.authors >= 2 {
			sharedList = append(sharedList, shared{c.terms[id], use.uses})
		}
	}
	slices.SortFunc(sharedList, func(x, y shared) int {
		return cmp.Or(cmp.Compare(y.uses, x.uses), cmp.Compare(x.name, y.name))
	})
	m.SharedRepertoire = len(sharedList)
	m.SharedResources = make([]string, len(sharedList))
	for i, s := range sharedList {
		m.SharedResources[i] = s.name
	}
	// Newcomers: first post in the second half of the window (of the
	// group's own span when the window is open).
	firstW, lastW := noWeek, noWeek
	if m.WindowWeeks > 0 {
		firstW, lastW = weekIndex(window.Start), weekIndex(window.End.Add(-time.Nanosecond))
	} else if m.Posts > 0 {
		for _, fw := range firstWeek {
			if fw != noWeek && (firstW == noWeek || fw < firstW) {
				firstW = fw
			}
		}
		lastW = weekIndex(m.LastPost)
	}
	if firstW != noWeek {
		half := firstW + (lastW-firstW+1)/2
		for a, fw := range firstWeek {
			if authored[a] && fw != noWeek && fw >= half && lastW > firstW {
				m.Newcomers++
			}
		}
	}

	// Edges: ties, reciprocity, isolates, top account, pairs, core.
	sc.tied, sc.sent, sc.received = sized(sc.tied, n), sized(sc.sent, n), sized(sc.received, n)
	sc.touching = sized(sc.touching, n)
	tied, sent, received, touching := sc.tied, sc.sent, sc.received, sc.touching
	arcs := sc.arcs[:0] // directed reply/mention pairs, from<<32 | to
	if sc.pairs == nil {
		sc.pairs = make(map[uint64]pairWeeks)
	}
	pairs := sc.pairs
	clear(pairs)
	for j, ei := range g.inside {
		from, to := g.from[j], g.to[j]
		at := c.eAt[ei]
		if from == to || !inWindow(at, start, end) {
			continue
		}
		kind := EdgeKind(c.kind[ei])
		if kind == Favourite {
			m.Favourites++
			continue
		}
		weight := kind.TieWeight()
		if weight == 0 {
			continue
		}
		m.Ties++
		m.TieWeight += weight
		tied[from], tied[to] = true, true
		touching[from] += weight
		touching[to] += weight
		if kind == Reply || kind == Mention {
			sent[from], received[to] = true, true
			arcs = append(arcs, uint64(uint32(from))<<32|uint64(uint32(to)))
		}
		key := pairKey(from, to)
		pw, ok := pairs[key]
		if !ok {
			pw = pairWeeks{first: noWeek}
		}
		if at != zeroTime {
			week := weekOfNanos(at)
			switch {
			case pw.first == noWeek:
				pw.first = week
			case pw.first != week:
				pw.recurring = 1
			}
		}
		pairs[key] = pw
	}
	radix.Sort(arcs)
	arcs = slices.Compact(arcs)
	mutual := 0
	for _, arc := range arcs {
		if _, found := slices.BinarySearch(arcs, arc<<32|arc>>32); found {
			mutual++
		}
	}
	m.Reciprocity = share(mutual, len(arcs))
	sc.arcs = arcs
	isolates, twoWay := 0, 0
	for a := range n {
		if !authored[a] {
			continue
		}
		if !tied[a] {
			isolates++
		}
		if sent[a] && received[a] {
			twoWay++
		}
	}
	m.IsolatesShare = share(isolates, m.Authors)
	m.TwoWayShare = share(twoWay, m.Authors)
	if m.TieWeight > 0 {
		top := 0
		for a := range n {
			if touching[a] > touching[top] || (touching[a] == touching[top] && c.accounts[g.accounts[a]] < c.accounts[g.accounts[top]]) {
				top = a
			}
		}
		m.TopAccount = c.accounts[g.accounts[top]]
		m.TopAccountShare = touching[top] / m.TieWeight
		for key := range pairs {
			a, b := unpackPair(key)
			if a != int32(top) && b != int32(top) {
				continue
			}
			other := a + b - int32(top)
			m.HubPartners++
			_, out := slices.BinarySearch(arcs, uint64(uint32(top))<<32|uint64(uint32(other)))
			_, in := slices.BinarySearch(arcs, uint64(uint32(other))<<32|uint64(uint32(top)))
			if out && in {
				m.HubAnswered++
			}
		}
	}
	keys := sc.keys[:0]
	for key, pw := range pairs {
		keys = append(keys, key)
		if pw.recurring != 0 {
			m.RecurringPairs++
		}
	}
	sc.keys = keys
	core := coreNumbers(csrOffsAdj(n, keys))
	for a, k := range core {
		if int(k) >= t.CoreK {
			m.CoreSize++
		} else if authored[a] {
			m.Periphery++
		}
	}
	return m
}

// triadCount counts a group's posts on each side of the triad.
type triadCount struct{ domain, community, practice int }

func (t *triadCount) add(flags uint8) {
	if flags&postDomain != 0 {
		t.domain++
	}
	if flags&postCommunity != 0 {
		t.community++
	}
	if flags&postPractice != 0 {
		t.practice++
	}
}

// shares sets m's triad shares from the counts and m.Posts.
func (t *triadCount) shares(m *Metrics) {
	m.DomainShare = share(t.domain, m.Posts)
	m.CommunityShare = share(t.community, m.Posts)
	m.PracticeShare = share(t.practice, m.Posts)
}

// csrOffsAdj returns the CSR structure of the simple graph with n nodes and
// the given distinct unordered pairs (pairKey). Row order does not matter to
// coreNumbers, so rows are left unsorted.
func csrOffsAdj(n int, pairs []uint64) (offs, adj []int32) {
	offs = make([]int32, n+1)
	for _, key := range pairs {
		a, b := unpackPair(key)
		offs[a+1]++
		offs[b+1]++
	}
	for i := 1; i <= n; i++ {
		offs[i] += offs[i-1]
	}
	adj = make([]int32, 2*len(pairs))
	fill := slices.Clone(offs[:n])
	for _, key := range pairs {
		a, b := unpackPair(key)
		adj[fill[a]] = b
		fill[a]++
		adj[fill[b]] = a
		fill[b]++
	}
	return offs, adj
}

// silentWeeks counts whole ISO weeks between the last post and the window's
// last week.
func silentWeeks(last time.Time, window Window, posts int) int {
	if window.End.IsZero() {
		return 0
	}
	if posts == 0 {
		return window.Weeks()
	}
	return max(0, int(weekIndex(window.End.Add(-time.Nanosecond))-weekIndex(last)))
}

func share(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
