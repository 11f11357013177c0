package community

import (
	"cmp"
	"slices"
	"time"
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
	members := newMemberIndex(g)
	var inside []int32
	for i := range edges {
		if _, ok := members.id[edges[i].From]; !ok {
			continue
		}
		if _, ok := members.id[edges[i].To]; ok {
			inside = append(inside, int32(i))
		}
	}
	return measure(g, members, edges, inside, window, t)
}

// MeasureAll measures every group; groups may overlap (as tag groups do).
// It is Measure for each group, with the edges split by group in one pass.
func MeasureAll(groups []Group, edges []Edge, window Window, t Thresholds) []Metrics {
	inside := splitEdges(groups, edges)
	metrics := make([]Metrics, len(groups))
	forEach(len(groups), func(gi int) {
		metrics[gi] = measure(groups[gi], newMemberIndex(groups[gi]), edges, inside[gi], window, t)
		inside[gi] = nil // let the garbage collector have it
	})
	return metrics
}

// splitEdges returns, for each group, the indexes of the edges inside it.
func splitEdges(groups []Group, edges []Edge) [][]int32 {
	groupsOf := make(map[string][]int32)
	for gi := range groups {
		for _, m := range groups[gi].Members {
			groupsOf[m] = append(groupsOf[m], int32(gi))
		}
	}
	inside := make([][]int32, len(groups))
	for i := range edges {
		from, to := groupsOf[edges[i].From], groupsOf[edges[i].To]
		if len(from) == 0 || len(to) == 0 {
			continue
		}
		for _, gf := range from {
			if slices.Contains(to, gf) {
				inside[gf] = append(inside[gf], int32(i))
			}
		}
	}
	return inside
}

// memberIndex gives each account of a group a dense local id: the declared
// members first, then any post author missing from them.
type memberIndex struct {
	id    map[string]int32
	names []string
}

func newMemberIndex(g Group) memberIndex {
	m := memberIndex{id: make(map[string]int32, len(g.Members))}
	for _, name := range g.Members {
		m.add(name)
	}
	for _, p := range g.Posts {
		m.add(p.Author)
	}
	return m
}

func (m *memberIndex) add(name string) int32 {
	if id, ok := m.id[name]; ok {
		return id
	}
	id := int32(len(m.names))
	m.id[name] = id
	m.names = append(m.names, name)
	return id
}

// noWeek marks an account or pair not yet seen in any week.
const noWeek = int32(-1 << 31)

func measure(g Group, members memberIndex, edges []Edge, inside []int32, window Window, t Thresholds) Metrics {
	n := len(members.names)
	m := Metrics{Members: len(g.Members), CoreK: t.CoreK, WindowWeeks: window.Weeks()}

	// Posts: counts, shares, weeks, authors, resources.
	var postAuthor map[string]int32 // URI -> author, built only if a reply lacks InReplyToAuthor
	for _, p := range g.Posts {
		if p.InReplyToURI != "" && p.InReplyToAuthor == "" {
			postAuthor = make(map[string]int32, len(g.Posts))
			for _, p := range g.Posts {
				if window.Contains(p.At) {
					postAuthor[p.URI] = members.id[p.Author]
				}
			}
			break
		}
	}
	firstWeek := make([]int32, n) // first week each account posted in
	returning := make([]bool, n)
	authored := make([]bool, n)
	for i := range firstWeek {
		firstWeek[i] = noWeek
	}
	postsPerWeek := make(map[int32]int)
	type resourceUse struct {
		firstAuthor int32
		authors     int // distinct authors, counted up to 2
		uses        int
	}
	resources := make(map[string]resourceUse)
	var domain, community, practice int
	for _, p := range g.Posts {
		if !window.Contains(p.At) {
			continue
		}
		m.Posts++
		a := members.id[p.Author]
		authored[a] = true
		switch {
		case p.InReplyToAuthor != "":
			if p.InReplyToAuthor != p.Author {
				m.Replies++
			}
		case p.InReplyToURI != "":
			if parent, ok := postAuthor[p.InReplyToURI]; !ok || parent != a {
				m.Replies++
			}
		}
		week := weekIndex(p.At)
		postsPerWeek[week]++
		switch {
		case firstWeek[a] == noWeek:
			firstWeek[a] = week
		case firstWeek[a] != week:
			returning[a] = true
		}
		if p.At.After(m.LastPost) {
			m.LastPost = p.At
		}
		if p.Domain {
			domain++
		}
		if p.Community {
			community++
		}
		if p.Practice {
			practice++
		}
		if p.Question {
			m.Questions++
			if !p.Answered {
				m.Unanswered++
			}
		}
		for _, r := range p.Resources {
			use, ok := resources[r]
			if !ok {
				use = resourceUse{firstAuthor: a, authors: 1}
			} else if use.authors == 1 && use.firstAuthor != a {
				use.authors = 2
			}
			use.uses++
			resources[r] = use
		}
	}
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
	for _, count := range postsPerWeek {
		if count >= t.ActiveWeekPosts {
			m.ActiveWeeks++
		}
	}
	m.SilentWeeks = silentWeeks(m.LastPost, window, m.Posts)
	m.ReplyShare = share(m.Replies, m.Posts)
	m.DomainShare = share(domain, m.Posts)
	m.CommunityShare = share(community, m.Posts)
	m.PracticeShare = share(practice, m.Posts)

	type shared struct {
		name string
		uses int
	}
	var sharedList []shared
	for name, use := range resources {
		if use.authors >= 2 {
			sharedList = append(sharedList, shared{name, use.uses})
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
	tied := make([]bool, n)
	sent := make([]bool, n)
	received := make([]bool, n)
	touching := make([]float64, n)
	var arcs []uint64 // directed reply/mention pairs, from<<32 | to
	type pairWeeks struct{ first, recurring int32 }
	pairs := make(map[uint64]pairWeeks)
	for _, ei := range inside {
		e := &edges[ei]
		if e.From == e.To || !window.Contains(e.At) {
			continue
		}
		if e.Kind == Favourite {
			m.Favourites++
			continue
		}
		weight := e.Kind.TieWeight()
		if weight == 0 {
			continue
		}
		from, to := members.id[e.From], members.id[e.To]
		m.Ties++
		m.TieWeight += weight
		tied[from], tied[to] = true, true
		touching[from] += weight
		touching[to] += weight
		if e.Kind == Reply || e.Kind == Mention {
			sent[from], received[to] = true, true
			arcs = append(arcs, uint64(uint32(from))<<32|uint64(uint32(to)))
		}
		key := pairKey(from, to)
		pw, ok := pairs[key]
		if !ok {
			pw = pairWeeks{first: noWeek}
		}
		if !e.At.IsZero() {
			week := weekIndex(e.At)
			switch {
			case pw.first == noWeek:
				pw.first = week
			case pw.first != week:
				pw.recurring = 1
			}
		}
		pairs[key] = pw
	}
	slices.Sort(arcs)
	arcs = slices.Compact(arcs)
	mutual := 0
	for _, arc := range arcs {
		if _, found := slices.BinarySearch(arcs, arc<<32|arc>>32); found {
			mutual++
		}
	}
	m.Reciprocity = share(mutual, len(arcs))
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
			if touching[a] > touching[top] || (touching[a] == touching[top] && members.names[a] < members.names[top]) {
				top = a
			}
		}
		m.TopAccount = members.names[top]
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
	keys := make([]uint64, 0, len(pairs))
	for key, pw := range pairs {
		keys = append(keys, key)
		if pw.recurring != 0 {
			m.RecurringPairs++
		}
	}
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
