// Package analysis joins the store and the community package: it loads the
// posts and interactions of a window, groups them (interaction graph, tag or
// instance), measures each group and gives its verdict with reasons.
package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

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

// Hit is a fired classification rule as stored in classifications.rules.
type Hit struct {
	Rule    string   `json:"rule"`
	Weight  float64  `json:"weight"`
	Matched []string `json:"matched,omitempty"`
}

// Run loads the window's data from st and analyses it.
func Run(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	res := Result{By: opts.By, Window: opts.Window}
	var posts []community.Post
	in := interner{}
	err := st.PostFacts(ctx, opts.Window.Start, opts.Window.End, func(f *store.PostFact) error {
		posts = append(posts, toPost(f, in))
		res.Posts++
		if f.Classified {
			res.Classified++
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	var edges []community.Edge
	err = st.EdgeFacts(ctx, opts.Window.Start, opts.Window.End, func(e *store.EdgeFact) error {
		kind, ok := edgeKinds[e.Kind]
		if ok {
			edges = append(edges, community.Edge{From: in.of(e.From), To: in.of(e.To), Kind: kind, At: e.At, PostURI: e.PostURI})
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	var groups []community.Group
	switch opts.By {
	case ByTag:
		groups = community.ByTag(posts)
	case ByInstance:
		groups = community.ByInstance(posts)
	default:
		groups = community.ByGraph(posts, edges, opts.Seed)
	}
	metrics := community.MeasureAll(groups, edges, opts.Window, opts.Thresholds)
	var assign []store.CommunityAssignment
	for i, g := range groups {
		v, reasons := community.Decide(metrics[i], opts.Thresholds)
		res.Communities = append(res.Communities, Community{ID: g.ID, Members: g.Members, Metrics: metrics[i], Verdict: v, Reasons: reasons})
		for _, m := range g.Members {
			assign = append(assign, store.CommunityAssignment{Acct: m, Community: g.ID, Verdict: string(v)})
		}
	}
	if opts.Save && opts.By == ByGraph {
		if err := st.SaveCommunities(ctx, assign); err != nil {
			return res, err
		}
	}
	return res, nil
}

var edgeKinds = map[string]community.EdgeKind{
	"reply": community.Reply, "mention": community.Mention, "boost": community.Boost, "favourite": community.Favourite,
}

// ParseHits reads a classifications.rules value.
func ParseHits(rules string) []Hit {
	var hits []Hit
	if rules != "" {
		_ = json.Unmarshal([]byte(rules), &hits)
	}
	return hits
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
	p := community.Post{
		URI: f.URI, Author: in.of(f.Author), Instance: in.of(f.Instance), At: f.At,
		InReplyToURI: f.InReplyToURI, InReplyToAuthor: in.of(f.InReplyToAuthor),
		Domain: f.Domain, Community: f.Community, Practice: f.Practice,
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
	// Decoding the rules JSON of every post is most of the load time; only
	// two rules matter here, so look for them first.
	p.Question = strings.Contains(f.Rules, `"rule":"C3"`)
	for _, m := range matchedBy(f.Rules, "P3") { // named tools and artefacts: the shared repertoire
		add("tool:" + strings.ToLower(m))
	}
	p.Answered = p.Question && f.OtherRepliers > 0
	return p
}

// matchedBy returns the words rule matched, decoding only that hit's
// "matched" array of the stored rules JSON (HitsJSON writes rule first).
func matchedBy(rules, rule string) []string {
	i := strings.Index(rules, `{"rule":"`+rule+`"`)
	if i < 0 {
		return nil
	}
	hit := rules[i:]
	j := strings.Index(hit, `"matched":`)
	// The hit has no words when "matched" is missing or belongs to a later hit.
	if next := strings.Index(hit[1:], `{"rule":"`); j < 0 || (next >= 0 && j > next+1) {
		return nil
	}
	var words []string
	dec := json.NewDecoder(strings.NewReader(hit[j+len(`"matched":`):]))
	if dec.Decode(&words) != nil {
		return nil
	}
	return words
}

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
