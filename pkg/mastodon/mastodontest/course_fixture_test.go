package mastodontest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

var update = flag.Bool("update", false, "rewrite testdata/fake/course.json from courseScript")

const courseFile = "../../../testdata/fake/course.json"

// scripted is one post of the hand-written seed course. Reply is the index of the post it
// answers (-1 for top level); Mentions lists accts to render as h-cards.
type scripted struct {
	By       string
	After    time.Duration // after the course start
	Reply    int
	Text     string
	Mentions []string
}

// courseScript is a small realistic #cop / #ds4oers conversation: ideas for practice,
// questions, threads whose replies drop the tag (reachable only via /context), a remote
// learner, an opted-out learner, an off-topic #cop post and links.
var courseScript = []scripted{
	{"aroha", 2 * time.Hour, -1, "Kia ora koutou! Idea: set up a digital messaging platform for teachers in Aotearoa to support each other in #OER development. #cop #ds4oers", nil},
	{"sione", 3 * time.Hour, 0, "@aroha Love this. We tried a Signal group in Samoa last year, it worked while the course ran but faded after.", []string{"aroha"}},
	{"aroha", 4 * time.Hour, 1, "@sione What do you think kept it going while the course ran? A facilitator?", []string{"sione"}},
	{"sione", 5 * time.Hour, 2, "@aroha Yes, one teacher posted a question every Monday. Without her it went quiet.", []string{"aroha"}},
	{"mele", 6 * time.Hour, 0, "@aroha @sione We should rotate that Monday question between schools so no one carries it alone. #cop", []string{"aroha", "sione"}},
	{"tevita", 9 * time.Hour, -1, "Help teachers in Fiji to create a dedicated #cop list on Mastodon as a support group for OER practitioners. #DS4OERS", nil},
	{"losa", 11 * time.Hour, -1, "Has anyone used H5P to build interactive quizzes that can be shared as OER? Which licence did you choose? #cop #ds4oers", nil},
	{"ravi@eduhub.social", 12 * time.Hour, 6, "@losa We built ours in H5P inside Moodle and exported them under CC BY 4.0. Guide here: https://h5p.org/documentation/for-authors/tutorials", []string{"losa"}},
	{"losa", 13 * time.Hour, 7, "@ravi Thank you! Trying the export with my Year 9 class on Monday.", []string{"ravi@eduhub.social"}},
	{"priya", 14 * time.Hour, 6, "@losa Same question here, following this thread.", []string{"losa"}},
	{"wayne", 26 * time.Hour, -1, "Sharing a checklist for choosing an open licence: https://creativecommons.org/choose/ Works well for teachers new to #OER. #ds4oers", nil},
	{"kiri", 28 * time.Hour, 10, "@wayne Thanks, that checklist is just what our team needed.", []string{"wayne"}},
	{"fetu", 30 * time.Hour, -1, "Idea: a termly swap of lesson plans between island schools in Tonga and Niue, all under CC BY. #cop #ds4oers", nil},
	{"ana", 33 * time.Hour, -1, "Anyone watching the new police drama tonight? Best #cop show in years.", nil},
	{"malia", 50 * time.Hour, -1, "We translated two chapters of an open science textbook into Samoan with four volunteer teachers. Slow but the students love it. #cop #ds4oers", nil},
	{"joseph", 52 * time.Hour, 14, "@malia Which platform did you use to publish it?", []string{"malia"}},
	{"malia", 53 * time.Hour, 15, "@joseph Pressbooks, with the chapters under CC BY 4.0. Happy to share our style guide: https://pressbooks.pub/", []string{"joseph"}},
	{"joseph", 54 * time.Hour, 16, "@malia Yes please! Could we put your style guide and our glossary into one shared page? #ds4oers", []string{"malia"}},
	{"grace", 55 * time.Hour, 14, "@malia This is wonderful. Let's plan a translation sprint together next term.", []string{"malia"}},
	{"erin", 72 * time.Hour, -1, "Open pedagogy is the way forward #oer #edtech #teaching #elearning #cop", nil},
	{"frank", 75 * time.Hour, -1, "Idea: hold a licence clinic each term where teachers bring one resource and leave with it openly licensed. #cop #ds4oers", nil},
	{"tevita", 77 * time.Hour, 20, "@frank Great idea, count me in. I can host the first one online.", []string{"frank"}},
	{"aroha", 78 * time.Hour, 20, "@frank Could we record the clinic and share it as a how-to video?", []string{"frank"}},
	{"frank", 79 * time.Hour, 22, "@aroha Good thinking. Next step: a short how-to video after the first clinic.", []string{"aroha"}},
	{"lupe", 96 * time.Hour, -1, "Hello everyone, happy to be here! #ds4oers", nil},
	{"nia", 98 * time.Hour, 24, "@lupe Welcome Lupe! Where are you teaching?", []string{"lupe"}},
	{"lupe", 99 * time.Hour, 25, "@nia At a primary school in Rarotonga. Still new to OER.", []string{"nia"}},
	{"tomas@mastodon.social", 101 * time.Hour, -1, "How do you keep a community of practice alive after a course ends? Ours always fades by week 6. #cop", nil},
	{"hana", 103 * time.Hour, 27, "@tomas Regular rituals: a weekly check-in thread and a shared calendar of who hosts.", []string{"tomas@mastodon.social"}},
	{"sione", 104 * time.Hour, 27, "@tomas We also found a small shared project keeps people coming back. #cop", []string{"tomas@mastodon.social"}},
	{"tomas@mastodon.social", 106 * time.Hour, 29, "@sione @hana Thanks both, trying the check-in thread with our group this week.", []string{"sione", "hana"}},
	{"priya", 120 * time.Hour, -1, "Built a shared question bank for science teachers under CC BY: https://oercommons.org/courses/open-science-question-bank Please add your questions! #cop #ds4oers", nil},
	{"kiri", 122 * time.Hour, 31, "@priya Added ten chemistry questions from our Year 10 unit.", []string{"priya"}},
	{"wayne", 124 * time.Hour, 31, "@priya How do you review questions before they go in?", []string{"priya"}},
	{"priya", 125 * time.Hour, 33, "@wayne Two teachers check each one against a short rubric, then I merge them.", []string{"wayne"}},
	{"mele", 140 * time.Hour, -1, "Idea: pair new teachers with experienced OER authors as mentors for one term. #cop", nil},
	{"hana", 150 * time.Hour, -1, "Week 2 reflection: a list of members is not a community of practice. We need to actually do things together. #ds4oers", nil},
	{"fetu", 152 * time.Hour, 36, "@hana Agreed. Let's start with the lesson plan swap next week.", []string{"hana"}},
	{"ana", 160 * time.Hour, -1, "Traffic stopped for an hour on the main road, a #cop car blocking both lanes.", nil},
	{"nia", 170 * time.Hour, -1, "We ran the licence checklist with our Year 8 teachers today: every group relicensed one worksheet. #cop #ds4oers", nil},
}

