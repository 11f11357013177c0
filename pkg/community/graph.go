package community

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EdgeKind says what one account did towards another.
type EdgeKind int

// The kinds of interaction the harvester records.
const (
	Reply EdgeKind = iota
	Mention
	Boost
	Favourite
)

// String returns the lower-case name used in exports and reasons.
func (k EdgeKind) String() string {
	switch k {
	case Reply:
		return "reply"
	case Mention:
		return "mention"
	case Boost:
		return "boost"
	case Favourite:
		return "favourite"
	default:
		return fmt.Sprintf("EdgeKind(%d)", int(k))
	}
}

// TieWeight is the weight the kind adds to the undirected tie between two
// accounts: reply 1.0, mention 0.5, boost 0.25, favourite 0 (favourites are
// counted in Metrics but make no tie).
func (k EdgeKind) TieWeight() float64 {
	switch k {
	case Reply:
		return 1.0
	case Mention:
		return 0.5
	case Boost:
		return 0.25
	default:
		return 0
	}
}

// Edge is one directed act: From replied to, mentioned, boosted or
// favourited To. PostURI is the post that carries the act (the reply, the
// mentioning post, or the boosted/favourited post). At is when it happened;
// the API gives no time for boosts and favourites, so the store may leave it
// zero or use the post's time (a zero At never counts towards recurring
// pairs, which need a week).
type Edge struct {
	From, To string
	Kind     EdgeKind
	At       time.Time
	PostURI  string
}

// Post is what the package needs to know about one post. Domain, Community
// and Practice are the classifier's decisions; Resources are normalised links
// and tool names the post uses (the shared repertoire).
type Post struct {
	URI          string
	Author       string // account, e.g. "alice@mastodon.oeru.org"
	Instance     string // host of the author's account; derived from Author when empty
	Tags         []string
	ThreadTags   []string // tags of the thread's root post, when it is another post
	At           time.Time
	InReplyToURI string
	// InReplyToAuthor is the account replied to (Mastodon gives
	// in_reply_to_account_id). Optional: when empty, Measure looks the
	// parent up among the group's posts, which costs a map of their URIs.
	InReplyToAuthor string

	Domain, Community, Practice bool

	Resources []string

	Question bool // asks the others something
	Answered bool // a question that drew an answer from someone else
}

// Group is a set of accounts and the posts they wrote. ID names the group:
// for graph groups its most central members ("ana+ben"), or "unconnected"
// for the authors with no tie; "tag:NAME" or "instance:HOST" otherwise.
type Group struct {
	ID      string
	Members []string // sorted
	Posts   []*Post  // point into the slice given to ByGraph, ByTag or ByInstance
	rows    []int32  // the posts' rows, for groups found on Columns
	// Central lists members by the tie weight they hold inside the group,
	// most first (graph groups only): what the name is made of.
	Central []string
}

// Unconnected is the ID of the graph group of authors with no tie.
const Unconnected = "unconnected"

// ByGraph finds groups in the tie graph (replies, mentions and boosts
// between different accounts) with Louvain modularity optimisation, seeded
// so that the same input gives the same groups.
//
// Every author of posts is in exactly one group: authors with no tie form
// the group "unconnected", measured and judged like any other (typically a
// network: people posting to the tag without talking to each other).
// Members also include accounts that were only replied to or mentioned.
// Each other group is named after its two most central members (see
// Name). Groups are ordered by size, largest first, then by name; the
// unconnected group comes last.
func ByGraph(posts []Post, edges []Edge, seed int64) []Group {
	groups, _ := ByGraphRuns(posts, edges, seed, 0)
	return groups
}

// ByGraphRuns is ByGraph, and the detection run again with seeds seed+1 to
// seed+runs on the same tie graph (built once): what Stability compares.
// The other runs' groups have members, not posts.
func ByGraphRuns(posts []Post, edges []Edge, seed int64, runs int) (groups []Group, others [][]Group) {
	groups, others = ColumnsOf(posts, edges).ByGraphRuns(seed, runs)
	return withPosts(groups, posts), others
}

