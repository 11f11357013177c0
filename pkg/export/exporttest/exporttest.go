// Package exporttest builds databases for the tests and benchmarks of the
// report and the exports: a small hand-made course with every case a
// facilitator or researcher cares about, and large synthetic ones.
package exporttest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Week47 is Monday 2026-11-16 00:00 UTC, the start of ISO week 2026-W47;
// the course has posts in W46 and W47.
var Week47 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// Accounts of the course.
const (
	Ana  = "ana@mastodon.oeru.org"
	Bo   = "bo@mastodon.oeru.org"
	Cy   = "cy@mastodon.social" // opted out (#nobot in the profile)
	Dee  = "dee@eduhub.social"  // new in W47
	Eve  = "eve@mastodon.nz"
	Mal  = "mal@mastodon.oeru.org" // posts markup and formulas
	Host = "mastodon.oeru.org"
)

// Post is one post of the course, with its classification.
type Post struct {
	Key     string // short name, also the local id's tail
	Author  string
	Parent  string // Key of the parent
	At      time.Time
	Text    string
	Tags    []string
	Links   []string
	Mention []string
	Hits    []classify.StoredHit
	Deleted bool
	Boosts  []string
	Favs    []string
}

// LocalID is the post's 18-digit Mastodon id (a snowflake, as text).
func (p Post) LocalID() string { return fmt.Sprintf("1135%014d", keyNumber(p.Key)) }

// URI is the post's global id.
func (p Post) URI() string {
	user, host := splitAcct(p.Author)
	return fmt.Sprintf("https://%s/users/%s/statuses/%s", host, user, p.LocalID())
}

func keyNumber(key string) int {
	n := 0
	for _, c := range key {
		n = n*31 + int(c)
	}
	return n % 100000000000
}

func splitAcct(acct string) (user, host string) {
	for i := len(acct) - 1; i >= 0; i-- {
		if acct[i] == '@' {
			return acct[:i], acct[i+1:]
		}
	}
	return acct, Host
}

func hit(rule string, matched ...string) classify.StoredHit {
	return classify.StoredHit{Rule: rule, Weight: 1, Matched: matched}
}

func at(day, hour int) time.Time {
	return Week47.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
}

// CoursePosts are the course's posts, oldest first. Day 0 is Monday of W47;
// negative days are in W46.
func CoursePosts() []Post {
	return []Post{
		{Key: "w46a", Author: Ana, At: at(-6, 9), Text: "How do you licence H5P activities for reuse? #cop", Tags: []string{"cop", "h5p"},
			Hits: []classify.StoredHit{hit("D1", "cop"), hit("C3"), hit("P3", "h5p")}},
		{Key: "w46b", Author: Bo, Parent: "w46a", At: at(-6, 11), Text: "@ana CC BY works well, see https://creativecommons.org/licenses/by/4.0/",
			Links: []string{"https://creativecommons.org/licenses/by/4.0/"}, Mention: []string{Ana},
			Hits: []classify.StoredHit{hit("C1"), hit("C4"), hit("P1")}, Favs: []string{Ana}},
		{Key: "w46c", Author: Ana, Parent: "w46b", At: at(-5, 8), Text: "Thanks @bo, that helps #cop", Tags: []string{"cop"}, Mention: []string{Bo},
			Hits: []classify.StoredHit{hit("C1"), hit("C5")}},
		{Key: "w46d", Author: Eve, At: at(-4, 20), Text: "Hello from Aotearoa, new to #ds4oers", Tags: []string{"ds4oers"},
			Hits: []classify.StoredHit{hit("D1", "ds4oers"), hit("C6")}},
		{Key: "w46e", Author: Bo, Parent: "w46d", At: at(-4, 22), Text: "Welcome @eve!", Mention: []string{Eve},
			Hits: []classify.StoredHit{hit("C1"), hit("C6")}},

		{Key: "w47a", Author: Ana, At: at(0, 9), Text: "We tried H5P in my class with CC BY resources: https://h5p.org/ worked well.\n\nStudents liked it. #cop #oer",
			Tags: []string{"cop", "oer", "h5p"}, Links: []string{"https://h5p.org/"},
			Hits:   []classify.StoredHit{hit("D1", "cop"), hit("D2", "cc by"), hit("P1"), hit("P3", "h5p"), hit("P4")},
			Boosts: []string{Bo, Cy}, Favs: []string{Eve, Dee}},
		{Key: "w47b", Author: Bo, Parent: "w47a", At: at(0, 10), Text: "@ana great, I use H5P with Moodle too https://www.h5p.org",
			Links: []string{"https://www.h5p.org"}, Mention: []string{Ana}, Tags: []string{"cop"},
			Hits: []classify.StoredHit{hit("C1"), hit("P1"), hit("P3", "h5p", "moodle")}},
		{Key: "w47c", Author: Cy, Parent: "w47a", At: at(0, 13), Text: "@ana @bo how do you set up the grading? #cop", Tags: []string{"cop"},
			Mention: []string{Ana, Bo}, Hits: []classify.StoredHit{hit("C1"), hit("C3"), hit("P3", "h5p")}},
		{Key: "w47d", Author: Dee, At: at(1, 7), Text: "Is there a template for an OER syllabus? #cop #oer", Tags: []string{"cop", "oer"},
			Hits: []classify.StoredHit{hit("D1", "cop"), hit("D2", "oer"), hit("C3"), hit("P2", "template")}},
		{Key: "w47e", Author: Mal, At: at(2, 15), Text: `<script>console.error("xss")</script> look <b>bold</b> & "quoted", anyone? #cop`, Tags: []string{"cop"},
			Hits: []classify.StoredHit{hit("D1", "cop"), hit("C3")}},
		{Key: "w47f", Author: Mal, At: at(2, 16), Text: `=HYPERLINK("http://evil.example","click") #cop`, Tags: []string{"cop"},
			Hits: []classify.StoredHit{hit("D1", "cop")}},
		{Key: "w47g", Author: Eve, At: at(3, 12), Text: "-1 for paywalls, +1 for open licences. Who else uses Pressbooks? #ds4oers #oer",
			Tags: []string{"ds4oers", "oer"}, Hits: []classify.StoredHit{hit("D1", "ds4oers"), hit("D2", "open licences"), hit("C3"), hit("P3", "pressbooks")}},
		{Key: "w47h", Author: Bo, At: at(4, 9), Text: "Let's build a shared glossary of OER terms next week #cop #ds4oers",
			Tags: []string{"cop", "ds4oers", "oer"}, Hits: []classify.StoredHit{hit("D1", "cop"), hit("C6"), hit("P7")}},
		{Key: "w47i", Author: Ana, Parent: "w47h", At: at(4, 11), Text: "@bo yes! I will start a page https://pad.example/glossary #cop",
			Tags: []string{"cop"}, Links: []string{"https://pad.example/glossary"}, Mention: []string{Bo},
			Hits: []classify.StoredHit{hit("C1"), hit("P1"), hit("P7")}},
		{Key: "w47j", Author: Eve, Parent: "w47h", At: at(5, 8), Text: "@bo @ana count me in #cop", Tags: []string{"cop"},
			Mention: []string{Bo, Ana}, Hits: []classify.StoredHit{hit("C1"), hit("C5")}},
		{Key: "w47k", Author: Bo, At: at(5, 20), Text: "oops, wrong account", Tags: []string{"cop"}, Deleted: true},
		{Key: "w48a", Author: Dee, At: at(7, 9), Text: "Next week's post #cop", Tags: []string{"cop"}, Hits: []classify.StoredHit{hit("D1", "cop")}},
	}
}

