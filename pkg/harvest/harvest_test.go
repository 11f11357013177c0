package harvest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), pgtest.DB(t, "h.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func client(t testing.TB, srv *mastodontest.Server, token string, waits *[]mastodon.Wait) *mastodon.Client {
	t.Helper()
	var mu gosync.Mutex // workers wait concurrently
	c, err := mastodon.New(mastodon.Options{
		Instance:   srv.URL,
		Token:      token,
		MinBackoff: time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
		Timeout:    2 * time.Second,
		OnWait: func(w mastodon.Wait) {
			if waits != nil {
				mu.Lock()
				*waits = append(*waits, w)
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sync(t testing.TB, ctx context.Context, st *store.Store, interactions bool, tags []string, clients ...*mastodon.Client) (harvest.Result, error) {
	t.Helper()
	var sources []harvest.Source
	for _, c := range clients {
		sources = append(sources, harvest.Source{Client: c})
	}
	return harvest.Run(ctx, st, harvest.Options{Sources: sources, Tags: tags, Interactions: interactions})
}

func count(t testing.TB, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// expectedThreadCalls is how many /context calls an ideal harvester needs.
func expectedThreadCalls(statuses []mastodontest.Status, tag string, omitReplies bool) int {
	return mastodontest.IdealRequests(statuses, []string{tag}, omitReplies, false).Contexts
}

func TestSyncThousandPostsBothIDKinds(t *testing.T) {
	for _, kind := range []mastodontest.IDKind{mastodontest.Snowflake, mastodontest.ULID} {
		t.Run(kind.String(), func(t *testing.T) {
			srv := mastodontest.NewServer(mastodontest.Options{IDs: kind})
			defer srv.Close()
			all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 1000, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 7})
			st := openStore(t)
			c := client(t, srv, "", nil)

			res, err := sync(t, context.Background(), st, false, []string{"cop"}, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
				t.Errorf("stored %d posts, the server has %d", got, len(all))
			}
			if got := count(t, st, `SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1)`); got != 0 {
				t.Errorf("%d uris stored twice", got)
			}
			tagged := 0
			for _, s := range all {
				for _, tg := range s.Tags {
					if tg.Name == "cop" {
						tagged++
						break
					}
				}
			}
			tagPages := srv.CountRequests("/api/v1/timelines/tag/")
			// ceil(N/40) full pages, plus the one empty page that proves the end.
			if want := int(math.Ceil(float64(tagged)/40)) + 1; tagPages != want {
				t.Errorf("tag timeline requests = %d, want %d", tagPages, want)
			}
			contexts := srv.CountRequests("/api/v1/statuses/")
			if want := expectedThreadCalls(all, "cop", false); contexts != want {
				t.Errorf("context requests = %d, want %d (one per thread)", contexts, want)
			}
			if int(res.Requests) != tagPages+contexts {
				t.Errorf("client counted %d requests, server saw %d", res.Requests, tagPages+contexts)
			}
			t.Logf("%s: %d posts (%d tagged), %d tag pages + %d context calls = %d requests", kind, len(all), tagged, tagPages, contexts, res.Requests)

			srv.ResetLog()
			res2, err := sync(t, context.Background(), st, false, []string{"cop"}, c)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("second sync with nothing new sent %d requests, want 1: %+v", n, srv.Requests())
			}
			if res2.New != 0 {
				t.Errorf("second sync found %d new posts", res2.New)
			}
		})
	}
}

func TestSyncIncrementalNoGap(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 100, Tags: []string{"cop"}, Seed: 1})
	st := openStore(t)
	c := client(t, srv, "", nil)
	if _, err := sync(t, context.Background(), st, false, []string{"cop"}, c); err != nil {
		t.Fatal(err)
	}
	// 95 new posts arrive: more than two forward pages.
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 95, Tags: []string{"cop"}, Seed: 2, Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	srv.ResetLog()
	res, err := sync(t, context.Background(), st, false, []string{"cop"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 95 {
		t.Errorf("incremental sync stored %d new posts, want 95", res.New)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(r.RawQuery, "since_id") {
			t.Errorf("forward paging must use min_id, not since_id: %s", r.RawQuery)
		}
	}
	if got, want := count(t, st, `SELECT COUNT(*) FROM posts`), len(srv.Statuses()); got != want {
		t.Errorf("stored %d, server has %d", got, want)
	}
}

func TestThreadMissingFromTimelineStoredWhole(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Flavor: mastodontest.FlavorGoToSocial, Token: "tok"})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop"}, ReplyShare: 1.5, Seed: 3})
	replies := 0
	for _, s := range all {
		if s.InReplyToID != "" {
			replies++
		}
	}
	if replies == 0 {
		t.Fatal("the generated course has no replies")
	}
	st := openStore(t)
	if _, err := sync(t, context.Background(), st, false, []string{"cop"}, client(t, srv, "tok", nil)); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts WHERE in_reply_to_acct IS NOT NULL OR in_reply_to_post IS NOT NULL`); got != replies {
		t.Errorf("stored %d replies, the threads hold %d (the timeline itself has none)", got, replies)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts p JOIN post_ids i ON i.post_id = p.id WHERE i.in_reply_to_local_id IS NOT NULL AND p.in_reply_to_post IS NULL`); got != 0 {
		t.Errorf("%d replies are not linked to their stored parent", got)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d posts still wait for their conversation", got)
	}
}

