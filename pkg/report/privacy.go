package report

import (
	"context"

	"github.com/oeru/copharvest/pkg/privacy"
	"github.com/oeru/copharvest/pkg/store"
)

// leaveOutOptedOut removes the people who opted out from everything the
// report names: their posts from the lists, their handles, names and links
// from other people's excerpts (privacy.Marker), links to them from the
// resources, them from the new members and the network picture. Counts
// and community measures still include their activity: a number names
// nobody, and leaving them out would misstate how active the course was.
func (rep *Report) leaveOutOptedOut(ctx context.Context, st *store.Store, ps Pseudonyms) error {
	people, err := st.OptedOutAccounts(ctx)
	if err != nil {
		return err
	}
	if len(people) == 0 {
		return nil
	}
	list := make([]privacy.Person, len(people))
	for i, p := range people {
		list[i] = privacy.Person{Acct: p.Acct, DisplayName: p.DisplayName, URL: p.URL, URI: p.URI, AccountIDs: p.AccountIDs}
	}
	r := privacy.NewRedactor(list)
	// The network picture is drawn with pseudonyms already when asked for:
	// know the people who opted out by theirs too.
	pseudonymOf := map[string]bool{}
	if ps != nil {
		for _, p := range people {
			pseudonymOf[ps.Account(p.Acct)] = true
		}
	}
	excluded := func(acct string) bool { return r.Excluded(acct) || pseudonymOf[acct] }
	refs := func(in []PostRef) []PostRef {
		out := in[:0]
		for _, p := range in {
			if r.Excluded(p.Author) {
				continue
			}
			p.Excerpt = r.Text(p.Excerpt, nil)
			out = append(out, p)
		}
		return out
	}
	rep.Unanswered, rep.Ideas, rep.Practice = refs(rep.Unanswered), refs(rep.Ideas), refs(rep.Practice)
	members := rep.NewMembers[:0]
	for _, m := range rep.NewMembers {
		if !r.Excluded(m) {
			members = append(members, m)
		}
	}
	rep.NewMembers = members
	resources := rep.Resources[:0]
	for _, res := range rep.Resources {
		// Resources are normalised links without a scheme.
		if r.Link("https://"+res.Name) != privacy.Marker && !r.Traces(res.Name) {
			resources = append(resources, res)
		}
	}
	rep.Resources = resources
	net := &rep.Network
	index := make([]int, len(net.Nodes))
	nodes := net.Nodes[:0]
	for i, n := range net.Nodes {
		index[i] = -1
		if !excluded(n.Acct) {
			n.Community = r.GroupName(n.Community)
			index[i] = len(nodes)
			nodes = append(nodes, n)
		}
	}
	net.Nodes = nodes
	edges := net.Edges[:0]
	for _, e := range net.Edges {
		if index[e.A] >= 0 && index[e.B] >= 0 {
			edges = append(edges, NetEdge{A: index[e.A], B: index[e.B], Weight: e.Weight})
		}
	}
	net.Edges = edges
	for i := range rep.Communities {
		c := &rep.Communities[i]
		c.Why = r.Text(c.Why, nil)
		// Groups are named after their central members.
		c.ID, c.PreviousID = r.GroupName(c.ID), r.GroupName(c.PreviousID)
		kept := c.MemberList[:0]
		for _, m := range c.MemberList {
			if !excluded(m) {
				kept = append(kept, m)
			}
		}
		c.MemberList = kept
	}
	return nil
}
