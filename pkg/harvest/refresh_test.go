package harvest_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

func TestRefreshEditsDeletionsCountsAndNewReplies(t *testing.T) {
	now := time.Now().UTC()
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 40, Tags: []string{"cop"}, ReplyShare: 1, Seed: 11,
		Start: now.Add(-10 * 24 * time.Hour), Days: 7})
	var tagged, untaggedReplies, roots []mastodontest.Status
	for _, s := range all {
		switch {
		case s.InReplyToID == "" && s.RepliesCount > 0:
			roots = append(roots, s)
		case s.InReplyToID == "":
			tagged = append(tagged, s)
		case len(s.Tags) == 0:
			untaggedReplies = append(untaggedReplies, s)
		}
	}
	if len(tagged) < 4 || len(untaggedReplies) < 2 || len(roots) < 2 {
		t.Fatalf("course too small: %d tagged, %d untagged replies, %d roots", len(tagged), len(untaggedReplies), len(roots))
	}
	const marker = "ZEBRA-MARKER-4471"
	secret := tagged[3]
	if err := srv.Edit(secret.ID, "<p>my phone number is "+marker+" <a href=\"x\" class=\"mention hashtag\" rel=\"tag\">#<span>cop</span></a></p>"); err != nil {
		t.Fatal(err)
	}
	dbPath := t.TempDir() + "/r.db"
	st, err := store.Open(context.Background(), dbPath, false)
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, srv, "", nil)
	run := func(refresh time.Duration) harvest.Result {
		t.Helper()
		res, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: []string{"cop"}, Refresh: refresh})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	run(0)

	// Between syncs: edits, an edit twice, deletions (one after two edits),
	// changed counts, a new reply in a known thread.
	edited, twice, deleted, editedThenDeleted := tagged[0], tagged[1], tagged[2], secret
	srv.Edit(edited.ID, "<p>first edit</p>")
	srv.Edit(twice.ID, "<p>edit one</p>")
	srv.Edit(twice.ID, "<p>edit two</p>")
	srv.Delete(deleted.ID)
	srv.Edit(editedThenDeleted.ID, "<p>another edit "+marker+"</p>")
	srv.Delete(editedThenDeleted.ID)
	srv.Delete(untaggedReplies[0].ID)
	srv.Edit(untaggedReplies[1].ID, "<p>reply, edited</p>")
	srv.SetCounts(tagged[4].ID, 0, 5, 9)
	newReply := srv.AddStatus(mastodontest.Status{InReplyToID: roots[0].ID, InReplyToAccountID: roots[0].Account.ID,
		Account: roots[1].Account, Content: "<p>late answer</p>", CreatedAt: now.Add(-time.Hour)})

	srv.ResetLog()
	res := run(14 * 24 * time.Hour)
	t.Logf("refresh of %d posts used %d requests (forward sync %d, all %d)", len(all), res.RefreshRequests, res.Requests-res.RefreshRequests, len(srv.Requests()))

	text := func(uri string) (string, bool) {
		var s, del *string
		st.DB().QueryRow(`SELECT text, deleted_at FROM posts WHERE uri = ?`, uri).Scan(&s, &del)
		if s == nil {
			return "", del != nil
		}
		return *s, del != nil
	}
	if got, _ := text(edited.URI); got != "first edit" {
		t.Errorf("edited post text %q", got)
	}
	if got, _ := text(twice.URI); got != "edit two" {
		t.Errorf("twice-edited post text %q", got)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM post_edits e JOIN posts p ON p.id = e.post_id WHERE p.uri = ?`, twice.URI); n < 1 {
		t.Error("no previous version kept for an edited post")
	}
	for _, s := range []mastodontest.Status{deleted, editedThenDeleted, untaggedReplies[0]} {
		if got, gone := text(s.URI); !gone || got != "" {
			t.Errorf("deleted %s: text %q, tombstoned %v", s.URI, got, gone)
		}
		if n := count(t, st, `SELECT COUNT(*) FROM post_edits e JOIN posts p ON p.id = e.post_id WHERE p.uri = ?`, s.URI); n != 0 {
			t.Errorf("deleted %s keeps %d earlier versions", s.URI, n)
		}
	}
	if got, _ := text(untaggedReplies[1].URI); got != "reply, edited" {
		t.Errorf("edited untagged reply %q", got)
	}
	if n := count(t, st, `SELECT favourites_count FROM posts WHERE uri = ?`, tagged[4].URI); n != 9 {
		t.Errorf("favourites_count %d, want 9", n)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM posts WHERE uri = ?`, newReply.URI); n != 1 {
		t.Error("the new reply in a known thread was not picked up")
	}
	if res.Deleted != 3 {
		t.Errorf("run counted %d deletions, want 3", res.Deleted)
	}
	st.Close()
	// The deleted text is gone from the file's bytes, not only from the row.
	for _, p := range []string{dbPath, dbPath + "-wal"} {
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(marker)) {
			t.Errorf("%s still holds the deleted text", p)
		}
	}
}