func TestSamePostTwoTagsTwoInstancesStoredOnce(t *testing.T) {
	a := mastodontest.NewServer(mastodontest.Options{})
	defer a.Close()
	all := mastodontest.GenerateCourse(a, mastodontest.CourseConfig{Posts: 60, Tags: []string{"cop", "ds4oers"}, Seed: 4})
	// A second instance serving the same posts under other local ids (ULIDs).
	b := mastodontest.NewServer(mastodontest.Options{IDs: mastodontest.ULID})
	defer b.Close()
	for _, s := range all {
		s.ID = ""
		s.InReplyToID, s.InReplyToAccountID = "", ""
		b.AddStatus(s)
	}
	st := openStore(t)
	if _, err := sync(t, context.Background(), st, false, []string{"cop", "ds4oers"}, client(t, a, "", nil), client(t, b, "", nil)); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("stored %d posts, want each of %d once", got, len(all))
	}
	if got := count(t, st, `SELECT COUNT(DISTINCT instance) FROM post_ids`); got != 2 {
		t.Errorf("local ids from %d instances, want 2", got)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM post_sources WHERE tag <> ''`); got == 0 {
		t.Error("no tag sources recorded")
	}
}

func TestRateLimitNever429(t *testing.T) {
	// Mastodon's 300 requests per 5 minutes, on a clock shared by the fake
	// server and the client, which advances only when the client waits:
	// the run needs more than 300 requests, so it must wait for a reset
	// however fast or slow the machine is.
	clock := newFakeClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 300, RateWindow: 5 * time.Minute, Now: clock.Now})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 700, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 5})
	st := openStore(t)
	var (
		mu    gosync.Mutex
		waits []mastodon.Wait
	)
	c, err := mastodon.New(mastodon.Options{
		Instance: srv.URL, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: 10 * time.Second,
		Now: clock.Now, Sleep: clock.Sleep,
		OnWait: func(w mastodon.Wait) { mu.Lock(); waits = append(waits, w); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sync(t, context.Background(), st, true, []string{"cop"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests <= 300 {
		t.Fatalf("the run used %d requests; the test needs more than 300", res.Requests)
	}
	if n := srv.Count429(); n != 0 {
		t.Errorf("server answered %d requests with 429", n)
	}
	if len(waits) == 0 || waits[0].Reason != mastodon.WaitRateLimit {
		t.Errorf("expected rate-limit waits to be reported, got %+v", waits)
	}
	// Each wait lasts until the window's reset, never longer.
	for _, w := range waits {
		if w.Reason == mastodon.WaitRateLimit && (w.Duration <= 0 || w.Duration > 6*time.Minute) {
			t.Errorf("rate-limit wait of %v in a 5-minute window", w.Duration)
		}
	}
	t.Logf("%d requests, %d waits, %v waited on the fake clock, 0 responses 429", res.Requests, len(waits), clock.Advanced())
}

// fakeClock is a clock that moves only when someone sleeps on it.
type fakeClock struct {
	mu       gosync.Mutex
	now      time.Time
	advanced time.Duration
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock d ahead at once.
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.advanced += d
	c.mu.Unlock()
	return nil
}

func (c *fakeClock) Advanced() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advanced
}

func TestFaultsRecovered(t *testing.T) {
	cases := []struct {
		name  string
		fault mastodontest.Fault
		times int
	}{
		{"500s then success", mastodontest.Fault{Status: 500}, 3},
		{"502 HTML page", mastodontest.Fault{Status: 502, Body: "<html><body>Bad gateway</body></html>", Header: map[string][]string{"Content-Type": {"text/html"}}}, 2},
		{"429 with Retry-After", mastodontest.Fault{Status: 429, Header: map[string][]string{"Retry-After": {"0"}}}, 2},
		{"connection reset mid-page", mastodontest.Fault{Reset: true}, 2},
		{"truncated JSON", mastodontest.Fault{Truncate: true}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mastodontest.NewServer(mastodontest.Options{})
			defer srv.Close()
			all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 90, Tags: []string{"cop"}, Seed: 6})
			srv.InjectFault("/api/v1/timelines/tag/", tc.fault, tc.times)
			st := openStore(t)
			var waits []mastodon.Wait
			if _, err := sync(t, context.Background(), st, false, []string{"cop"}, client(t, srv, "", &waits)); err != nil {
				t.Fatalf("sync failed despite retries: %v", err)
			}
			if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
				t.Errorf("stored %d, want %d", got, len(all))
			}
			if len(waits) < tc.times {
				t.Errorf("%d waits reported, want at least %d", len(waits), tc.times)
			}
		})
	}
}

func TestFaultsFatal(t *testing.T) {
	t.Run("401 without token", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{Token: "secret"})
		defer srv.Close()
		mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 5, Tags: []string{"cop"}, Seed: 1})
		_, err := sync(t, context.Background(), openStore(t), false, []string{"cop"}, client(t, srv, "", nil))
		if !errors.Is(err, mastodon.ErrUnauthorized) {
			t.Fatalf("want ErrUnauthorized, got %v", err)
		}
	})
	t.Run("404 tag on GoToSocial is a warning", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{Flavor: mastodontest.FlavorGoToSocial})
		defer srv.Close()
		res, err := sync(t, context.Background(), openStore(t), false, []string{"nosuchtag"}, client(t, srv, "", nil))
		if err != nil {
			t.Fatalf("an unknown tag should not fail the run: %v", err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "404") {
			t.Errorf("warnings = %+v", res.Warnings)
		}
	})
	t.Run("empty tag explains itself", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{})
		defer srv.Close()
		res, err := sync(t, context.Background(), openStore(t), false, []string{"empty"}, client(t, srv, "", nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, "no posts") {
			t.Errorf("warnings = %+v", res.Warnings)
		}
	})
	t.Run("not a Mastodon server", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{})
		defer srv.Close()
		srv.ServeHTMLEverywhere(true)
		_, err := sync(t, context.Background(), openStore(t), false, []string{"cop"}, client(t, srv, "", nil))
		var nm *mastodon.NotMastodonError
		if !errors.As(err, &nm) {
			t.Fatalf("want NotMastodonError, got %v", err)
		}
	})
	t.Run("malformed JSON every time", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{})
		defer srv.Close()
		mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 5, Tags: []string{"cop"}, Seed: 1})
		srv.InjectFault("/api/v1/timelines/tag/", mastodontest.Fault{Status: 200, Body: `[{"id": "1", "content": "<p>cut`}, 100)
		st := openStore(t)
		_, err := sync(t, context.Background(), st, false, []string{"cop"}, client(t, srv, "", nil))
		var me *mastodon.MalformedError
		if !errors.As(err, &me) {
			t.Fatalf("want MalformedError, got %v", err)
		}
		if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != 0 {
			t.Errorf("stored %d posts from a malformed page", got)
		}
	})
	t.Run("ids going backwards", func(t *testing.T) {
		srv := mastodontest.NewServer(mastodontest.Options{})
		defer srv.Close()
		mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 50, Tags: []string{"cop"}, Seed: 1})
		st := openStore(t)
		c := client(t, srv, "", nil)
		if _, err := sync(t, context.Background(), st, false, []string{"cop"}, c); err != nil {
			t.Fatal(err)
		}
		before := count(t, st, `SELECT COUNT(*) FROM posts`)
		// The next "newer than the cursor" page answers with the oldest posts.
		resp, err := http.Get(srv.URL + "/api/v1/timelines/tag/cop?limit=5&min_id=0")
		if err != nil {
			t.Fatal(err)
		}
		old, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.InjectFault("/api/v1/timelines/tag/", mastodontest.Fault{Status: 200, Body: string(old)}, 1)
		_, err = sync(t, context.Background(), st, false, []string{"cop"}, c)
		var order *harvest.IDOrderError
		if !errors.As(err, &order) {
			t.Fatalf("want IDOrderError, got %v", err)
		}
		if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != before {
			t.Errorf("posts changed from %d to %d", before, got)
		}
		newest := count(t, st, `SELECT COUNT(*) FROM cursors WHERE newest_id = (SELECT MAX(local_id) FROM post_ids)`)
		if newest != 1 {
			t.Error("the cursor moved on a rejected page")
		}
	})
}

