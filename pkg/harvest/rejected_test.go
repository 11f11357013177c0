package harvest_test

import (
	"context"
	"testing"

	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

func TestMalformedStatusRejectedPageAdvances(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 100, Tags: []string{"cop", "ds4oers"}, Seed: 11})
	st := openStore(t)
	c := client(t, srv, "", nil)
	// The first #cop page has one status without an id.
	srv.InjectFault("/api/v1/timelines/tag/cop", mastodontest.Fault{BlankID: true}, 1)
	tags := []string{"cop", "ds4oers"}
	res, err := sync(t, context.Background(), st, false, tags, c)
	if err != nil {
		t.Fatalf("one malformed status stopped the run: %v", err)
	}
	if res.Rejected != 1 {
		t.Errorf("result counts %d rejected statuses, want 1", res.Rejected)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM posts`); got != len(all)-1 {
		t.Errorf("%d posts stored, want every post but the malformed one (%d)", got, len(all)-1)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM rejected WHERE instance = ? AND tag = 'cop' AND reason = 'no id' AND raw LIKE '{%'`, c.Host()); got != 1 {
		t.Errorf("%d rows in rejected, want the one malformed status with its JSON and reason", got)
	}
	if got := count(t, st, `SELECT COUNT(*) FROM cursors WHERE backfill_done = 1`); got != 2 {
		t.Errorf("%d of 2 tags paged to the end", got)
	}
	// The same malformed status again: not stalled, not recorded twice.
	srv.InjectFault("/api/v1/timelines/tag/cop", mastodontest.Fault{BlankID: true}, 1)
	if _, err := harvest.Run(context.Background(), st, harvest.Options{Sources: []harvest.Source{{Client: c}}, Tags: tags, Refresh: 1 << 62}); err != nil {
		t.Fatal(err)
	}
	if srv.PendingFaults() != 0 {
		t.Fatal("the rerun never met the malformed status")
	}
	if got := count(t, st, `SELECT COUNT(*) FROM rejected`); got != 1 {
		t.Errorf("%d rejected rows after the rerun, want 1", got)
	}
}