// Course fills the database at path with CoursePosts, their interactions,
// classifications, and the communities of the 12 weeks up to W47.
func Course(t testing.TB, path string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	posts := CoursePosts()
	byKey := map[string]Post{}
	var page []store.Post
	for _, p := range posts {
		byKey[p.Key] = p
		user, host := splitAcct(p.Author)
		sp := store.Post{
			URI: p.URI(), URL: fmt.Sprintf("https://%s/@%s/%s", host, user, p.LocalID()), LocalID: p.LocalID(),
			CreatedAt: p.At, Content: "<p>" + p.Text + "</p>", Text: p.Text, Tags: p.Tags, Mentions: p.Mention,
			Language: "en", Visibility: "public",
			Account: account(p.Author),
			Raw:     []byte(fmt.Sprintf(`{"id":%q,"uri":%q}`, p.LocalID(), p.URI())),
		}
		if p.Parent != "" {
			parent := byKey[p.Parent]
			sp.InReplyToLocalID, sp.InReplyToAcct = parent.LocalID(), parent.Author
		}
		for _, l := range p.Links {
			sp.Links = append(sp.Links, store.Link{URL: l, Domain: "example"})
		}
		page = append(page, sp)
	}
	if _, err := st.SavePage(ctx, Host, "cop", page, store.Cursor{Newest: page[len(page)-1].LocalID}); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, p := range posts {
		var boosters, favs []store.Account
		for _, a := range p.Boosts {
			boosters = append(boosters, account(a))
		}
		for _, a := range p.Favs {
			favs = append(favs, account(a))
		}
		if len(boosters)+len(favs) > 0 {
			if err := st.SaveInteractions(ctx, p.URI(), boosters, favs); err != nil {
				t.Fatal(err)
			}
		}
		if p.Deleted {
			deleted = append(deleted, p.URI())
		}
	}
	ids := map[string]int64{}
	rows, err := st.DB().QueryContext(ctx, `SELECT id, uri FROM posts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var uri string
		rows.Scan(&id, &uri)
		ids[uri] = id
	}
	rows.Close()
	var cls []store.Classification
	for _, p := range posts {
		if p.Deleted {
			continue
		}
		cls = append(cls, Classify(ids[p.URI()], p.Hits))
	}
	if err := st.SaveClassifications(ctx, cls); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Tombstone(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	_, err = analysis.Run(ctx, st, analysis.Options{By: analysis.ByGraph, Period: period.WeeksEnding(2026, 47, 12),
		Thresholds: community.DefaultThresholds(), Seed: 1, Save: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func account(acct string) store.Account {
	user, host := splitAcct(acct)
	a := store.Account{Acct: acct, Username: user, DisplayName: "Ms " + user, URL: "https://" + host + "/@" + user,
		URI: "https://" + host + "/users/" + user, Note: "<p>OER fan</p>", Raw: []byte(fmt.Sprintf(`{"acct":%q}`, acct))}
	if acct == Cy {
		a.OptOut, a.Note = true, "<p>#nobot please</p>"
	}
	return a
}

// Classify scores hits the simple way the tests need: each dimension's
// score is the number of its rules that fired; present from 1.
func Classify(postID int64, hits []classify.StoredHit) store.Classification {
	c := store.Classification{PostID: postID, Version: "test-1", Rules: classify.EncodeStoredHits(hits)}
	for _, h := range hits {
		switch classify.RuleDimension(h.Rule) {
		case "domain":
			c.DomainScore++
		case "community":
			c.CommunityScore++
		case "practice":
			c.PracticeScore++
		}
	}
	c.Domain, c.Community, c.Practice = c.DomainScore >= 1, c.CommunityScore >= 1, c.PracticeScore >= 1
	return c
}

// Config is a default configuration whose database holds the Course.
func Config(t testing.TB) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "course.db")
	Course(t, cfg.DB).Close()
	return cfg
}