// buildCourse stores courseScript on srv with URLs under base.
func buildCourse(t *testing.T, srv *mastodontest.Server) []mastodontest.Status {
	t.Helper()
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	optedOut := map[string]bool{"erin": true}
	ids := make([]string, len(courseScript))
	var out []mastodontest.Status
	accounts := map[string]mastodontest.Account{}
	account := func(acct string) mastodontest.Account {
		if a, ok := accounts[acct]; ok {
			return a
		}
		name, _, _ := strings.Cut(acct, "@")
		a := mastodontest.Account{Acct: acct, DisplayName: strings.ToUpper(name[:1]) + name[1:],
			Discoverable: true, Indexable: true, Note: "<p>Teacher and OER learner.</p>"}
		if optedOut[acct] {
			a.Discoverable, a.Indexable, a.NoIndex = false, false, true
			a.Note = "<p>Learning designer. #nobot</p>"
		}
		a = srv.AddAccount(a)
		accounts[acct] = a
		return a
	}
	for _, p := range courseScript {
		account(p.By)
		for _, m := range p.Mentions {
			account(m)
		}
	}
	for i, p := range courseScript {
		var mentioned []mastodontest.Account
		var mentions []mastodontest.Mention
		for _, m := range p.Mentions {
			a := accounts[m]
			mentioned = append(mentioned, a)
			mentions = append(mentions, mastodontest.Mention{ID: a.ID, Username: a.Username, URL: a.URL, Acct: a.Acct})
		}
		st := mastodontest.Status{Account: accounts[p.By], CreatedAt: start.Add(p.After), Mentions: mentions,
			Content: mastodontest.ContentHTML(srv.URL, p.Text, mentioned)}
		if p.Reply >= 0 {
			st.InReplyToID = ids[p.Reply]
		}
		stored := srv.AddStatus(st)
		ids[i] = stored.ID
		out = append(out, stored)
	}
	return out
}

