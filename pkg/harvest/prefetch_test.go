package harvest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

const tagPath = "/api/v1/timelines/tag/"

func isContext(path string) bool {
	return strings.HasPrefix(path, "/api/v1/statuses/") && strings.HasSuffix(path, "/context")
}

// pagesAfterContext is a transport that holds every tag page but the first
// until a /context answer has come back (or until a deadline, so a
// harvester that asks no conversation during paging is not stuck, only
// caught by the order of the server's log). afterContext, if set, runs
// after each /context answer.
func pagesAfterContext(t *testing.T, afterContext func()) http.RoundTripper {
	t.Helper()
	var (
		mu       gosync.Mutex
		pages    int
		answered = make(chan struct{})
		once     gosync.Once
	)
	deadline := make(chan struct{})
	timer := time.AfterFunc(5*time.Second, func() { close(deadline) })
	t.Cleanup(func() { timer.Stop() })
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Path, tagPath) {
			mu.Lock()
			pages++
			first := pages == 1
			mu.Unlock()
			if !first {
				select {
				case <-answered:
				case <-deadline:
				case <-r.Context().Done():
				}
			}
		}
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && isContext(r.URL.Path) {
			once.Do(func() { close(answered) })
			if afterContext != nil {
				afterContext()
			}
		}
		return resp, err
	})
}

func gatedClient(t *testing.T, srv *mastodontest.Server, tr http.RoundTripper) *mastodon.Client {
	t.Helper()
	c, err := mastodon.New(mastodon.Options{Instance: srv.URL, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, HTTP: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Conversations are asked while the tags are still paged, each once: a
// root that two tags bring is asked once, and one fetched during paging is
// not asked again when the conversations are stored.
func TestConversationsAskedOnceWhilePaging(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	tags := []string{"cop", "ds4oers"}
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 300, Tags: tags, ReplyShare: 0.3, Seed: 21})
	both := 0
	for _, s := range all {
		if s.InReplyToID == "" && s.RepliesCount > 0 && carriesTag(s, "cop") && carriesTag(s, "ds4oers") {
			both++
		}
	}
	if both == 0 {
		t.Fatal("the course needs roots with replies that both tags bring")
	}
	st := openStore(t)
	if _, err := sync(t, context.Background(), st, false, tags, gatedClient(t, srv, pagesAfterContext(t, nil))); err != nil {
		t.Fatal(err)
	}
	asked := map[string]int{}
	lastPage, firstContext := -1, -1
	for i, r := range srv.Requests() {
		switch {
		case strings.HasPrefix(r.Path, tagPath):
			lastPage = i
		case isContext(r.Path):
			asked[r.Path]++
			if firstContext < 0 {
				firstContext = i
			}
		}
	}
	for path, n := range asked {
		if n > 1 {
			t.Errorf("%s asked %d times", path, n)
		}
	}
	if want := mastodontest.IdealRequests(all, tags, false, false).Contexts; len(asked) != want {
		t.Errorf("%d conversations asked, want %d", len(asked), want)
	}
	if firstContext < 0 || firstContext > lastPage {
		t.Errorf("the first conversation was asked at request %d, after the last tag page (%d): conversations wait for paging", firstContext, lastPage)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("stored %d posts, the server has %d", got, len(all))
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d conversations left unfetched", got)
	}
}

func carriesTag(s mastodontest.Status, tag string) bool {
	for _, tg := range s.Tags {
		if strings.EqualFold(tg.Name, tag) {
			return true
		}
	}
	return false
}

// A run cancelled once conversations have been asked during paging leaves
// no root marked as expanded without its whole conversation stored, and a
// rerun completes the course.
func TestCancelWhileConversationsPrefetchedKeepsThemPending(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 400, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 22})
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancelled when the second conversation has come back: paging is
	// then still held, waiting for the first.
	var mu gosync.Mutex
	answers := 0
	c := gatedClient(t, srv, pagesAfterContext(t, func() {
		mu.Lock()
		defer mu.Unlock()
		if answers++; answers == 2 {
			cancel()
		}
	}))
	_, err := harvest.Run(ctx, st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if answers < 2 {
		t.Fatalf("only %d conversations answered before the cancel", answers)
	}
	children := map[string][]mastodontest.Status{}
	for _, s := range all {
		if s.InReplyToID != "" {
			children[s.InReplyToID] = append(children[s.InReplyToID], s)
		}
	}
	// Every stored post no longer flagged has its conversation stored.
	rows, err := st.DB().Query(`SELECT p.uri FROM posts p WHERE p.needs_context = 0`)
	if err != nil {
		t.Fatal(err)
	}
	var done []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		done = append(done, u)
	}
	rows.Close()
	byURI := map[string]mastodontest.Status{}
	for _, s := range all {
		byURI[s.URI] = s
	}
	stored := func(uri string) bool {
		return count(t, st, `SELECT COUNT(*) FROM posts WHERE uri = ?`, uri) == 1
	}
	for _, u := range done {
		queue := append([]mastodontest.Status(nil), children[byURI[u].ID]...)
		for len(queue) > 0 {
			r := queue[0]
			queue = append(queue[1:], children[r.ID]...)
			if !stored(r.URI) {
				t.Errorf("%s is marked expanded, but its reply %s is not stored", u, r.URI)
				break
			}
		}
	}
	if n := count(t, st, `SELECT COUNT(*) FROM posts WHERE needs_context = 1 AND in_reply_to_acct IS NULL`); n == 0 {
		t.Error("no root left pending: the cancel came too late to test anything")
	}

	if _, err := sync(t, context.Background(), st, false, []string{"cop"}, client(t, srv, "", nil)); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("after the rerun %d posts, want %d", got, len(all))
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d conversations left unfetched after the rerun", got)
	}
}
