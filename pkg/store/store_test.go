package store

import (
	"context"
	"errors"
	"github.com/oeru/copharvest/internal/pgtest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	st, err := Open(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func post(uri, id string, at time.Time) Post {
	return Post{URI: uri, LocalID: id, CreatedAt: at, Content: "<p>hello #cop</p>", Text: "hello #cop",
		Account: Account{Acct: "ana@example.org"}, Tags: []string{"cop"}}
}

func TestOpenRefusesNonSQLiteAndKeepsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	orig := []byte("my precious notes, not a database\n")
	os.WriteFile(path, orig, 0o600)
	_, err := Open(context.Background(), path, false)
	var ns *NotSQLiteError
	if !errors.As(err, &ns) {
		t.Fatalf("want NotSQLiteError, got %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(orig) {
		t.Fatal("the file was changed")
	}
}

func TestOpenNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes anywhere; use a path under a file instead.
		dir := t.TempDir()
		blocker := filepath.Join(dir, "file")
		os.WriteFile(blocker, nil, 0o600)
		_, err := Open(context.Background(), filepath.Join(blocker, "x.db"), false)
		var nw *NotWritableError
		if !errors.As(err, &nw) {
			t.Fatalf("want NotWritableError, got %v", err)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	_, err := Open(context.Background(), filepath.Join(dir, "x.db"), false)
	var nw *NotWritableError
	if !errors.As(err, &nw) {
		t.Fatalf("want NotWritableError, got %v", err)
	}
}

func TestMigrationsOnceAndTooNew(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			path := b.New(t)
			st := open(t, path)
			st.Close()
			st2 := open(t, path) // reopening applies nothing twice
			var n int
			st2.w.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
			if n != len(migrations) {
				t.Fatalf("%d migrations recorded, want %d", n, len(migrations))
			}
			st2.w.Exec(`INSERT INTO schema_migrations VALUES (999, 'x')`)
			st2.Close()
			_, err := Open(context.Background(), path, false)
			var tn *TooNewError
			if !errors.As(err, &tn) {
				t.Fatalf("want TooNewError, got %v", err)
			}
		})
	}
}

func TestReadOnlyMissing(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "none.db"), true)
	if err == nil {
		t.Fatal("opening a missing database read-only must fail")
	}
}

func TestUpsertOncePerURIAndEditHistory(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			p := post("https://a.example/s/1", "1", at)
			res, err := st.SavePage(ctx, "a.example", "cop", []Post{p}, Cursor{Newest: "1", Oldest: "1"})
			if err != nil || res.New != 1 {
				t.Fatalf("first save: %+v %v", res, err)
			}
			// Same post from another instance and tag: still one row.
			p2 := p
			p2.LocalID = "01ABC"
			res, err = st.SavePage(ctx, "b.example", "ds4oers", []Post{p2}, Cursor{Newest: "01ABC"})
			if err != nil || res.New != 0 {
				t.Fatalf("second save: %+v %v", res, err)
			}
			// An edit keeps the previous version.
			edited := at.Add(time.Hour)
			p3 := p
			p3.EditedAt, p3.Content, p3.Text = &edited, "<p>hello again</p>", "hello again"
			res, err = st.SaveThread(ctx, "a.example", []Post{p3}, nil)
			if err != nil || res.Updated != 1 {
				t.Fatalf("edit: %+v %v", res, err)
			}
			var posts, ids, edits int
			var content string
			st.r.QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&posts)
			st.r.QueryRow(`SELECT COUNT(*) FROM post_ids`).Scan(&ids)
			st.r.QueryRow(`SELECT COUNT(*) FROM post_edits`).Scan(&edits)
			st.r.QueryRow(`SELECT content FROM post_edits`).Scan(&content)
			if posts != 1 || ids != 2 || edits != 1 || content != "<p>hello #cop</p>" {
				t.Errorf("posts=%d ids=%d edits=%d previous=%q", posts, ids, edits, content)
			}
		})
	}
}

func TestSavePageRejectsIncompleteStatusAtomically(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			good := post("https://a.example/s/1", "1", time.Now())
			bad := post("", "2", time.Now())
			if _, err := st.SavePage(ctx, "a.example", "cop", []Post{good, bad}, Cursor{Newest: "2"}); err == nil {
				t.Fatal("a status without uri was accepted")
			}
			var n int
			st.r.QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&n)
			cur, _ := st.Cursor(ctx, "a.example", "cop")
			if n != 0 || cur.Newest != "" {
				t.Errorf("a failed page left %d posts and cursor %q behind", n, cur.Newest)
			}
		})
	}
}

