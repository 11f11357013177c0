package analysis

import (
	"context"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

func TestNormalizeResource(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.OERcommons.org/courses/x/?utm=1#top": "oercommons.org/courses/x",
		"http://oercommons.org/courses/x":                 "oercommons.org/courses/x",
		"not a url":                                       "",
	} {
		if got := NormalizeResource(in); got != want {
			t.Errorf("NormalizeResource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClassifyStoreOnceThenOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t, "a.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var posts []store.Post
	for i, txt := range []string{"We tried the H5P quiz template with our Year 8 class #cop", "Anyone watching the new police drama? #cop", "Thanks, that helped!"} {
		id := string(rune('1' + i))
		p := store.Post{URI: "https://x/s/" + id, LocalID: id, CreatedAt: at.Add(time.Duration(i) * time.Hour),
			Account: store.Account{Acct: "u" + id + "@x"}, Content: "<p>" + txt + "</p>", Text: txt, Tags: []string{"cop"}}
		if i == 2 {
			p.InReplyToLocalID, p.Tags = "1", nil
		}
		posts = append(posts, p)
	}
	if _, err := st.SaveThread(ctx, "x", posts, nil); err != nil {
		t.Fatal(err)
	}
	c := classify.New(classify.DefaultLexicon())
	if n, err := ClassifyStore(ctx, st, c, false); err != nil || n != 3 {
		t.Fatalf("first pass classified %d (%v), want 3", n, err)
	}
	if n, _ := ClassifyStore(ctx, st, c, false); n != 0 {
		t.Errorf("second pass classified %d, want 0", n)
	}
	// An edit makes the post (and its reply) stale.
	edited := at.Add(24 * time.Hour)
	posts[0].EditedAt, posts[0].Content = &edited, "<p>edited</p>"
	st.SaveThread(ctx, "x", posts[:1], nil)
	if n, _ := ClassifyStore(ctx, st, c, false); n != 2 {
		t.Errorf("after an edit classified %d, want 2 (the post and its reply)", n)
	}
	res, err := Run(ctx, st, Options{By: ByTag, Period: period.Period{}, Thresholds: community.DefaultThresholds()})
	if err != nil || res.Posts != 3 || res.Classified != 3 || len(res.Communities) != 1 {
		t.Fatalf("Run: %+v %v", res, err)
	}
	// The reply repeats no tag, but its thread started in #cop.
	if c := res.Communities[0]; c.ID != "tag:cop" || c.Metrics.Posts != 3 {
		t.Errorf("tag group %s has %d posts, want tag:cop with 3 (the reply counts in its thread's tag)", c.ID, c.Metrics.Posts)
	}
}
