package analysis_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/store"
)

// dumpFacts returns every stored fact and term, ordered by key.
func dumpFacts(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT post_id, at, author, fact FROM post_facts ORDER BY post_id`, `SELECT id, term, '', '' FROM fact_terms ORDER BY id`} {
		rows, err := st.DB().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b2, c, d []byte
			if err := rows.Scan(&a, &b2, &c, &d); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s %s %x\n", a, b2, c, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// classifyWithFacts classifies every post as ClassifyStore does, with the
// facts written by each batch's transaction, and calls between (if not
// nil) after the first batch is read and before it is saved.
func classifyWithFacts(t *testing.T, st *store.Store, between func()) {
	t.Helper()
	ctx := context.Background()
	c := classify.New(classify.DefaultLexicon())
	fw := store.NewFactsWriter(analysis.FactRow)
	err := st.ClassifyBatches(ctx, c.Version(), false, 500, func(batch []store.ClassifyRow) error {
		if between != nil {
			between()
			between = nil
		}
		out := make([]store.Classification, len(batch))
		var sources []*store.FactSource
		for i := range batch {
			out[i] = analysis.Record(batch[i].PostID, c.Classify(analysis.Input(&batch[i])))
			if batch[i].Fact != nil {
				sources = append(sources, batch[i].Fact)
			}
		}
		return st.SaveClassificationsWithFacts(ctx, out, sources, fw)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFactsWrittenWithTheClassificationAreThoseBuiltLater: the facts a
// classification writes in its own transaction, from what was read with
// the posts, are byte for byte those BuildFacts writes from the tables
// afterwards (term ids included), on data with replies to stored and
// unknown posts, mentions of stored and unknown accounts, links, boosts,
// favourites and deleted posts; the deleted posts stay queued for
// BuildFacts.
func TestFactsWrittenWithTheClassificationAreThoseBuiltLater(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "withfacts.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	syntheticCourse(t, st, 1500)
	if err := st.UpdateThreadRoots(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tombstone(ctx, []string{"https://bench.example/s/1200", "https://bench.example/s/2400"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Facts written with each classification.
	st = openFresh(t, path)
	classifyWithFacts(t, st, nil)
	pending, _, err := st.FactsPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !store.IsPostgres(path) && pending != 2 {
		t.Errorf("%d posts still queued after classifying, want the 2 deleted ones (the others' facts written with their classification)", pending)
	}
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	withClassification := dumpFacts(t, st)
	st.Close()

	// The same classifications, facts built afterwards from the tables.
	st = openFresh(t, path)
	c := classify.New(classify.DefaultLexicon())
	if err := st.ClassifyBatches(ctx, c.Version(), false, 500, func(batch []store.ClassifyRow) error {
		out := make([]store.Classification, len(batch))
		for i := range batch {
			out[i] = analysis.Record(batch[i].PostID, c.Classify(analysis.Input(&batch[i])))
		}
		return st.SaveClassifications(ctx, out)
	}); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := st.FactsPending(ctx); n != 1500 {
		t.Fatalf("%d posts queued before building, want all 1500", n)
	}
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	later := dumpFacts(t, st)
	st.Close()
	if later != withClassification {
		t.Errorf("facts written with the classification differ from those built later:\nwith: %.1000s\nlater: %.1000s", withClassification, later)
	}
	if n := strings.Count(later, "\n"); n < 1498 {
		t.Errorf("%d facts and terms, want at least the 1498 live posts' facts", n)
	}
}

// openFresh opens path with no classification, no facts and every post
// queued: as a harvested database before its first classify.
func openFresh(t *testing.T, path string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM classifications`, `DELETE FROM post_facts`, `DELETE FROM fact_terms`,
		`INSERT INTO post_facts_pending SELECT id FROM posts WHERE NOT EXISTS (SELECT 1 FROM post_facts_pending q WHERE q.post_id = posts.id)`} {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			st.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	return st
}

// TestFactsOfPostsChangedMeanwhileAreBuiltFromTheTables: when another
// connection writes between the reading of the posts and the saving of
// their classification (a sync's boost of a post here), what was read may
// be out of date: the classification writes no facts, the posts stay
// queued, and the facts built then hold the boost.
func TestFactsOfPostsChangedMeanwhileAreBuiltFromTheTables(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "meanwhile.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	syntheticCourse(t, st, 600)
	st.Close()
	st = openFresh(t, path)
	defer st.Close()
	const boosted = "https://bench.example/s/1001"
	// Closed after the classification: closing while its read is open
	// would wait for a checkpoint.
	other, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	classifyWithFacts(t, st, func() {
		if err := other.SaveInteractions(ctx, boosted, []store.Account{{Acct: "late-booster@bench.example"}}, nil); err != nil {
			t.Fatal(err)
		}
	})
	if n, _, err := st.FactsPending(ctx); err != nil || n != 600 {
		t.Errorf("%d posts queued (%v) after a write by another connection during the classification, want all 600", n, err)
	}
	var booster int64
	if err := st.DB().QueryRowContext(ctx, `SELECT id FROM accounts WHERE acct = ?`, "late-booster@bench.example").Scan(&booster); err != nil {
		t.Fatal(err)
	}
	f := factOf(t, st, boosted)
	found := false
	for _, a := range f.Acts {
		found = found || a.Kind == store.ActBoost && a.Account == booster
	}
	if !found {
		t.Errorf("facts of the post boosted meanwhile: acts %v, want a boost by %d", f.Acts, booster)
	}
	if f.Flags&store.FactClassified == 0 {
		t.Errorf("facts of the post boosted meanwhile: flags %b, want it classified", f.Flags)
	}
}
