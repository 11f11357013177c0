package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"
)

// ClassifyBatches reads every post as ClassifyRows does, whichever way it
// reads them (merged streams on SQLite, per-post subqueries otherwise):
// threads stored out of order, parents never stored, replies by the
// author, by repeated and by deleted repliers, several tags and mentions,
// deleted posts; and in batches of the size asked for.
func TestClassifyBatchesReadAsClassifyRows(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(3, 5))
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var posts []Post
			for i := range 400 {
				id := fmt.Sprint(1000 + i)
				p := post("https://a.example/s/"+id, id, at.Add(time.Duration(i)*time.Minute))
				p.Account.Acct = fmt.Sprintf("u%d@a.example", rng.IntN(12))
				p.Content = fmt.Sprintf("<p>post %d #cop</p>", i)
				p.Tags = []string{"cop", "ds4oers", "oer", "x"}[:rng.IntN(4)]
				switch k := rng.IntN(6); {
				case i > 0 && k < 3:
					p.InReplyToLocalID = fmt.Sprint(1000 + rng.IntN(i))
				case k == 3:
					p.InReplyToLocalID = fmt.Sprint(9000 + i) // never stored
				case k == 4:
					p.InReplyToAcct = "gone@b.example"
				}
				for range rng.IntN(3) {
					p.Mentions = append(p.Mentions, fmt.Sprintf("u%d@a.example", rng.IntN(12)))
				}
				if rng.IntN(4) == 0 {
					p.SpoilerText, p.CardURL, p.MediaCount = "cw", "https://oer.example/x", rng.IntN(3)
				}
				for range rng.IntN(3) {
					p.Links = append(p.Links, Link{URL: fmt.Sprintf("https://oer.example/r/%d", rng.IntN(20))})
				}
				posts = append(posts, p)
			}
			rng.Shuffle(len(posts), func(i, j int) { posts[i], posts[j] = posts[j], posts[i] })
			for start := 0; start < len(posts); start += 50 {
				if _, err := st.SaveThread(ctx, "a.example", posts[start:start+50], nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.UpdateThreadRoots(ctx); err != nil {
				t.Fatal(err)
			}
			var gone []string
			for _, p := range posts[:40] {
				gone = append(gone, p.URI)
			}
			if _, err := st.Tombstone(ctx, gone); err != nil {
				t.Fatal(err)
			}
			for _, p := range posts[40:120] {
				var boosters, favouriters []Account
				for range rng.IntN(3) {
					boosters = append(boosters, Account{Acct: fmt.Sprintf("u%d@a.example", rng.IntN(12))})
				}
				for range rng.IntN(3) {
					favouriters = append(favouriters, Account{Acct: fmt.Sprintf("u%d@a.example", rng.IntN(12))})
				}
				if err := st.SaveInteractions(ctx, p.URI, boosters, favouriters); err != nil {
					t.Fatal(err)
				}
			}

			var want []ClassifyRow
			if err := st.ClassifyRows(ctx, "v", false, func(r *ClassifyRow) error {
				c := *r
				c.URL, c.CreatedAt = "", time.Time{}
				want = append(want, c)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var got []ClassifyRow
			var sizes []int
			if err := st.ClassifyBatches(ctx, "v", false, 64, func(batch []ClassifyRow) error {
				sizes = append(sizes, len(batch))
				got = append(got, batch...)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if b.Name == "sqlite" {
				// The merged read's two ways, past the driver (above) and
				// through the pool's connection, read the same rows, facts
				// included.
				st.noRawReader = true
				var pooled []ClassifyRow
				if err := st.ClassifyBatches(ctx, "v", false, 64, func(batch []ClassifyRow) error {
					pooled = append(pooled, batch...)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				st.noRawReader = false
				acts := 0
				for i := range got {
					acts += len(got[i].Fact.Acts)
				}
				if !reflect.DeepEqual(pooled, got) || acts == 0 {
					t.Fatalf("merged read past the driver and through the pool differ (%d and %d rows, %d acts)", len(got), len(pooled), acts)
				}
			}
			if len(want) != 360 || len(got) != len(want) {
				t.Fatalf("read %d posts in batches of %v, want %d (of 360 live)", len(got), sizes, len(want))
			}
			if sizes[0] != 64 || sizes[len(sizes)-1] != 360%64 {
				t.Errorf("batch sizes %v, want 64 each but the last", sizes)
			}
			var replies, repliers, tagged, mentioning, rootTagged, unresolved int
			for i := range want {
				w, g := want[i], got[i]
				g.URL, g.CreatedAt = "", time.Time{} // not read on the merged path
				g.Fact = nil                         // compared in pkg/analysis
				// An empty list is nil on one path, empty on the other.
				for _, l := range []*[]string{&w.Tags, &w.Mentions, &w.RootTags, &g.Tags, &g.Mentions, &g.RootTags} {
					if len(*l) == 0 {
						*l = nil
					}
				}
				if !reflect.DeepEqual(g, w) {
					t.Fatalf("post %d:\n got %+v\nwant %+v", w.PostID, g, w)
				}
				replies += min(len(w.ParentHTML), 1)
				repliers += min(w.DirectRepliers, 1)
				tagged += min(len(w.Tags), 1)
				mentioning += min(len(w.Mentions), 1)
				rootTagged += min(len(w.RootTags), 1)
				if len(w.InReplyToURI) > 11 && w.InReplyToURI[:11] == "unresolved:" {
					unresolved++
				}
			}
			// The data holds every case compared.
			if replies == 0 || repliers == 0 || tagged == 0 || mentioning == 0 || rootTagged == 0 || unresolved == 0 {
				t.Errorf("replies %d, with repliers %d, tagged %d, mentioning %d, root tagged %d, unresolved %d: want some of each",
					replies, repliers, tagged, mentioning, rootTagged, unresolved)
			}
		})
	}
}

// A classification written with its facts keeps its statement journals in
// memory, and its foreign keys unchecked, for its own transaction only (as
// the post writes do), and takes the facts it wrote off the queue.
func TestClassificationsWithFactsRestoreTempStore(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := st.SaveThread(ctx, "a.example", []Post{post("https://a.example/s/1", "1", at), post("https://a.example/s/2", "2", at.Add(time.Minute))}, nil); err != nil {
		t.Fatal(err)
	}
	fw := NewFactsWriter(func(f *FactSource) FactRow {
		return FactRow{PostID: f.ID, At: f.At.UnixNano(), AuthorID: f.AuthorID, Tags: f.Tags}
	})
	var rows []ClassifyRow
	if err := st.ClassifyBatches(ctx, "v", false, 10, func(b []ClassifyRow) error { rows = append(rows, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	var list []Classification
	var sources []*FactSource
	for _, r := range rows {
		list = append(list, Classification{PostID: r.PostID, Version: "v", Rules: "[]"})
		sources = append(sources, r.Fact)
	}
	if err := st.SaveClassificationsWithFacts(ctx, list, sources, fw); err != nil {
		t.Fatal(err)
	}
	var mode int
	if err := st.w.QueryRow(`PRAGMA temp_store`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 0 {
		t.Errorf("temp_store is %d after the classification, want 0 (default)", mode)
	}
	var fk int
	if err := st.w.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys is %d after the classification, want 1 (on)", fk)
	}
	if n, _, err := st.FactsPending(ctx); err != nil || n != 0 {
		t.Errorf("%d posts queued after their classification with facts (%v), want none", n, err)
	}
}

// A classification queues its post's facts when written, when a column
// the facts hold changes (not the version or the other scores), and when
// deleted while the post stays; queuing a post already queued, under the
// classifications' own upsert, leaves one entry.
func TestClassificationsQueueTheirFacts(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			if _, err := st.SaveThread(ctx, "a.example", []Post{post("https://a.example/s/1", "1", at), post("https://a.example/s/2", "2", at.Add(time.Minute))}, nil); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			rows, err := st.DB().QueryContext(ctx, `SELECT id FROM posts ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			queued := func(step string, want int) {
				t.Helper()
				if n, _, err := st.FactsPending(ctx); err != nil || n != want {
					t.Errorf("%s: %d posts queued (%v), want %d", step, n, err, want)
				}
			}
			clear := func() {
				if _, err := st.DB().ExecContext(ctx, `DELETE FROM post_facts_pending`); err != nil {
					t.Fatal(err)
				}
			}
			c := Classification{PostID: ids[0], Version: "v", Rules: "[]"}
			queued("stored", 2)
			if err := st.SaveClassifications(ctx, []Classification{c}); err != nil {
				t.Fatalf("a classification of a queued post: %v", err)
			}
			queued("classified while queued", 2)
			if err := st.SaveClassifications(ctx, []Classification{c}); err != nil {
				t.Fatalf("a classification written again over a queued post: %v", err)
			}
			clear()
			if err := st.SaveClassifications(ctx, []Classification{{PostID: ids[1], Version: "v", Rules: "[]"}}); err != nil {
				t.Fatal(err)
			}
			queued("first classification", 1)
			clear()
			c.Version, c.DomainScore, c.CommunityScore = "w", 0.5, 0.5
			if err := st.SaveClassifications(ctx, []Classification{c}); err != nil {
				t.Fatal(err)
			}
			queued("new version and scores the facts do not hold", 0)
			for i, change := range []func(*Classification){
				func(c *Classification) { c.Domain = !c.Domain },
				func(c *Classification) { c.Community = !c.Community },
				func(c *Classification) { c.Practice = !c.Practice },
				func(c *Classification) { c.PracticeScore += 0.25 },
				func(c *Classification) { c.Rules = `[{"rule":"P1"}]` },
			} {
				change(&c)
				if err := st.SaveClassifications(ctx, []Classification{c}); err != nil {
					t.Fatal(err)
				}
				queued(fmt.Sprintf("change %d", i), 1)
				clear()
			}
			if _, err := st.DB().ExecContext(ctx, `DELETE FROM classifications WHERE post_id = ?`, ids[0]); err != nil {
				t.Fatal(err)
			}
			queued("classification deleted", 1)
			clear()
			if _, err := st.DB().ExecContext(ctx, `DELETE FROM posts WHERE id = ?`, ids[1]); err != nil {
				t.Fatal(err)
			}
			queued("post deleted with its classification", 0)
		})
	}
}

// Reading only the stale posts when no post is classified by the version
// reads every live post the merged way, with the sources of their facts;
// once one is, only the stale ones, without.
func TestClassifyBatchesOfAFirstClassificationReadEveryPostMerged(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var posts []Post
	for i := range 30 {
		id := fmt.Sprint(i + 1)
		posts = append(posts, post("https://a.example/s/"+id, id, at.Add(time.Duration(i)*time.Minute)))
	}
	if _, err := st.SaveThread(ctx, "a.example", posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tombstone(ctx, []string{posts[3].URI}); err != nil {
		t.Fatal(err)
	}
	read := func() (ids []int64, withFacts int) {
		t.Helper()
		if err := st.ClassifyBatches(ctx, "v2", true, 8, func(b []ClassifyRow) error {
			for _, r := range b {
				ids = append(ids, r.PostID)
				if r.Fact != nil {
					withFacts++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids, withFacts
	}
	// Classified by another version only.
	var all []Classification
	for i := range int64(30) {
		all = append(all, Classification{PostID: i + 1, Version: "v1", Rules: "[]"})
	}
	if err := st.SaveClassifications(ctx, all[:29]); err != nil {
		t.Fatal(err)
	}
	ids, withFacts := read()
	if len(ids) != 29 || withFacts != 29 {
		t.Errorf("first classification by v2: read %d posts, %d with their facts' sources; want the 29 live ones, all with", len(ids), withFacts)
	}
	all[0].Version, all[1].Version = "v2", "v2"
	if err := st.SaveClassifications(ctx, all[:2]); err != nil {
		t.Fatal(err)
	}
	ids, withFacts = read()
	if len(ids) != 27 || withFacts != 0 || ids[0] != 3 {
		t.Errorf("with 2 posts classified by v2: read %v, %d with their facts' sources; want the 27 others, none with", ids, withFacts)
	}
}
