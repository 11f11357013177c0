// Package analysis joins the store and the community package: it loads the
// posts and interactions of a window, groups them (interaction graph, tag or
// instance), measures each group and gives its verdict with reasons.
package analysis

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/store"
)

// Grouping says how communities are formed.
type Grouping string

const (
	ByGraph    Grouping = "graph"
	ByTag      Grouping = "tag"
	ByInstance Grouping = "instance"
)

// ParseGrouping validates a --by value.
func ParseGrouping(s string) (Grouping, error) {
	switch g := Grouping(s); g {
	case ByGraph, ByTag, ByInstance:
		return g, nil
	}
	return "", fmt.Errorf("--by must be graph, tag or instance, not %q", s)
}

// Options of one analysis.
type Options struct {
	By         Grouping
	Window     community.Window
	Thresholds community.Thresholds
	Seed       int64
	// Save stores each account's graph community and verdict, for exports.
	Save bool
}

// Community is one group with its measures and verdict.
type Community struct {
	ID      string             `json:"id"`
	Members []string           `json:"members"`
	Metrics community.Metrics  `json:"metrics"`
	Verdict community.Verdict  `json:"verdict"`
	Reasons []community.Reason `json:"reasons"`
}

// Result is a whole analysis.
type Result struct {
	By          Grouping         `json:"by"`
	Window      community.Window `json:"window"`
	Posts       int              `json:"posts"`
	Classified  int              `json:"classified"`
	Communities []Community      `json:"communities"`
}

// Run loads the window's data from st and analyses it.
func Run(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	d, err := load(ctx, st, opts.Window)
	if err != nil {
		return Result{By: opts.By, Window: opts.Window}, err
	}
	res, assign := analyze(d, opts)
	if opts.Save && opts.By == ByGraph {
		if err := st.SaveCommunities(ctx, assign); err != nil {
			return res, err
		}
	}
	return res, nil
}

// RunWindows analyses several windows (e.g. this week's twelve and last
// week's) from one load of their union: they mostly overlap, and loading is
// most of the cost. It never saves assignments.
func RunWindows(ctx context.Context, st *store.Store, opts Options, windows ...community.Window) ([]Result, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	union := windows[0]
	for _, w := range windows[1:] {
		if w.Start.IsZero() || (!union.Start.IsZero() && w.Start.Before(union.Start)) {
			union.Start = w.Start
		}
		if w.End.IsZero() || (!union.End.IsZero() && w.End.After(union.End)) {
			union.End = w.End
		}
	}
	all, err := load(ctx, st, union)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(windows))
	for i, w := range windows {
		o := opts
		o.Window = w
		out[i], _ = analyze(all.within(w), o)
	}
	return out, nil
}

// loaded is a window's posts and interactions, ready for the community package.
type loaded struct {
	posts      []community.Post
	classified []bool
	edges      []community.Edge
	edgePostAt []time.Time // creation time of each edge's post: what windows select on
}

func load(ctx context.Context, st *store.Store, w community.Window) (*loaded, error) {
	d := &loaded{}
	in := interner{}
	err := st.PostFacts(ctx, w.Start, w.End, func(f *store.PostFact) error {
		d.posts = append(d.posts, toPost(f, in))
		d.classified = append(d.classified, f.Classified)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = st.EdgeFacts(ctx, w.Start, w.End, func(e *store.EdgeFact) error {
		if kind, ok := edgeKinds[e.Kind]; ok {
			d.edges = append(d.edges, community.Edge{From: in.of(e.From), To: in.of(e.To), Kind: kind, At: e.At, PostURI: postKey(e.PostID)})
			d.edgePostAt = append(d.edgePostAt, e.PostAt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// PostFacts streams posts in creation order; put the edges in the order
	// of their posts too, so that within() can slice.
	sort.Stable((*byPostTime)(d))
	return d, nil
}

// within keeps what a narrower window selects (posts and edges by the
// creation time of their post, as the store does). Both are sorted by that
// time, so a window is a sub-slice: no copy of a million posts.
func (d *loaded) within(w community.Window) *loaded {
	span := func(n int, at func(int) time.Time) (int, int) {
		lo, hi := 0, n
		if !w.Start.IsZero() {
			lo = sort.Search(n, func(i int) bool { return !at(i).Before(w.Start) })
		}
		if !w.End.IsZero() {
			hi = sort.Search(n, func(i int) bool { return !at(i).Before(w.End) })
		}
		return lo, max(lo, hi)
	}
	plo, phi := span(len(d.posts), func(i int) time.Time { return d.posts[i].At })
	elo, ehi := span(len(d.edges), func(i int) time.Time { return d.edgePostAt[i] })
	return &loaded{posts: d.posts[plo:phi], classified: d.classified[plo:phi], edges: d.edges[elo:ehi], edgePostAt: d.edgePostAt[elo:ehi]}
}

// byPostTime sorts edges by the creation time of their post.
type byPostTime loaded

func (b *byPostTime) Len() int           { return len(b.edges) }
func (b *byPostTime) Less(i, j int) bool { return b.edgePostAt[i].Before(b.edgePostAt[j]) }
func (b *byPostTime) Swap(i, j int) {
	b.edges[i], b.edges[j] = b.edges[j], b.edges[i]
	b.edgePostAt[i], b.edgePostAt[j] = b.edgePostAt[j], b.edgePostAt[i]
}

// analyze groups, measures and decides; it also returns the assignments.
func analyze(d *loaded, opts Options) (Result, []store.CommunityAssignment) {
	res := Result{By: opts.By, Window: opts.Window, Posts: len(d.posts)}
	for _, c := range d.classified {
		if c {
			res.Classified++
		}
	}
	var groups []community.Group
	switch opts.By {
	case ByTag:
		groups = community.ByTag(d.posts)
	case ByInstance:
		groups = community.ByInstance(d.posts)
	default:
		groups = community.ByGraph(d.posts, d.edges, opts.Seed)
	}
	metrics := community.MeasureAll(groups, d.edges, opts.Window, opts.Thresholds)
	var assign []store.CommunityAssignment
	for i, g := range groups {
		v, reasons := community.Decide(metrics[i], opts.Thresholds)
		res.Communities = append(res.Communities, Community{ID: g.ID, Members: g.Members, Metrics: metrics[i], Verdict: v, Reasons: reasons})
		for _, m := range g.Members {
			assign = append(assign, store.CommunityAssignment{Acct: m, Community: g.ID, Verdict: string(v)})
		}
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
	seen := map[string]bool{}
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			p.Resources = append(p.Resources, in.of(r))
		}
	}
	for _, l := range f.Links {
		add(NormalizeResource(l))
	}
	p.Question = classify.AsksQuestion(f.Rules)
	for _, m := range classify.Tools(f.Rules) { // named tools and artefacts: the shared repertoire
		add("tool:" + m)
	}
	p.Answered = p.Question && f.OtherRepliers > 0
	switch {
	case f.ParentID > 0:
		p.InReplyToURI = postKey(f.ParentID)
	case f.IsReply: // the parent is not stored: still a reply, to no known post
		p.InReplyToURI = "^" + p.URI
	}
	return p
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
