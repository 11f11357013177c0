package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/radix"
)

// tieSet is the period's interaction network as the picture needs it: each
// pair of accounts once, with the sum of its ties' weights. Accounts are
// ids into names (pseudonyms under --pseudonymize), one id per name.
type tieSet struct {
	names []string
	pairs []tiePair
}

// tiePair is a pair of accounts and their ties' weight in quarters: every
// TieWeight is a multiple of 1/4, so sums are exact in any order.
type tiePair struct {
	a, b     int32
	quarters uint64
}

// packTie packs one tie of the accounts with ids a and b (< 2^30) and a
// weight of up to 7 quarters in a uint64 ordered by the pair: sorted, a
// pair's ties are adjacent.
func packTie(a, b int32, quarters uint64) uint64 {
	if b < a {
		a, b = b, a
	}
	return uint64(a)<<33 | uint64(b)<<3 | quarters
}

// sumPacked sorts packed ties (packTie) and sums each pair's, onto names:
// the ids of accounts with one name (under the pseudonyms) made one.
func sumPacked(packed []uint64, canon []int32) []tiePair {
	radix.Sort(packed)
	var out []tiePair
	for i := 0; i < len(packed); {
		pair, quarters := packed[i]>>3, packed[i]&7
		for i++; i < len(packed) && packed[i]>>3 == pair; i++ {
			quarters += packed[i] & 7
		}
		out = append(out, tiePair{a: canon[pair>>30], b: canon[pair&(1<<30-1)], quarters: quarters})
	}
	return out
}

// mergePairs makes each pair one across the parts' lists (sumPacked's):
// pairs listed twice (from two parts of the period, or made one by
// canonical names) are summed. Lists sorted by pair, as sumPacked's are
// when canonical ids keep the ids' order (no two accounts share a name),
// are merged in one pass; others are sorted together first.
func mergePairs(lists [][]tiePair) []tiePair {
	if len(lists) == 0 {
		return nil
	}
	byPair := func(x, y tiePair) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) }
	sorted := true
	for _, list := range lists {
		for i := range list {
			if list[i].b < list[i].a {
				list[i].a, list[i].b = list[i].b, list[i].a
			}
		}
		sorted = sorted && slices.IsSortedFunc(list, byPair)
	}
	if !sorted {
		all := slices.Concat(lists...)
		slices.SortFunc(all, byPair)
		lists = [][]tiePair{all}
	}
	var out []tiePair
	add := func(p tiePair) {
		if n := len(out); n > 0 && out[n-1].a == p.a && out[n-1].b == p.b {
			out[n-1].quarters += p.quarters
			return
		}
		out = append(out, p)
	}
	// Two by two: the parts are few.
	merged := lists[0]
	for _, next := range lists[1:] {
		out = make([]tiePair, 0, len(merged)+len(next))
		i, j := 0, 0
		for i < len(merged) && j < len(next) {
			if byPair(next[j], merged[i]) < 0 {
				add(next[j])
				j++
			} else {
				add(merged[i])
				i++
			}
		}
		for ; i < len(merged); i++ {
			add(merged[i])
		}
		for ; j < len(next); j++ {
			add(next[j])
		}
		merged = out
	}
	out = merged[:0]
	for _, p := range merged {
		add(p)
	}
	return slices.Clip(out)
}

// canonicalNames gives each account its name as the report shows it
// (rename, when given, maps it) and each id the first id of its name.
func canonicalNames(accounts []string, rename func(string) string) (names []string, canon []int32) {
	names = accounts
	if rename != nil {
		names = make([]string, len(accounts))
		for i, a := range accounts {
			names[i] = rename(a)
		}
	}
	canon, _ = community.CanonicalIDs(names)
	return names, canon
}

// tiesOf is the ties of a map from name pairs to weights.
func tiesOf(pairWeight map[[2]string]float64) tieSet {
	var t tieSet
	ids := map[string]int32{}
	id := func(name string) int32 { return internName(&t.names, &ids, name) }
	for pair, w := range pairWeight {
		t.pairs = append(t.pairs, tiePair{a: id(pair[0]), b: id(pair[1]), quarters: uint64(w * 4)})
	}
	return t
}

// network draws the picture of the period's interaction network: the
// maxNodes accounts with the most weight of ties, and the ties between
// them.
func (rep *Report) network(t tieSet, memberOf map[string]string, maxNodes int) {
	degree := make([]float64, len(t.names))
	tied := make([]bool, len(t.names))
	for _, p := range t.pairs {
		w := float64(p.quarters) / 4
		degree[p.a] += w
		degree[p.b] += w
		tied[p.a], tied[p.b] = true, true
	}
	var accts []int32
	for id, ok := range tied {
		if ok {
			accts = append(accts, int32(id))
		}
	}
	slices.SortFunc(accts, func(a, b int32) int {
		return cmp.Or(cmp.Compare(degree[b], degree[a]), strings.Compare(t.names[a], t.names[b]))
	})
	net := &rep.Network
	net.Accounts, net.Ties = len(accts), len(t.pairs)
	accts = accts[:min(maxNodes, len(accts))]
	index := make([]int, len(t.names))
	for i := range index {
		index[i] = -1
	}
	for _, id := range accts {
		a := t.names[id]
		c := memberOf[a]
		if c == "" {
			c = "none"
		}
		index[id] = len(net.Nodes)
		net.Nodes = append(net.Nodes, NetNode{Acct: a, Community: c, Weight: degree[id]})
	}
	for _, p := range t.pairs {
		i, j := index[p.a], index[p.b]
		if i < 0 || j < 0 {
			continue
		}
		// An edge runs from the account first by name.
		if t.names[p.b] < t.names[p.a] {
			i, j = j, i
		}
		net.Edges = append(net.Edges, NetEdge{A: i, B: j, Weight: float64(p.quarters) / 4})
	}
	slices.SortFunc(net.Edges, func(a, b NetEdge) int { return cmp.Or(cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B)) })
	layoutCircles(net.Nodes)
}
