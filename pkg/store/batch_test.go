package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/oeru/copharvest/internal/pgtest"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

func roots(t *testing.T, st *Store) map[string]string {
	t.Helper()
	rows, err := st.r.Query(`SELECT p.uri, COALESCE(r.uri, '') FROM posts p LEFT JOIN posts r ON r.id = p.thread_root`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		got[a] = b
	}
	return got
}

// A thread that arrives leaves first, over several transactions, ends with
// every post linked to its parent and under the right root; the incremental
// root update then agrees with a walk of the whole database.
func TestLateAncestorsRerootTheirThread(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			a, b, c, d := post("https://a.example/s/1", "1", at), post("https://a.example/s/2", "2", at), post("https://a.example/s/3", "3", at), post("https://a.example/s/4", "4", at)
			b.InReplyToLocalID, c.InReplyToLocalID, d.InReplyToLocalID = "1", "2", "3"
			for _, batch := range [][]Post{{d}, {c}, {b}} {
				if _, err := st.SaveThread(ctx, "a.example", batch, nil); err != nil {
					t.Fatal(err)
				}
				if err := st.UpdateThreadRoots(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := roots(t, st); got[d.URI] != b.URI || got[c.URI] != b.URI || got[b.URI] != b.URI {
				t.Fatalf("before the root arrives, roots = %v, want all %s", got, b.URI)
			}
			if _, err := st.SavePage(ctx, "a.example", "cop", []Post{a}, Cursor{Newest: "1", Oldest: "1"}); err != nil {
				t.Fatal(err)
			}
			if err := st.UpdateThreadRoots(ctx); err != nil {
				t.Fatal(err)
			}
			got := roots(t, st)
			for _, p := range []Post{a, b, c, d} {
				if got[p.URI] != a.URI {
					t.Errorf("root of %s = %q, want %s", p.URI, got[p.URI], a.URI)
				}
			}
			var parentOfB string
			st.r.QueryRow(`SELECT q.uri FROM posts p JOIN posts q ON q.id = p.in_reply_to_post WHERE p.uri = ?`, b.URI).Scan(&parentOfB)
			if parentOfB != a.URI {
				t.Errorf("parent of %s = %q, want %s", b.URI, parentOfB, a.URI)
			}
			// The whole-database walk finds nothing to change.
			st.SetMeta(ctx, "thread_roots", "")
			if err := st.UpdateThreadRoots(ctx); err != nil {
				t.Fatal(err)
			}
			if again := roots(t, st); len(again) != 4 || again[d.URI] != a.URI {
				t.Errorf("a full walk gives %v", again)
			}
		})
	}
}

