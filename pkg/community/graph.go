package community

import (
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

// isTie reports whether the edge makes a tie: a reply, mention or boost
// between two different, named accounts.
func (e *Edge) isTie() bool {
	return e.Kind.TieWeight() > 0 && e.From != e.To && e.From != "" && e.To != ""
}

// Post is what the package needs to know about one post. Domain, Community
// and Practice are the classifier's decisions; Resources are normalised links
// and tool names the post uses (the shared repertoire).
type Post struct {
	URI          string
	Author       string // account, e.g. "alice@mastodon.oeru.org"
	Instance     string // host of the author's account; derived from Author when empty
	Tags         []string
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

// Group is a set of accounts and the posts they wrote. ID says how the group
// was found: "graph-N", "tag:NAME" or "instance:HOST".
type Group struct {
	ID      string
	Members []string // sorted
	Posts   []*Post  // point into the slice given to ByGraph, ByTag or ByInstance
}

// ByGraph finds groups in the tie graph (replies, mentions and boosts
// between different accounts) with Louvain modularity optimisation, seeded
// so that the same input gives the same groups.
//
// Members are the accounts in the group, including accounts that were only
// replied to or mentioned and wrote no post in posts. Authors with no tie
// join no group (see the package comment). Groups are ordered by size,
// largest first, then by their first member, and numbered graph-1, graph-2...
func ByGraph(posts []Post, edges []Edge, seed int64) []Group {
	// Sorted names make node ids, and so the result, independent of the
	// order in which the store returned rows.
	names := tiedAccounts(edges)
	if len(names) == 0 {
		return nil
	}
	g := buildTieGraph(names, edges)
	membership := louvain(g, seed)

	nGroups := 0
	for _, c := range membership {
		nGroups = max(nGroups, int(c)+1)
	}
	groups := make([]Group, nGroups)
	for node, c := range membership {
		groups[c].Members = append(groups[c].Members, names[node]) // names are sorted, so members are too
	}
	groupOf := make(map[string]int32, len(names))
	for node, c := range membership {
		groupOf[names[node]] = c
	}
	for i := range posts {
		if c, ok := groupOf[posts[i].Author]; ok {
			groups[c].Posts = append(groups[c].Posts, &posts[i])
		}
	}
	slices.SortStableFunc(groups, func(a, b Group) int {
		if len(a.Members) != len(b.Members) {
			return len(b.Members) - len(a.Members)
		}
		return strings.Compare(a.Members[0], b.Members[0])
	})
	for i := range groups {
		groups[i].ID = fmt.Sprintf("graph-%d", i+1)
	}
	return groups
}

// tiedAccounts returns the sorted, distinct accounts that take part in at
// least one tie.
func tiedAccounts(edges []Edge) []string {
	seen := make(map[string]struct{})
	for i := range edges {
		e := &edges[i]
		if !e.isTie() {
			continue
		}
		seen[e.From] = struct{}{}
		seen[e.To] = struct{}{}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ByTag groups posts by tag (lower-cased); a post with two tags is in both
// groups. Members are the authors of the group's posts. Groups are sorted by
// tag.
func ByTag(posts []Post) []Group {
	return groupBy(posts, "tag:", func(p *Post, add func(string)) {
		for _, tag := range p.Tags {
			add(strings.ToLower(strings.TrimPrefix(tag, "#")))
		}
	})
}

// ByInstance groups posts by the author's instance (Post.Instance, or the
// part of Author after the last '@'). Groups are sorted by host.
func ByInstance(posts []Post) []Group {
	return groupBy(posts, "instance:", func(p *Post, add func(string)) {
		add(instanceOf(p))
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

// groupBy builds one group per key that keysOf gives for a post; empty keys
// are skipped.
func groupBy(posts []Post, prefix string, keysOf func(*Post, func(string))) []Group {
	index := make(map[string]int)
	var groups []Group
	var authorSets []map[string]struct{}
	for i := range posts {
		p := &posts[i]
		keysOf(p, func(key string) {
			if key == "" {
				return
			}
			gi, ok := index[key]
			if !ok {
				gi = len(groups)
				index[key] = gi
				groups = append(groups, Group{ID: prefix + key})
				authorSets = append(authorSets, make(map[string]struct{}))
			}
			// A post listing the same tag twice belongs to the group once.
			if n := len(groups[gi].Posts); n > 0 && groups[gi].Posts[n-1] == p {
				return
			}
			groups[gi].Posts = append(groups[gi].Posts, p)
			authorSets[gi][p.Author] = struct{}{}
		})
	}
	for gi := range groups {
		members := make([]string, 0, len(authorSets[gi]))
		for a := range authorSets[gi] {
			members = append(members, a)
		}
		slices.Sort(members)
		groups[gi].Members = members
	}
	slices.SortFunc(groups, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
	return groups
}