func TestInterruptKeepsEverythingAndRerunContinues(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 400, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 8})
	st := openStore(t)
	c := client(t, srv, "", nil)
	ctx, cancel := context.WithCancel(context.Background())
	pages := 0
	_, err := harvest.Run(ctx, st, harvest.Options{
		Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"},
		OnEvent: func(e harvest.Event) {
			if e.Kind == harvest.PageStored {
				if pages++; pages == 4 {
					cancel() // Ctrl-C in the middle of the backfill
				}
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	kept := count(t, st, `SELECT COUNT(*) FROM posts`)
	if kept < 4*40 {
		t.Errorf("kept %d posts after 4 committed pages, want at least 160", kept)
	}
	if _, err := sync(t, context.Background(), st, false, []string{"cop"}, c); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("after the rerun %d posts, want %d", got, len(all))
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d conversations left unfetched", got)
	}
	if got := count(t, st, `SELECT backfill_done FROM cursors WHERE tag = 'cop'`); got != 1 {
		t.Error("backfill not complete after the rerun")
	}
}

func TestInteractionsFetched(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 40, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 9})
	// Count distinct accounts per post as the server lists them.
	distinct := func(id, what string) int {
		resp, err := http.Get(srv.URL + "/api/v1/statuses/" + id + "/" + what + "?limit=80")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var accounts []struct{ ID string }
		if err := json.NewDecoder(resp.Body).Decode(&accounts); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range accounts {
			seen[a.ID] = true
		}
		return len(seen)
	}
	boosts, favs := 0, 0
	for _, s := range all {
		if s.ReblogsCount > 0 {
			boosts += distinct(s.ID, "reblogged_by")
		}
		if s.FavouritesCount > 0 {
			favs += distinct(s.ID, "favourited_by")
		}
	}
	if boosts+favs == 0 {
		t.Fatal("the generated course has no boosts or favourites")
	}
	st := openStore(t)
	if _, err := sync(t, context.Background(), st, true, []string{"cop"}, client(t, srv, "", nil)); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM interactions WHERE kind = 'boost'`); got != boosts {
		t.Errorf("stored %d boosts, server counts %d", got, boosts)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM interactions WHERE kind = 'favourite'`); got != favs {
		t.Errorf("stored %d favourites, server counts %d", got, favs)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM edges WHERE kind = 'reply'`); got == 0 {
		t.Error("no reply edges derived")
	}
}

func TestTokenRevokedMidRunKeepsWhatWasFetched(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Token: "tok"})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 200, Tags: []string{"cop"}, Seed: 12})
	st := openStore(t)
	// The token is revoked once two pages have been served: the pages are
	// fetched ahead of the store, so when is told by requests, not by
	// pages stored.
	var pages atomic.Int32
	revoke := roundTripper(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/timelines/tag/") && pages.Add(1) == 3 {
			srv.InjectFault("/api/", mastodontest.Fault{Status: 401, Body: `{"error":"The access token was revoked"}`}, 1000)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	c, err := mastodon.New(mastodon.Options{Instance: srv.URL, Token: "tok", MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, HTTP: revoke})
	if err != nil {
		t.Fatal(err)
	}
	_, err = harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}})
	if !errors.Is(err, mastodon.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	served := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/v1/timelines/tag/") && r.Status == 200 {
			served++
		}
	}
	// Every page the server delivered is kept.
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != served*40 || served != 2 {
		t.Errorf("kept %d posts from %d delivered pages, want %d", got, served, served*40)
	}
	srv.ClearFaults()
	if _, err := sync(t, context.Background(), st, false, []string{"cop"}, c); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("after a new token: %d posts, want %d", got, len(all))
	}
}

// Mastodon 4.5 with remote hashtag feeds for logged-in users only: an
// anonymous sync gets local posts quietly; copharvest says why, and a token
// brings the rest.
func TestLocalOnlyTagFeedExplained(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{RemoteHashtagFeed: "authenticated"})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop"}, Seed: 13})
	remote := 0
	for _, s := range all {
		if strings.Contains(s.Account.Acct, "@") {
			remote++
		}
	}
	if remote == 0 || remote == len(all) {
		t.Fatalf("the course needs local and remote authors (%d of %d remote)", remote, len(all))
	}
	st := openStore(t)
	res, err := sync(t, context.Background(), st, false, []string{"cop"}, client(t, srv, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, `"authenticated"`) || res.Warnings[0].Kind != harvest.WarnLocalOnly {
		t.Errorf("warnings = %+v", res.Warnings)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts p JOIN accounts a ON a.id = p.account_id WHERE a.acct NOT LIKE '%@127.0.0.1%'`); got != 0 {
		t.Errorf("anonymous sync stored %d remote posts", got)
	}
	st2 := openStore(t)
	res, err = sync(t, context.Background(), st2, false, []string{"cop"}, client(t, srv, "any-token", nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 0 || count(t, st2, `SELECT COUNT(*) FROM posts`) != len(all) {
		t.Errorf("with a token: warnings %+v, %d posts of %d", res.Warnings, count(t, st2, `SELECT COUNT(*) FROM posts`), len(all))
	}
}

// /api/v2/instance explains empty or local-only tag feeds; it is asked at
// most once per instance in a run, however many tags need explaining.
func TestInstanceInfoAskedOncePerRun(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{RemoteHashtagFeed: "authenticated"})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop", "ds4oers"}, Seed: 13})
	st := openStore(t)
	res, err := sync(t, context.Background(), st, false, []string{"cop", "ds4oers", "unusedtag"}, client(t, srv, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.CountRequests("/api/v2/instance"); n != 1 {
		t.Errorf("/api/v2/instance asked %d times for three tags", n)
	}
	if len(res.Warnings) != 3 {
		t.Errorf("want one explanation per tag, got %+v", res.Warnings)
	}
}

// roundTripper adapts a function to http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