func TestReplyLinkedWhicheverArrivesFirst(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Now()
			child := post("https://a.example/s/2", "2", at)
			child.InReplyToLocalID = "1"
			if _, err := st.SaveThread(ctx, "a.example", []Post{child}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveThread(ctx, "a.example", []Post{post("https://a.example/s/1", "1", at)}, nil); err != nil {
				t.Fatal(err)
			}
			var parent string
			st.r.QueryRow(`SELECT q.uri FROM posts p JOIN posts q ON q.id = p.in_reply_to_post WHERE p.uri = ?`, child.URI).Scan(&parent)
			if parent != "https://a.example/s/1" {
				t.Errorf("child's parent = %q", parent)
			}
		})
	}
}

func TestThreadRoots(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Now()
			root := post("https://a.example/s/1", "1", at)
			reply := post("https://a.example/s/2", "2", at)
			reply.InReplyToLocalID = "1"
			deep := post("https://a.example/s/3", "3", at)
			deep.InReplyToLocalID = "2"
			orphan := post("https://a.example/s/9", "9", at)
			orphan.InReplyToLocalID = "8" // parent never stored
			if _, err := st.SaveThread(ctx, "a.example", []Post{deep, orphan, reply, root}, nil); err != nil {
				t.Fatal(err)
			}
			if err := st.UpdateThreadRoots(ctx); err != nil {
				t.Fatal(err)
			}
			rows, _ := st.r.Query(`SELECT p.uri, r.uri FROM posts p JOIN posts r ON r.id = p.thread_root ORDER BY p.uri`)
			defer rows.Close()
			got := map[string]string{}
			for rows.Next() {
				var a, b string
				rows.Scan(&a, &b)
				got[a] = b
			}
			want := map[string]string{root.URI: root.URI, reply.URI: root.URI, deep.URI: root.URI, orphan.URI: orphan.URI}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("root of %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// Two processes (here: two opens) creating the same new database at once
// must apply each migration once between them.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			path := b.New(t)
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					st, err := Open(context.Background(), path, false)
					if err == nil {
						st.Close()
					}
					errs <- err
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Errorf("concurrent open: %v", err)
				}
			}
			st := open(t, path)
			var n int
			st.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
			if n != len(migrations) {
				t.Errorf("%d migrations recorded, want %d", n, len(migrations))
			}
		})
	}
}

// PendingRoots lists, of the posts given, the top-level ones of the
// instance whose conversation is still to fetch, as PendingThreads would.
func TestPendingRootsTopLevelStillFlagged(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
			root := post("https://a.example/1", "1", at)
			root.Replies = 1
			quiet := post("https://a.example/2", "2", at) // no replies: nothing to fetch
			reply := post("https://a.example/3", "3", at.Add(time.Minute))
			reply.InReplyToLocalID = "1"
			done := post("https://a.example/4", "4", at)
			done.Replies = 2
			if _, err := st.SavePage(ctx, "a.example", "cop", []Post{root, quiet, reply, done}, Cursor{Newest: "4", Oldest: "1"}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveThread(ctx, "a.example", nil, []string{done.URI}); err != nil {
				t.Fatal(err)
			}
			uris := []string{root.URI, quiet.URI, reply.URI, done.URI, "https://a.example/unknown"}
			got, err := st.PendingRoots(ctx, "a.example", uris)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != "1" {
				t.Errorf("pending roots = %q, want [1]", got)
			}
			if got, err := st.PendingRoots(ctx, "b.example", uris); err != nil || len(got) != 0 {
				t.Errorf("on another instance: %q, %v; want none", got, err)
			}
			// The same root PendingThreads gives as a first-pass target.
			pending, err := st.PendingThreads(ctx, "a.example")
			if err != nil {
				t.Fatal(err)
			}
			var roots []string
			for _, p := range pending {
				if p.InReplyToLocalID == "" {
					roots = append(roots, p.LocalID)
				}
			}
			if len(roots) != 1 || roots[0] != "1" {
				t.Errorf("PendingThreads roots = %q, want [1]", roots)
			}
		})
	}
}
