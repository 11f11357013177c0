package store

import (
	"context"
	"fmt"
	"github.com/oeru/copharvest/internal/pgtest"
	"testing"
	"time"
)

func TestOptOutSightings(t *testing.T) {
	for _, b := range pgtest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			yes, no := true, false
			home := func(noindex, indexable *bool, tag bool) Account {
				return Account{Acct: "luc@home.example", Home: true, NoIndex: noindex, Indexable: indexable, OptOut: tag}
			}
			copyOf := func(noindex, indexable *bool, tag bool) Account {
				return Account{Acct: "luc@home.example", NoIndex: noindex, Indexable: indexable, OptOut: tag}
			}
			for _, tc := range []struct {
				name      string
				sightings []Account
				optedOut  bool
			}{
				{"home noindex, then a copy without the field", []Account{home(&yes, &yes, false), copyOf(nil, &yes, false)}, true},
				{"a copy without the field, then home noindex", []Account{copyOf(nil, &yes, false), home(&yes, &yes, false)}, true},
				{"home noindex, then a copy saying indexable and noindex false", []Account{home(&yes, nil, false), copyOf(&no, &yes, false)}, true},
				{"a copy not indexable, then a copy indexable", []Account{copyOf(nil, &no, false), copyOf(nil, &yes, false)}, true},
				{"a copy with #nobot, then a copy without", []Account{copyOf(nil, nil, true), copyOf(nil, nil, false)}, true},
				{"home with #nobot, then a stale copy without", []Account{home(&no, &yes, true), copyOf(nil, &yes, false)}, true},
				{"a copy's opt-out, then the home server opting in", []Account{copyOf(nil, &no, true), home(&no, &yes, false)}, false},
				{"home opted in, then a stale copy opting out", []Account{home(&no, &yes, false), copyOf(&yes, &no, true)}, false},
				{"home opted out, then home opting in", []Account{home(&yes, &no, true), home(&no, &yes, false)}, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					st := open(t, b.New(t))
					ctx := context.Background()
					for i, a := range tc.sightings {
						p := post("https://home.example/users/luc/statuses/1", fmt.Sprint(i+1), time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC))
						p.Account = a
						if _, err := st.SaveThread(ctx, fmt.Sprintf("instance%d.example", i), []Post{p}, nil); err != nil {
							t.Fatal(err)
						}
					}
					var got bool
					if err := st.DB().QueryRow(`SELECT ` + optedOut("a") + ` FROM accounts a`).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != tc.optedOut {
						t.Errorf("opted out %v, want %v", got, tc.optedOut)
					}
				})
			}
		})
	}
}
