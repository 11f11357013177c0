package harvest_test

import (
	"context"
	"testing"

	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

// twoInstances: the person's home server says noindex; a second instance
// serves the same post with a copy of the account that lacks noindex, as
// Mastodon does for remote accounts.
func twoInstances(t *testing.T) (home, other *mastodontest.Server) {
	t.Helper()
	home = mastodontest.NewServer(mastodontest.Options{})
	t.Cleanup(home.Close)
	other = mastodontest.NewServer(mastodontest.Options{IDs: mastodontest.ULID})
	t.Cleanup(other.Close)
	person := mastodontest.Account{Username: "jean-luc", Acct: "jean-luc", Discoverable: true, Indexable: true, NoIndex: true}
	st := home.AddStatus(mastodontest.Status{Account: person, Content: "<p>my notes on OER #cop</p>"})
	copyOf := mastodontest.Account{Username: "jean-luc", Acct: "jean-luc@" + home.Host(), Discoverable: true, Indexable: true, NoIndex: true}
	other.AddStatus(mastodontest.Status{URI: st.URI, URL: st.URL, CreatedAt: st.CreatedAt, Account: copyOf, Content: st.Content})
	return home, other
}

func TestOptOutFromHomeServerHoldsAgainstCopiesWithoutTheFlag(t *testing.T) {
	for _, order := range []string{"home first", "other first", "one run"} {
		t.Run(order, func(t *testing.T) {
			home, other := twoInstances(t)
			st := openStore(t)
			ctx := context.Background()
			hc, oc := client(t, home, "", nil), client(t, other, "", nil)
			var err error
			switch order {
			case "home first":
				if _, err = sync(t, ctx, st, false, []string{"cop"}, hc); err == nil {
					_, err = sync(t, ctx, st, false, []string{"cop"}, oc)
				}
			case "other first":
				if _, err = sync(t, ctx, st, false, []string{"cop"}, oc); err == nil {
					_, err = sync(t, ctx, st, false, []string{"cop"}, hc)
				}
			default:
				_, err = sync(t, ctx, st, false, []string{"cop"}, oc, hc)
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := count(t, st, `SELECT COUNT(*) FROM post_ids`); n != 2 {
				t.Fatalf("post seen through %d instances, want 2", n)
			}
			if n := count(t, st, `SELECT COUNT(*) FROM accounts WHERE acct = ? AND noindex = 1 AND flags_from_home = 1`, "jean-luc@"+home.Host()); n != 1 {
				t.Errorf("the home server's noindex was lost")
			}
		})
	}
}
