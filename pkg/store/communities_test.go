package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"
)

// TestSaveCommunitiesReplacesAll: assignments written many to a statement
// land on the right accounts across batch edges, accounts the store does
// not hold are left out, and a second save replaces the first.
func TestSaveCommunitiesReplacesAll(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			st := open(t, b.New(t))
			ctx := context.Background()
			at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			const accounts = 450 // more than two statements' worth
			var posts []Post
			for i := range accounts {
				p := post(fmt.Sprintf("https://a.example/s/%d", i), fmt.Sprint(i+1), at.Add(time.Duration(i)*time.Minute))
				p.Account = Account{Acct: fmt.Sprintf("p%03d@a.example", i)}
				posts = append(posts, p)
			}
			if _, err := st.SavePage(ctx, "a.example", "cop", posts, Cursor{Newest: "450", Oldest: "1"}); err != nil {
				t.Fatal(err)
			}
			var list []CommunityAssignment
			for i := range accounts {
				list = append(list, CommunityAssignment{Acct: fmt.Sprintf("p%03d@a.example", i), Community: fmt.Sprintf("g%d", i%7), Verdict: fmt.Sprintf("v%d", i%3)})
				if i%100 == 0 {
					list = append(list, CommunityAssignment{Acct: fmt.Sprintf("ghost%d@b.example", i), Community: "g", Verdict: "v"})
				}
			}
			check := func(want func(i int) (string, string)) {
				t.Helper()
				rows, err := st.r.QueryContext(ctx, `SELECT a.acct, ac.community, ac.verdict FROM account_communities ac JOIN accounts a ON a.id = ac.account_id ORDER BY a.acct`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				n := 0
				for ; rows.Next(); n++ {
					var acct, c, v string
					if err := rows.Scan(&acct, &c, &v); err != nil {
						t.Fatal(err)
					}
					wc, wv := want(n)
					if acct != fmt.Sprintf("p%03d@a.example", n) || c != wc || v != wv {
						t.Fatalf("row %d: %s %s %s, want p%03d@a.example %s %s", n, acct, c, v, n, wc, wv)
					}
				}
				if n != accounts {
					t.Fatalf("%d assignments stored, want %d", n, accounts)
				}
			}
			if err := st.SaveCommunities(ctx, list); err != nil {
				t.Fatal(err)
			}
			check(func(i int) (string, string) { return fmt.Sprintf("g%d", i%7), fmt.Sprintf("v%d", i%3) })
			for i := range list {
				list[i].Community, list[i].Verdict = "again", "network"
			}
			if err := st.SaveCommunities(ctx, list); err != nil {
				t.Fatal(err)
			}
			check(func(int) (string, string) { return "again", "network" })
		})
	}
}