// One batch with new posts, a post already stored and a uri given twice:
// each post is stored once with its children rows; counts, the second copy
// and the stored post go through the update path.
func TestBatchMixesNewStoredAndRepeated(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			old := post("https://a.example/s/1", "1", at)
			if _, err := st.SavePage(ctx, "a.example", "cop", []Post{old}, Cursor{Newest: "1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.w.Exec(`INSERT INTO classifications(post_id, version, domain_score, domain, community_score, community, practice_score, practice, rules, classified_at)
		SELECT id, 'v', 0, 0, 0, 0, 0, 0, '[]', 'x' FROM posts`); err != nil {
				t.Fatal(err)
			}
			reply := post("https://b.example/s/7", "2", at.Add(time.Minute))
			reply.Account.Acct = "bo@b.example"
			reply.InReplyToLocalID = "1"
			reply.Tags = []string{"cop", "ds4oers"}
			reply.Mentions = []string{"ana@example.org"}
			reply.Links = []Link{{URL: "https://oer.example/x", Domain: "oer.example"}, {URL: "https://oer.example/y", Domain: "oer.example"}}
			again := reply
			again.Favourites = 3
			oldSeen := old
			oldSeen.Replies = 1
			res, err := st.SavePage(ctx, "a.example", "cop", []Post{reply, oldSeen, again}, Cursor{Newest: "2", Oldest: "1"})
			if err != nil {
				t.Fatal(err)
			}
			if res.New != 1 || res.Updated != 2 {
				t.Errorf("result %+v, want 1 new, 2 updated", res)
			}
			for q, want := range map[string]int{
				`SELECT COUNT(*) FROM posts`:                                             2,
				`SELECT COUNT(*) FROM post_tags WHERE post_id = 2`:                       2,
				`SELECT COUNT(*) FROM post_mentions WHERE post_id = 2`:                   1,
				`SELECT COUNT(*) FROM post_links WHERE post_id = 2`:                      2,
				`SELECT COUNT(*) FROM post_ids WHERE instance = 'a.example'`:             2,
				`SELECT COUNT(*) FROM post_sources WHERE tag = 'cop'`:                    2,
				`SELECT in_reply_to_post FROM posts WHERE id = 2`:                        1,
				`SELECT favourites_count FROM posts WHERE id = 2`:                        3,
				`SELECT replies_count FROM posts WHERE id = 1`:                           1,
				`SELECT thread_root FROM posts WHERE id = 2`:                             1,
				`SELECT COUNT(*) FROM classifications`:                                   0, // the parent drew a reply: classify again
				`SELECT needs_context FROM posts WHERE id = 2`:                           1,
				`SELECT COUNT(*) FROM cursors WHERE newest_id = '2' AND oldest_id = '1'`: 1,
			} {
				var got int
				if err := st.r.QueryRow(q).Scan(&got); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if got != want {
					t.Errorf("%s = %d, want %d", q, got, want)
				}
			}
		})
	}
}

// A batch with a bad post stores nothing, not even the cursor.
func TestBatchWithInvalidPostStoresNothing(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			bad := post("https://a.example/s/2", "2", at)
			bad.Account.Acct = ""
			if _, err := st.SavePage(ctx, "a.example", "cop", []Post{post("https://a.example/s/1", "1", at), bad}, Cursor{Newest: "2"}); err == nil {
				t.Fatal("a post without an account was accepted")
			}
			var n int
			st.r.QueryRow(`SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM cursors) + (SELECT COUNT(*) FROM post_tags)`).Scan(&n)
			if n != 0 {
				t.Errorf("%d rows written by a rejected page", n)
			}
		})
	}
}

// Classifications go in 200 rows a statement: a list spanning three
// statements is stored whole, and saving again replaces rather than adds.
func TestSaveClassificationsInChunks(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var posts []Post
			for i := range 450 {
				id := fmt.Sprint(i + 1)
				posts = append(posts, post("https://a.example/s/"+id, id, at))
			}
			if _, err := st.SaveThread(ctx, "a.example", posts, nil); err != nil {
				t.Fatal(err)
			}
			list := make([]Classification, 450)
			for i := range list {
				list[i] = Classification{PostID: int64(i + 1), Version: "1", DomainScore: float64(i), Domain: i%2 == 0, Rules: `[{"rule":"D1"}]`}
			}
			if err := st.SaveClassifications(ctx, list); err != nil {
				t.Fatal(err)
			}
			list[449].Version, list[449].Rules = "2", `[]`
			if err := st.SaveClassifications(ctx, list[400:]); err != nil {
				t.Fatal(err)
			}
			var n, domain int
			var score float64
			var version, rules string
			st.r.QueryRow(`SELECT COUNT(*) FROM classifications`).Scan(&n)
			st.r.QueryRow(`SELECT domain_score, domain FROM classifications WHERE post_id = 301`).Scan(&score, &domain)
			st.r.QueryRow(`SELECT version, rules FROM classifications WHERE post_id = 450`).Scan(&version, &rules)
			if n != 450 || score != 300 || domain != 1 || version != "2" || rules != "[]" {
				t.Errorf("got %d rows, post 301 score %v domain %d, post 450 version %q rules %q", n, score, domain, version, rules)
			}
		})
	}
}

// The batched path stores exactly what the row-at-a-time path (upsert, kept
// for posts already stored) stores for the same posts: threads arriving in
// any order over several batches, repeats, tags, mentions and links.
func TestBatchedWritesMatchRowAtATime(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(7, 9))
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var posts []Post
			for i := range 300 {
				id := fmt.Sprint(1000 + i)
				p := post("https://a.example/s/"+id, id, at.Add(time.Duration(i)*time.Minute))
				p.Account.Acct = fmt.Sprintf("u%d@a.example", rng.IntN(20))
				if i > 0 && rng.IntN(2) == 0 {
					p.InReplyToLocalID = fmt.Sprint(1000 + rng.IntN(i))
					p.Tags = nil
				}
				if rng.IntN(3) == 0 {
					p.Mentions = []string{fmt.Sprintf("u%d@a.example", rng.IntN(20))}
				}
				if rng.IntN(3) == 0 {
					p.Links = []Link{{URL: fmt.Sprintf("https://oer.example/%d", rng.IntN(9)), Domain: "oer.example"}}
				}
				p.Replies, p.Favourites = int64(rng.IntN(3)), int64(rng.IntN(2))
				posts = append(posts, p)
			}
			rng.Shuffle(len(posts), func(i, j int) { posts[i], posts[j] = posts[j], posts[i] })
			var batches [][]Post
			for start := 0; start < len(posts); {
				n := min(1+rng.IntN(40), len(posts)-start)
				batch := append([]Post(nil), posts[start:start+n]...)
				if rng.IntN(4) == 0 {
					batch = append(batch, posts[rng.IntN(start+n)]) // seen again
				}
				batches = append(batches, batch)
				start += n
			}
			dump := func(st *Store) string {
				if err := st.UpdateThreadRoots(ctx); err != nil {
					t.Fatal(err)
				}
				var out string
				rows, err := st.r.Query(`SELECT p.uri, a.acct, COALESCE(q.uri, ''), COALESCE(r.uri, ''), p.needs_context, p.needs_interactions,
				p.replies_count, p.favourites_count,
				(SELECT COALESCE(group_concat(tag), '') FROM (SELECT tag FROM post_tags WHERE post_id = p.id ORDER BY tag)),
				(SELECT COALESCE(group_concat(acct), '') FROM (SELECT acct FROM post_mentions WHERE post_id = p.id ORDER BY acct)),
				(SELECT COALESCE(group_concat(url), '') FROM (SELECT url FROM post_links WHERE post_id = p.id ORDER BY url)),
				(SELECT COALESCE(group_concat(local_id || '>' || COALESCE(in_reply_to_local_id, '')), '') FROM post_ids WHERE post_id = p.id),
				(SELECT COALESCE(group_concat(instance || '/' || tag), '') FROM post_sources WHERE post_id = p.id)
			FROM posts p JOIN accounts a ON a.id = p.account_id LEFT JOIN posts q ON q.id = p.in_reply_to_post
			LEFT JOIN posts r ON r.id = p.thread_root ORDER BY p.uri`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				cols, _ := rows.Columns()
				vals := make([]string, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				for rows.Next() {
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					out += fmt.Sprintln(vals)
				}
				return out
			}
			batched := open(t, b.New(t))
			single := open(t, b.New(t))
			for _, b := range batches {
				if _, err := batched.SavePage(ctx, "a.example", "cop", b, Cursor{Newest: "1"}); err != nil {
					t.Fatal(err)
				}
				err := single.inTx(ctx, func(tx *sql.Tx) error {
					w := newWriter(ctx, tx, single.stamp())
					defer w.close()
					for i := range b {
						if _, err := w.upsert("a.example", "cop", &b[i], true); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			got, want := dump(batched), dump(single)
			if got != want || len(want) == 0 {
				t.Errorf("batched writes differ from row-at-a-time writes:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// Pages stored together leave what the same pages stored one transaction
// each leave, accounts included: a later page's new values for an account
// are written, the same values again change nothing. A bad post in any page
// stores none of them, nor the cursor.
func TestSavePagesMatchesPageByPage(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var pages []PageOf
			for pg := range 4 {
				var posts []Post
				for i := range 5 {
					id := fmt.Sprint(100 - pg*10 - i)
					p := post("https://a.example/s/"+id, id, at.Add(-time.Duration(pg*10+i)*time.Minute))
					p.Account.Acct = fmt.Sprintf("u%d@a.example", i%2)
					// u0's counts change on page 2 and stay so; u1's never.
					if i%2 == 0 && pg >= 2 {
						p.Account.Followers = 7
					}
					if i == 4 && pg == 3 {
						p.Account.Followers = 9 // later in its page than u0's first post: not written
					}
					if pg == 3 && i == 0 {
						p.InReplyToLocalID = "81" // a stored parent, two pages back
						p.Tags = nil
					}
					posts = append(posts, p)
				}
				pages = append(pages, PageOf{Posts: posts, Cursor: Cursor{Newest: "100", Oldest: fmt.Sprint(96 - pg*10)}})
			}
			pages[1].Posts = append(pages[1].Posts, pages[0].Posts[2]) // seen again
			dump := func(st *Store) string {
				var out string
				rows, err := st.r.Query(`SELECT p.uri, a.acct, a.followers_count, COALESCE(q.uri, ''),
					(SELECT COALESCE(group_concat(tag), '') FROM post_tags WHERE post_id = p.id),
					(SELECT COUNT(*) FROM post_sources WHERE post_id = p.id), c.oldest_id
				FROM posts p JOIN accounts a ON a.id = p.account_id LEFT JOIN posts q ON q.id = p.in_reply_to_post, cursors c ORDER BY p.uri`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					var uri, acct, parent, tags, oldest string
					var followers, sources int
					if err := rows.Scan(&uri, &acct, &followers, &parent, &tags, &sources, &oldest); err != nil {
						t.Fatal(err)
					}
					out += fmt.Sprintln(uri, acct, followers, parent, tags, sources, oldest)
				}
				return out
			}
			together := open(t, b.New(t))
			res, err := together.SavePages(ctx, "a.example", "cop", pages)
			if err != nil {
				t.Fatal(err)
			}
			one := open(t, b.New(t))
			for i, pg := range pages {
				r, err := one.SavePage(ctx, "a.example", "cop", pg.Posts, pg.Cursor)
				if err != nil {
					t.Fatal(err)
				}
				if r != res[i] {
					t.Errorf("page %d: together %+v, one by one %+v", i, res[i], r)
				}
			}
			got, want := dump(together), dump(one)
			if got != want || len(want) == 0 {
				t.Errorf("pages stored together:\n%s\nwant\n%s", got, want)
			}
			var followers int
			together.r.QueryRow(`SELECT followers_count FROM accounts WHERE acct = 'u0@a.example'`).Scan(&followers)
			if followers != 7 {
				t.Errorf("u0 has %d followers, want the 7 its later pages brought", followers)
			}

			bad := open(t, b.New(t))
			pages[2].Posts[1].Account.Acct = ""
			if _, err := bad.SavePages(ctx, "a.example", "cop", pages); err == nil {
				t.Fatal("a post without an account was accepted")
			}
			var n int
			bad.r.QueryRow(`SELECT (SELECT COUNT(*) FROM posts) + (SELECT COUNT(*) FROM cursors) + (SELECT COUNT(*) FROM accounts)`).Scan(&n)
			if n != 0 {
				t.Errorf("%d rows written by rejected pages", n)
			}
		})
	}
}

// The post writes keep their statement journal in memory; the connection
// goes back to the default for every other transaction (a statement that
// rewrites every post must not journal them in memory).
func TestPostWritesRestoreTempStore(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "t.db"))
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := st.SavePage(ctx, "a.example", "cop", []Post{post("https://a.example/s/1", "1", at)}, Cursor{Newest: "1"}); err != nil {
		t.Fatal(err)
	}
	bad := post("https://a.example/s/2", "2", at)
	bad.Account.Acct = ""
	if _, err := st.SaveThread(ctx, "a.example", []Post{bad}, nil); err == nil {
		t.Fatal("a post without an account was accepted")
	}
	var mode int
	if err := st.w.QueryRow(`PRAGMA temp_store`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 0 {
		t.Errorf("temp_store is %d after the post writes, want 0 (default)", mode)
	}
}