// withPosts points each group at its posts in posts, the rows of the
// columns made of them.
func withPosts(groups []Group, posts []Post) []Group {
	for gi := range groups {
		g := &groups[gi]
		g.Posts = make([]*Post, len(g.rows))
		for i, r := range g.rows {
			g.Posts[i] = &posts[r]
		}
		g.rows = nil
	}
	return groups
}

// ByGraphRuns is the package's ByGraphRuns on columns; the groups list
// their rows.
func (c *Columns) ByGraphRuns(seed int64, runs int) (groups []Group, others [][]Group) {
	return c.GroupsOf(c.Detect(seed, runs))
}

// Detection is the graph groups' detection, before posts are assigned:
// what Detect finds in the interactions alone.
type Detection struct {
	first  []int32 // each account's group + 1, 0 when it has no tie
	found  []Group
	others [][]Group
	rest   chan struct{} // closed once the other seeds' runs are done
}

// Detect runs ByGraphRuns's detection on the interactions of c alone, so
// that it can run while the posts are still being read: GroupsOf then
// assigns the posts of columns holding the same interactions. It returns
// once the first seed's run is done; the other seeds' runs, which only
// measure stability, go on meanwhile (see GroupsFirst).
func (c *Columns) Detect(seed int64, runs int) *Detection {
	// Sorted names make node ids, and so the result, independent of the
	// order in which the store returned rows.
	nodes := c.tiedAccounts()
	names := make([]string, len(nodes))
	for i, a := range nodes {
		names[i] = c.accounts[a]
	}
	d := &Detection{first: make([]int32, len(c.accounts)), others: make([][]Group, runs), rest: make(chan struct{})}
	if len(names) == 0 {
		close(d.rest)
		return d
	}
	g := c.buildTieGraph(nodes)
	// The seeds are independent runs on the same read-only graph; forEach
	// hands out the first seed first.
	var first []int32
	firstDone := make(chan struct{})
	go func() {
		defer close(d.rest)
		forEach(runs+1, func(i int) {
			membership := louvain(g, seed+int64(i))
			if i == 0 {
				first, d.found = membership, detect(g, names, membership)
				close(firstDone)
				return
			}
			d.others[i-1] = detect(g, names, membership)
		})
	}()
	<-firstDone
	for node, gi := range first {
		d.first[nodes[node]] = gi + 1
	}
	return d
}

// GroupsOf assigns the posts of c to the groups d found (in c or in
// columns holding the same interactions and accounts), adds the
// unconnected group, names and sorts them: ByGraphRuns's result. d is
// used up.
func (c *Columns) GroupsOf(d *Detection) (groups []Group, others [][]Group) {
	groups, rest := c.GroupsFirst(d)
	return groups, rest()
}

// GroupsFirst is GroupsOf for a caller with work to do on the groups
// before it needs the other seeds' (measuring them, while those runs
// finish on the other cores): rest waits for the other seeds and returns
// their groups.
func (c *Columns) GroupsFirst(d *Detection) (groups []Group, rest func() [][]Group) {
	groups = d.found
	groupOf := func(a int32) int32 {
		if int(a) < len(d.first) {
			return d.first[a]
		}
		return 0
	}
	loner := make([]bool, len(c.accounts))
	unconnected := Group{ID: Unconnected}
	for i, a := range c.author {
		if gi := groupOf(a); gi > 0 {
			groups[gi-1].rows = append(groups[gi-1].rows, int32(i))
			continue
		}
		unconnected.rows = append(unconnected.rows, int32(i))
		if !loner[a] {
			loner[a] = true
			unconnected.Members = append(unconnected.Members, c.accounts[a])
		}
	}
	slices.Sort(unconnected.Members)
	groups = nameAndSort(groups, unconnected)
	return groups, func() [][]Group {
		<-d.rest
		others := d.others
		for i := range others {
			others[i] = nameAndSort(others[i], Group{ID: Unconnected, Members: unconnected.Members})
		}
		return others
	}
}

