package store

import (
	"context"
	"errors"
	"github.com/oeru/copharvest/internal/pgtest"
	"slices"
	"testing"
	"time"
)

// exportFixture: ana starts a thread, bo replies, ana replies to bo (depth
// 2), cy (opted out) replies and mentions bo, bo's second post is deleted;
// cy boosts ana's root.
func exportFixture(t *testing.T, b pgtest.Backend) (*Store, time.Time) {
	t.Helper()
	st := open(t, b.New(t))
	ctx := context.Background()
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	mk := func(uri, id, parent, acct string, minutes int) Post {
		p := post("https://a.example/s/"+uri, id, at.Add(time.Duration(minutes)*time.Minute))
		p.Account = Account{Acct: acct}
		p.InReplyToLocalID = parent
		return p
	}
	root := mk("1", "1", "", "ana@a.example", 0)
	reply := mk("2", "2", "1", "bo@a.example", 10)
	deep := mk("3", "3", "2", "ana@a.example", 20)
	opted := mk("4", "4", "1", "cy@b.example", 30)
	opted.Account.OptOut = true
	opted.Mentions = []string{"bo@a.example"}
	gone := mk("5", "5", "", "bo@a.example", 40)
	gone.Links = []Link{{URL: "https://h5p.org/x", Domain: "h5p.org"}}
	if _, err := st.SavePage(ctx, "a.example", "cop", []Post{root, reply, deep, opted, gone}, Cursor{Newest: "5"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveInteractions(ctx, root.URI, []Account{{Acct: "cy@b.example", OptOut: true}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tombstone(ctx, []string{gone.URI}); err != nil {
		t.Fatal(err)
	}
	return st, at
}

func TestExportPostsThreadRootsTombstonesAndOptOut(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st, _ := exportFixture(t, b)
			ctx := context.Background()
			byURI := map[string]PostRow{}
			err := st.ExportPosts(ctx, ExportFilter{}, true, func(r *PostRow) error {
				byURI[r.URI] = *r
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(byURI) != 5 {
				t.Fatalf("%d posts exported, want 5 (tombstone included)", len(byURI))
			}
			const base = "https://a.example/s/"
			for uri, wantRoot := range map[string]string{"1": "1", "2": "1", "3": "1", "4": "1", "5": "5"} {
				if got := byURI[base+uri].ThreadRootURI; got != base+wantRoot {
					t.Errorf("root of %s = %q, want %s", uri, got, base+wantRoot)
				}
			}
			deep := byURI[base+"3"]
			if deep.InReplyToURI != base+"2" || deep.InReplyToAuthor != "bo@a.example" || deep.Instance != "a.example" || deep.LocalID != "3" {
				t.Errorf("reply fields of post 3: %+v", deep)
			}
			gone := byURI[base+"5"]
			if gone.DeletedAt.IsZero() || gone.Text != "" || gone.Raw != "" || len(gone.Links) != 0 {
				t.Errorf("tombstone carries content or no deleted time: %+v", gone)
			}
			if !byURI[base+"4"].AuthorOptedOut || byURI[base+"1"].AuthorOptedOut {
				t.Error("opted_out wrong")
			}
			n := 0
			st.ExportPosts(ctx, ExportFilter{ExcludeOptedOut: true}, false, func(r *PostRow) error {
				if r.Author == "cy@b.example" {
					t.Error("opted-out author exported with ExcludeOptedOut")
				}
				n++
				return nil
			})
			if n != 4 {
				t.Errorf("%d posts without the opted-out, want 4", n)
			}
		})
	}
}

func TestExportTiesAggregatesAndWindow(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st, at := exportFixture(t, b)
			ctx := context.Background()
			var got []string
			err := st.ExportTies(ctx, ExportFilter{}, func(r *TieRow) error {
				got = append(got, r.Kind+" "+r.Source+">"+r.Target)
				if r.Count < 1 || r.First.IsZero() || r.Last.Before(r.First) {
					t.Errorf("bad tie %+v", r)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"reply ana@a.example>bo@a.example", "reply bo@a.example>ana@a.example",
				"boost cy@b.example>ana@a.example", "reply cy@b.example>ana@a.example", "mention cy@b.example>bo@a.example"}
			if !slices.Equal(got, want) {
				t.Errorf("ties\n got %q\nwant %q", got, want)
			}
			got = nil
			st.ExportTies(ctx, ExportFilter{ExcludeOptedOut: true}, func(r *TieRow) error {
				got = append(got, r.Kind+" "+r.Source+">"+r.Target)
				return nil
			})
			if len(got) != 2 {
				t.Errorf("without opted-out accounts: %q, want the two ana/bo replies", got)
			}
			var edges int
			st.ExportEdges(ctx, ExportFilter{Since: at.Add(15 * time.Minute)}, func(r *EdgeRow) error {
				edges++
				return nil
			})
			// Post 3's reply, post 4's reply and mention; the boost is on post 1, before.
			if edges != 3 {
				t.Errorf("%d edges from posts after 9:15, want 3", edges)
			}
		})
	}
}

func TestEarlierAuthorsAndAccountsWindow(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st, at := exportFixture(t, b)
			ctx := context.Background()
			var earlier []string
			err := st.EarlierAuthors(ctx, at.Add(15*time.Minute), at.Add(time.Hour), func(acct string) error {
				earlier = append(earlier, acct)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// After 9:15 ana (posted at 9:00) returns; cy posts for the first time;
			// bo's only post after 9:15 is deleted, so bo is not active then.
			if !slices.Equal(earlier, []string{"ana@a.example"}) {
				t.Errorf("earlier authors: %q", earlier)
			}
			var times []time.Time
			st.PostAuthors(ctx, time.Time{}, time.Time{}, func(acct string, t time.Time) error {
				times = append(times, t)
				return nil
			})
			if len(times) != 4 || !slices.IsSortedFunc(times, time.Time.Compare) {
				t.Errorf("post authors: %d live posts, sorted %v", len(times), slices.IsSortedFunc(times, time.Time.Compare))
			}
			var accts []string
			st.ExportAccounts(ctx, ExportFilter{Since: at.Add(25 * time.Minute)}, false, func(r *AccountRow) error {
				accts = append(accts, r.Acct)
				if r.Acct == "cy@b.example" && (!r.OptedOut || r.Posts != 1) {
					t.Errorf("cy: %+v", r)
				}
				return nil
			})
			// cy posted after 9:25 and mentioned bo; ana was replied to by cy.
			if !slices.Equal(accts, []string{"ana@a.example", "bo@a.example", "cy@b.example"}) {
				t.Errorf("accounts in window: %q", accts)
			}
		})
	}
}

func TestFormatSourcesOrder(t *testing.T) {
	// As SQL ordered them before: tag timelines first, then by instance, then tag.
	got := []string{"b.example\n", "b.example\nzz", "a.example\n", "b.example\naa", "a.example\nzz"}
	formatSources(got)
	want := []string{"tag:zz@a.example", "tag:aa@b.example", "tag:zz@b.example", "conversation@a.example", "conversation@b.example"}
	if !slices.Equal(got, want) {
		t.Errorf("formatSources = %q, want %q", got, want)
	}
}

// The packed columns of ExportPosts come back exactly as stored, whatever
// a hostile server put in them, on both backends.
func TestUnpackStringsRoundTrip(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			values := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r\x01\x1f\x7f", "ünïcödé \u2028 😀", "a/b", "[\"x\",null]"}
			if b.Name == "sqlite" {
				// SQLite keeps text that is not valid UTF-8 as it is; so must the unpacking.
				values = append(values, "\xff\n\xfe")
			}
			st := open(t, b.New(t))
			pack, end := st.packStrings()
			args := make([]any, len(values))
			q := "SELECT " + pack
			for i, v := range values {
				if i > 0 {
					q += ", "
				}
				q += "CAST(? AS TEXT)"
				args[i] = v
			}
			var packed string
			if err := st.r.QueryRowContext(context.Background(), q+", NULL"+end, args...).Scan(&packed); err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(values)+1)
			if err := unpackStrings(packed, got); err != nil {
				t.Fatal(err)
			}
			if want := append(slices.Clone(values), ""); !slices.Equal(got, want) {
				t.Errorf("unpackStrings(%q) = %q, want %q", packed, got, want)
			}
			if err := unpackStrings(packed, make([]string, len(values))); err == nil {
				t.Error("unpackStrings took a longer array than asked for")
			}
		})
	}
}

// An error from the callback ends the export with it, the reading stopped.
func TestExportPostsStopsOnCallbackError(t *testing.T) {
	st, _ := exportFixture(t, pgtest.Backends[0])
	stop := errors.New("stop")
	n := 0
	err := st.ExportPosts(context.Background(), ExportFilter{}, false, func(*PostRow) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ExportPosts = %v after %d rows, want the callback's error after 1", err, n)
	}
	// The reader closed its rows: the store still serves queries and closes.
	if err := st.ExportPosts(context.Background(), ExportFilter{}, false, func(*PostRow) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
