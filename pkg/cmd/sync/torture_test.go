package sync

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

// The fake misbehaving in every way we know: each case must end in a clear
// message and its documented exit status, store nothing twice, and store
// nothing that was not a valid status.
func TestTorture(t *testing.T) {
	cases := []struct {
		name     string
		fault    mastodontest.Fault
		times    int
		exit     int
		message  string
		complete bool // everything stored in the end
	}{
		{"429 storm", mastodontest.Fault{Status: 429, Header: map[string][]string{"Retry-After": {"0"}}}, 50, cmdutil.ExitPartial, "429", false},
		{"500 storm", mastodontest.Fault{Status: 500}, 50, cmdutil.ExitError, "HTTP 500", false},
		{"502 HTML pages", mastodontest.Fault{Status: 502, Body: "<html><h1>502 Bad Gateway</h1></html>"}, 50, cmdutil.ExitError, "HTTP 502", false},
		{"truncated bodies", mastodontest.Fault{Truncate: true}, 50, cmdutil.ExitError, "cannot reach", false},
		{"connections reset", mastodontest.Fault{Reset: true}, 50, cmdutil.ExitError, "cannot reach", false},
		{"responses that never finish", mastodontest.Fault{Hang: true}, 50, cmdutil.ExitError, "cannot reach", false},
		{"a few of each, then fine", mastodontest.Fault{Status: 503}, 3, cmdutil.ExitOK, "", true},
		{"invalid UTF-8", mastodontest.Fault{InvalidUTF8: true}, 50, cmdutil.ExitOK, "", true},
		{"Link to another host", mastodontest.Fault{ForeignLink: true}, 50, cmdutil.ExitOK, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(mastodontest.Options{})
			defer srv.Close()
			all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 100, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 21})
			o, cfg, output := opts(t, []string{srv.URL}, "")
			o.Timeout = 300 * time.Millisecond
			srv.InjectFault("/api/v1/timelines/tag/", tc.fault, tc.times)
			err := Run(context.Background(), o)
			if got := cmdutil.ExitCode(err); got != tc.exit {
				t.Fatalf("exit %d, want %d: %v\n%s", got, tc.exit, err, output())
			}
			if tc.message != "" && !strings.Contains(err.Error(), tc.message) {
				t.Errorf("message %q lacks %q", err.Error(), tc.message)
			}
			st, serr := store.Open(context.Background(), cfg.DB, true)
			if serr != nil {
				t.Fatal(serr)
			}
			defer st.Close()
			var posts, dups, bad int
			st.DB().QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&posts)
			st.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1)`).Scan(&dups)
			st.DB().QueryRow(`SELECT COUNT(*) FROM posts WHERE uri = '' OR created_at = '' OR account_id IS NULL`).Scan(&bad)
			if dups != 0 || bad != 0 {
				t.Errorf("%d duplicated and %d invalid posts stored", dups, bad)
			}
			if tc.complete && posts != len(all) {
				t.Errorf("%d posts stored, want %d", posts, len(all))
			}
			rows, _ := st.DB().Query(`SELECT COALESCE(text, '') FROM posts`)
			for rows.Next() {
				var s string
				rows.Scan(&s)
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8 stored: %q", s)
				}
			}
			rows.Close()
			var status string
			st.DB().QueryRow(`SELECT status FROM runs ORDER BY id DESC LIMIT 1`).Scan(&status)
			if want := map[int]string{0: "ok", 1: "failed", 3: "partial"}[tc.exit]; status != want {
				t.Errorf("run recorded as %q, want %q", status, want)
			}
		})
	}
}

func TestEnormousPost(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 3, Tags: []string{"cop"}, Seed: 2})
	big := "<p>" + strings.Repeat("open textbooks for Pacific schools ", 60000) + `<a href="https://x/tags/cop" class="mention hashtag" rel="tag">#<span>cop</span></a></p>`
	st0 := srv.AddStatus(mastodontest.Status{Content: big, Tags: []mastodontest.Tag{{Name: "cop"}}, Account: srv.Statuses()[0].Account})
	o, cfg, _ := opts(t, []string{srv.URL}, "")
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	st, _ := store.Open(context.Background(), cfg.DB, true)
	defer st.Close()
	var n int
	st.DB().QueryRow(`SELECT length(text) FROM posts WHERE uri = ?`, st0.URI).Scan(&n)
	if n < 2_000_000 {
		t.Errorf("the 2 MB post was stored with %d characters", n)
	}
}