// detect names the groups of the tie graph g that one detection run found
// (membership: each node's group).
func detect(g *tieGraph, names []string, membership []int32) []Group {
	nGroups := 0
	for _, c := range membership {
		nGroups = max(nGroups, int(c)+1)
	}
	groups := make([]Group, nGroups)
	nodesOf := make([][]int32, nGroups)
	weight := make([]float64, len(names)) // tie weight inside the node's group
	for node, c := range membership {
		groups[c].Members = append(groups[c].Members, names[node]) // names are sorted, so members are too
		nodesOf[c] = append(nodesOf[c], int32(node))
		for e := g.offs[node]; e < g.offs[node+1]; e++ {
			if membership[g.adj[e]] == c {
				weight[node] += g.w[e]
			}
		}
	}
	for gi := range groups {
		// Nodes are numbered in name order, so a stable sort of the nodes
		// keeps equal weights in name order, as the members are.
		central := nodesOf[gi]
		slices.SortStableFunc(central, func(a, b int32) int { return cmp.Compare(weight[b], weight[a]) })
		groups[gi].Central = make([]string, len(central))
		for i, node := range central {
			groups[gi].Central[i] = names[node]
		}
	}
	return groups
}

// nameAndSort names the groups, sorts them (largest first, then by name)
// and puts the unconnected group, when it has members, last.
func nameAndSort(groups []Group, unconnected Group) []Group {
	Name(groups)
	slices.SortStableFunc(groups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(len(b.Members), len(a.Members)), strings.Compare(a.ID, b.ID))
	})
	if len(unconnected.Members) > 0 {
		groups = append(groups, unconnected)
	}
	return groups
}

// Name names each group after its two most central members (the user part
// of the account, in alphabetical order: "ana+ben"; the whole account when
// two groups would otherwise share a name). Names follow the people, not the order in which
// detection found the groups, so they stay the same across seeds, runs and
// weeks as long as the same people lead the group.
func Name(groups []Group) {
	short := func(central []string, full bool) string {
		return PairName(central, func(m string) string {
			if !full {
				m, _, _ = strings.Cut(m, "@")
			}
			return m
		})
	}
	count := map[string]int{}
	for _, g := range groups {
		count[short(g.Central, false)]++
	}
	for gi := range groups {
		name := short(groups[gi].Central, false)
		if count[name] > 1 {
			name = short(groups[gi].Central, true)
		}
		groups[gi].ID = name
	}
}

// PairName is the name made of the two most central of central (most
// central first), each shown as show(account), in alphabetical order so
// that the name does not flip when the two swap places.
func PairName(central []string, show func(string) string) string {
	parts := make([]string, 0, 2)
	for _, m := range central[:min(2, len(central))] {
		parts = append(parts, show(m))
	}
	slices.Sort(parts)
	return strings.Join(parts, "+")
}

// Stability says how reproducible each group is: for every other run of
// the detection (other seeds), the best Jaccard overlap of the group's
// members with a group of that run, averaged over the runs. 1 means every
// run found exactly this group. The unconnected group does not depend on
// detection and scores 1.
func Stability(groups []Group, others [][]Group) []float64 {
	out := make([]float64, len(groups))
	for gi, g := range groups {
		if g.ID == Unconnected || len(others) == 0 {
			out[gi] = 1
			continue
		}
		in := make(map[string]bool, len(g.Members))
		for _, m := range g.Members {
			in[m] = true
		}
		sum := 0.0
		for _, run := range others {
			best := 0.0
			for _, h := range run {
				common := 0
				for _, m := range h.Members {
					if in[m] {
						common++
					}
				}
				if common > 0 {
					best = max(best, float64(common)/float64(len(g.Members)+len(h.Members)-common))
				}
			}
			sum += best
		}
		out[gi] = sum / float64(len(others))
	}
	return out
}

// tiedAccounts returns the distinct accounts that take part in at least
// one tie, sorted by name.
func (c *Columns) tiedAccounts() []int32 {
	seen := make([]bool, len(c.accounts))
	var ids []int32
	for i := range c.from {
		if !c.isTie(i) {
			continue
		}
		for _, a := range [2]int32{c.from[i], c.to[i]} {
			if !seen[a] {
				seen[a] = true
				ids = append(ids, a)
			}
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return strings.Compare(c.accounts[a], c.accounts[b]) })
	return ids
}

