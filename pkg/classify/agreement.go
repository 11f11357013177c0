package classify

import (
	"math/rand/v2"
	"sort"
)

// BootstrapRounds is how many resamples a kappa interval is drawn from.
const BootstrapRounds = 2000

// BootstrapKappa returns the 95% percentile interval of Cohen's kappa
// between two codings a and b of the same posts, resampling whole groups
// (threads: posts of one conversation are not independent) with
// replacement. The seed makes it repeatable.
func BootstrapKappa(a, b []bool, groups []string, rounds int, seed uint64) (low, high float64) {
	if len(a) == 0 {
		return 0, 0
	}
	var order []string
	members := map[string][]int{}
	for i, g := range groups {
		if _, ok := members[g]; !ok {
			order = append(order, g)
		}
		members[g] = append(members[g], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b617070))
	kappas := make([]float64, rounds)
	for r := range kappas {
		var t [4]int
		for range order {
			for _, i := range members[order[rng.IntN(len(order))]] {
				t[cell(a[i], b[i])]++
			}
		}
		kappas[r], _, _ = CohenKappa(t[0], t[1], t[2], t[3])
	}
	sort.Float64s(kappas)
	return kappas[int(0.025*float64(rounds))], kappas[min(rounds-1, int(0.975*float64(rounds)))]
}

func cell(a, b bool) int {
	switch {
	case a && b:
		return 0
	case a:
		return 1
	case b:
		return 2
	}
	return 3
}

// CompareCodes compares two codings of one dimension: truth (the coder of
// reference) and got (a second coder, or the classifier).
func CompareCodes(name string, truth, got []bool, groups []string, rounds int, seed uint64) DimensionReport {
	d := DimensionReport{Name: name, N: len(truth)}
	for i := range truth {
		switch cell(got[i], truth[i]) {
		case 0:
			d.TP++
		case 1:
			d.FP++
		case 2:
			d.FN++
		default:
			d.TN++
		}
	}
	d.compute()
	d.KappaLow, d.KappaHigh = BootstrapKappa(truth, got, groups, rounds, seed)
	return d
}

// Agreement compares two coders' labels of the same posts (matched by uri,
// or thread and key): per dimension kappa with its interval, and the posts
// only one of them coded.
type Agreement struct {
	N          int
	OnlyA      []string
	OnlyB      []string
	Dimensions []DimensionReport
}

// CompareLabels measures inter-coder agreement between a and b; b's codes
// take the place of the classifier's (precision and recall read as b's
// against a's).
func CompareLabels(a, b []Label) Agreement {
	byURI := map[string]*Label{}
	for i := range b {
		byURI[b[i].URI] = &b[i]
	}
	var ag Agreement
	var groups []string
	truth, got := make([][]bool, 3), make([][]bool, 3)
	inA := map[string]bool{}
	for _, la := range a {
		inA[la.URI] = true
		lb, ok := byURI[la.URI]
		if !ok {
			ag.OnlyA = append(ag.OnlyA, la.URI)
			continue
		}
		ag.N++
		groups = append(groups, la.group())
		for d, v := range [][2]bool{{la.Domain, lb.Domain}, {la.Community, lb.Community}, {la.Practice, lb.Practice}} {
			truth[d] = append(truth[d], v[0])
			got[d] = append(got[d], v[1])
		}
	}
	for _, lb := range b {
		if !inA[lb.URI] {
			ag.OnlyB = append(ag.OnlyB, lb.URI)
		}
	}
	for d, name := range DimensionNames {
		ag.Dimensions = append(ag.Dimensions, CompareCodes(name, truth[d], got[d], groups, BootstrapRounds, 1))
	}
	return ag
}
