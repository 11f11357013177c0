package analysis

import (
	"context"
	"encoding/json"

	"github.com/oeru/copharvest/pkg/store"
)

// BothWays analyses opts.Period from the posts themselves (the path a
// read-only store with out-of-date facts takes) and from the stored facts,
// and returns both results as JSON.
func BothWays(ctx context.Context, st *store.Store, opts Options) (fromRows, fromFacts []byte, err error) {
	w := Window(opts.Period)
	rows, err := loadRows(ctx, st, w)
	if err != nil {
		return nil, nil, err
	}
	facts, err := loadFacts(ctx, st, w, nil)
	if err != nil {
		return nil, nil, err
	}
	a, _ := analyze(rows, opts, nil)
	b, _ := analyze(facts, opts, nil)
	if fromRows, err = json.Marshal(a); err != nil {
		return nil, nil, err
	}
	fromFacts, err = json.Marshal(b)
	return fromRows, fromFacts, err
}

// SetFactsPerPart sets the fewest posts read as a part of their own, so
// that a small test store takes the two-part read; it returns the
// previous value.
func SetFactsPerPart(n int) int {
	old := factsPerPart
	factsPerPart = n
	return old
}

// FactRow is what the analysis keeps of a post (factRow).
var FactRow = factRow