// isTie reports whether edge i makes a tie: a reply, mention or boost
// between two different, named accounts.
func (c *Columns) isTie(i int) bool {
	return EdgeKind(c.kind[i]).TieWeight() > 0 && c.from[i] != c.to[i] && c.accounts[c.from[i]] != "" && c.accounts[c.to[i]] != ""
}

// OtherTags is the ID of the tag group that gathers tags with one post.
const OtherTags = "tag:other tags"

// ByTag groups posts by tag (lower-cased): a post belongs to its own tags
// and to those of its thread root (ThreadTags), since replies count in the
// conversation their thread started even when they do not repeat the tag.
// A post with two tags is in both groups. Tags that only one post carries
// are folded into one group, "tag:other tags". Members are the authors of
// the group's posts. Groups are sorted by tag.
func ByTag(posts []Post) []Group {
	return withPosts(ColumnsOf(posts, nil).ByTag(), posts)
}

// ByTag is the package's ByTag on columns; the groups list their rows.
func (c *Columns) ByTag() []Group {
	keys := make([]string, len(c.terms))
	done := make([]bool, len(c.terms))
	groups := c.groupBy("tag:", func(i int, add func(string)) {
		for _, t := range c.tags[c.tagOff[i]:c.tagOff[i+1]] {
			if !done[t] {
				keys[t], done[t] = tagKey(c.terms[t]), true
			}
			add(keys[t])
		}
	})
	var kept []Group
	other := Group{ID: OtherTags}
	authors := map[string]bool{}
	for _, g := range groups {
		if len(g.rows) > 1 {
			kept = append(kept, g)
			continue
		}
		for _, r := range g.rows {
			if !slices.Contains(other.rows, r) {
				other.rows = append(other.rows, r)
			}
			authors[c.accounts[c.author[r]]] = true
		}
	}
	if len(other.rows) > 0 {
		for a := range authors {
			other.Members = append(other.Members, a)
		}
		slices.Sort(other.Members)
		kept = append(kept, other)
	}
	return kept
}

// ByInstance groups posts by the author's instance (Post.Instance, or the
// part of Author after the last '@'). Groups are sorted by host.
func ByInstance(posts []Post) []Group {
	return withPosts(ColumnsOf(posts, nil).ByInstance(), posts)
}

// ByInstance is the package's ByInstance on columns; the groups list their rows.
func (c *Columns) ByInstance() []Group {
	return c.groupBy("instance:", func(i int, add func(string)) {
		add(c.instanceKey(i))
	})
}

func instanceOf(p *Post) string {
	if p.Instance != "" {
		return strings.ToLower(p.Instance)
	}
	if i := strings.LastIndexByte(p.Author, '@'); i >= 0 {
		return strings.ToLower(p.Author[i+1:])
	}
	return ""
}

// groupBy builds one group per key that keysOf gives for a row; empty keys
// are skipped.
func (c *Columns) groupBy(prefix string, keysOf func(int, func(string))) []Group {
	index := make(map[string]int)
	var groups []Group
	var authorSets []map[int32]struct{}
	for i := range c.author {
		keysOf(i, func(key string) {
			if key == "" {
				return
			}
			gi, ok := index[key]
			if !ok {
				gi = len(groups)
				index[key] = gi
				groups = append(groups, Group{ID: prefix + key})
				authorSets = append(authorSets, make(map[int32]struct{}))
			}
			// A post listing the same tag twice belongs to the group once.
			if n := len(groups[gi].rows); n > 0 && groups[gi].rows[n-1] == int32(i) {
				return
			}
			groups[gi].rows = append(groups[gi].rows, int32(i))
			authorSets[gi][c.author[i]] = struct{}{}
		})
	}
	for gi := range groups {
		members := make([]string, 0, len(authorSets[gi]))
		for a := range authorSets[gi] {
			members = append(members, c.accounts[a])
		}
		slices.Sort(members)
		groups[gi].Members = members
	}
	slices.SortFunc(groups, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
	return groups
}