// TestCourseFixture checks the committed seed course and, with -update, rewrites it.
func TestCourseFixture(t *testing.T) {
	if *update {
		// A fixed clock keeps minted account ids, and so the file, reproducible.
		clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		srv := mastodontest.NewServer(mastodontest.Options{Now: func() time.Time { return clock }})
		defer srv.Close()
		srv.URL = mastodontest.PlaceholderBase // mint every URL under the placeholder base
		buildCourse(t, srv)
		body, err := json.MarshalIndent(srv.Statuses(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(courseFile, append(body, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	if err := srv.LoadFile(courseFile); err != nil {
		t.Fatal(err)
	}
	statuses := srv.Statuses()
	if len(statuses) != len(courseScript) {
		t.Fatalf("course has %d statuses, script %d", len(statuses), len(courseScript))
	}
	raw, _ := os.ReadFile(courseFile)
	if !bytes.Contains(raw, []byte(mastodontest.PlaceholderBase)) {
		t.Errorf("course file does not use the placeholder base %s", mastodontest.PlaceholderBase)
	}
	tagged := map[string]bool{}
	for _, st := range getTimelineAll(t, srv, "cop") {
		tagged[st.ID] = true
	}
	for _, st := range getTimelineAll(t, srv, "ds4oers") {
		tagged[st.ID] = true
	}
	var untaggedReplies, mentions int
	for _, st := range statuses {
		local := !strings.Contains(st.Account.Acct, "@") // remote authors keep their own server's URLs
		if strings.Contains(st.URI, mastodontest.PlaceholderBase) || (local && !strings.HasPrefix(st.URL, srv.URL)) {
			t.Errorf("status %s URLs not rewritten to the server: %s %s", st.ID, st.URI, st.URL)
		}
		if st.InReplyToID != "" && !tagged[st.ID] {
			untaggedReplies++
			if !inContext(t, srv, st.InReplyToID, st.ID) {
				t.Errorf("untagged reply %s not in its parent's context", st.ID)
			}
		}
		mentions += len(st.Mentions)
	}
	if untaggedReplies < 10 || mentions < 20 {
		t.Errorf("course too thin: %d untagged replies, %d mentions", untaggedReplies, mentions)
	}
	// Reply counts survive the round trip through the file.
	if first := statuses[0]; first.RepliesCount != 2 {
		t.Errorf("first post replies_count = %d, want 2", first.RepliesCount)
	}
}

func inContext(t *testing.T, srv *mastodontest.Server, id, want string) bool {
	t.Helper()
	var ctx mastodontest.Context
	if code := getJSON(t, srv.URL+"/api/v1/statuses/"+id+"/context", "", &ctx); code != http.StatusOK {
		t.Fatalf("context of %s: status %d", id, code)
	}
	for _, d := range ctx.Descendants {
		if d.ID == want {
			return true
		}
	}
	return false
}
