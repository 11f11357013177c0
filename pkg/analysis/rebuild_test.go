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

// dumpClassified returns the classifications (all but the time they were
// written), the facts, their terms and the queue of facts to build.
func dumpClassified(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	rows, err := st.DB().QueryContext(context.Background(), `SELECT post_id, version, domain_score, domain, community_score, community,
		practice_score, practice, rules FROM classifications ORDER BY post_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c store.Classification
		if err := rows.Scan(&c.PostID, &c.Version, &c.DomainScore, &c.Domain, &c.CommunityScore, &c.Community, &c.PracticeScore, &c.Practice, &c.Rules); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n", c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	n, _, err := st.FactsPending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "%d queued\n", n)
	return b.String() + dumpFacts(t, st)
}

// classifiedAt returns when each classification was written, by post.
func classifiedAt(t *testing.T, st *store.Store) map[int64]string {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), `SELECT post_id, classified_at FROM classifications`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var at string
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		out[id] = at
	}
	return out
}

func exec(t *testing.T, st *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := st.DB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestRebuildRewritesWhatDiffersAndEndsAsAFullRewrite: a rebuild leaves
// alone the classifications it decides again as stored (on SQLite, where
// it reads them with the posts), rewrites every one that differs in any
// column (and the facts of those whose facts change), and leaves the
// database as a rebuild that rewrites everything does.
func TestRebuildRewritesWhatDiffersAndEndsAsAFullRewrite(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "rebuild.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	syntheticCourse(t, st, 1500)
	if _, err := st.Tombstone(ctx, []string{"https://bench.example/s/1200"}); err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.DefaultLexicon())
	if n, err := analysis.ClassifyStore(ctx, st, c, false); err != nil || n != 1499 {
		t.Fatalf("first classification: %d posts (%v), want 1499", n, err)
	}
	// What a rebuild that writes everything leaves.
	exec(t, st, `DELETE FROM classifications`)
	if _, err := analysis.ClassifyStore(ctx, st, c, true); err != nil {
		t.Fatal(err)
	}
	want := dumpClassified(t, st)

	// Each of these rows differs from what the classifier decides in one
	// column; the facts are brought up to date with them, as if an
	// earlier model had written them.
	var ids []int64
	rows, err := st.DB().QueryContext(ctx, `SELECT post_id FROM classifications WHERE practice = 1 ORDER BY post_id LIMIT 8`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 8 {
		t.Fatalf("%d posts with practice, want 8", len(ids))
	}
	changes := []string{`version = 'model-0'`, `domain_score = domain_score + 0.5`, `domain = 1 - domain`,
		`community_score = community_score / 2`, `community = 1 - community`, `practice_score = practice_score - 0.25`,
		`practice = 0`, `rules = '[]'`}
	for i, set := range changes {
		exec(t, st, `UPDATE classifications SET `+set+` WHERE post_id = ?`, ids[i])
	}
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	if dumpClassified(t, st) == want {
		t.Fatal("the altered classifications and facts are those of a full rewrite")
	}
	const marker = "2000-01-01T00:00:00Z"
	exec(t, st, `UPDATE classifications SET classified_at = ?`, marker)

	if n, err := analysis.ClassifyStore(ctx, st, c, true); err != nil || n != 1499 {
		t.Fatalf("rebuild: %d posts (%v), want 1499", n, err)
	}
	if got := dumpClassified(t, st); got != want {
		t.Errorf("after the rebuild the database differs from a full rewrite:\ngot:  %.2000s\nwant: %.2000s", got, want)
	}
	at := classifiedAt(t, st)
	for i, id := range ids {
		if at[id] == marker {
			t.Errorf("post %d, stored with %s: its classification was not written again", id, changes[i])
		}
	}
	if store.IsPostgres(path) {
		return // PostgreSQL reads no stored classification: it writes every row
	}
	kept := 0
	for _, a := range at {
		if a == marker {
			kept++
		}
	}
	if kept != len(at)-len(ids) {
		t.Errorf("%d classifications left as they were, want the %d the rebuild decides alike", kept, len(at)-len(ids))
	}
}

// TestRebuildWritesClassificationsChangedMeanwhile: when another
// connection writes between the reading of the posts and the saving of
// their classification, what was read of the stored classifications may
// be out of date: every row is written.
func TestRebuildWritesClassificationsChangedMeanwhile(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "meanwhile.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	syntheticCourse(t, st, 600)
	c := classify.New(classify.DefaultLexicon())
	if _, err := analysis.ClassifyStore(ctx, st, c, false); err != nil {
		t.Fatal(err)
	}
	want := dumpClassified(t, st)
	other, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var first int64
	if err := st.DB().QueryRowContext(ctx, `SELECT MIN(post_id) FROM classifications`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	classifyWithFacts(t, st, func() {
		if _, err := other.DB().ExecContext(ctx, `UPDATE classifications SET version = 'model-0' WHERE post_id = ?`, first); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := analysis.EnsureFacts(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got := dumpClassified(t, st); got != want {
		t.Errorf("a classification changed by another connection during the rebuild was left so:\ngot:  %.1000s\nwant: %.1000s", got, want)
	}
}

// TestClassificationOfAPostDeletedMeanwhileFails: a post deleted by another
// connection between the reading of the posts and the saving of their
// classification gets none (the foreign key the bulk transaction does not
// check): the save fails, as the check would have made it.
func TestClassificationOfAPostDeletedMeanwhileFails(t *testing.T) {
	ctx := context.Background()
	path := pgtest.DB(t, "deleted.db")
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	syntheticCourse(t, st, 300)
	other, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var last int64
	if err := st.DB().QueryRowContext(ctx, `SELECT MAX(id) FROM posts WHERE in_reply_to_post IS NULL AND NOT EXISTS (SELECT 1 FROM posts r WHERE r.in_reply_to_post = posts.id OR r.thread_root = posts.id AND r.id <> posts.id)`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.DefaultLexicon())
	fw := store.NewFactsWriter(analysis.FactRow)
	var saveErr error
	err = st.ClassifyBatches(ctx, c.Version(), false, 1000, func(batch []store.ClassifyRow) error {
		for _, q := range []string{`DELETE FROM interactions WHERE post_id = ?`, `DELETE FROM post_ids WHERE post_id = ?`, `DELETE FROM posts WHERE id = ?`} {
			if _, err := other.DB().ExecContext(ctx, q, last); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		out := make([]store.Classification, len(batch))
		var sources []*store.FactSource
		for i := range batch {
			out[i] = analysis.Record(batch[i].PostID, c.Classify(analysis.Input(&batch[i])))
			if batch[i].Fact != nil {
				sources = append(sources, batch[i].Fact)
			}
		}
		saveErr = st.SaveClassificationsWithFacts(ctx, out, sources, fw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if saveErr == nil {
		t.Error("classifications of a post deleted meanwhile were saved")
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM classifications c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d classifications of posts not stored (%v)", n, err)
	}
}
