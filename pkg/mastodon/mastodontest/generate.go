package mastodontest

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"time"
)

// CourseConfig describes a synthetic course conversation for GenerateCourse.
type CourseConfig struct {
	Posts      int       // top-level posts, each carrying at least one of Tags
	Accounts   int       // distinct authors; 0 = 12
	Tags       []string  // hashtags without '#'; empty = cop, ds4oers
	ReplyShare float64   // replies as a share of Posts (0.5 = one reply per two posts)
	Seed       int64     // same seed, config and fresh server: same statuses and ids
	Start      time.Time // first post; zero = 2026-11-02 00:00 UTC
	Days       int       // top-level posts spread over this many days; 0 = 28
}

// Generated course texts, in the voice of the course's learners (OER practitioners in the
// Pacific and beyond) answering the "share your ideas for practices" activity.
var (
	learnerNames = []string{"aroha", "sione", "mele", "tevita", "losa", "ana", "ravi", "priya",
		"wayne", "kiri", "fetu", "malia", "joseph", "grace", "erin", "frank", "lupe", "nia", "tomas", "hana"}
	remoteHosts = []string{"mastodon.social", "eduhub.social", "mastodon.nz"}
	countries   = []string{"Samoa", "Fiji", "Tonga", "Vanuatu", "Kiribati", "the Cook Islands", "Aotearoa", "Niue"}
	audiences   = []string{"primary teachers", "secondary science teachers", "our Year 8 class",
		"teacher trainees", "school librarians", "maths teachers", "our polytechnic tutors"}
	practices = []string{
		"set up a digital messaging platform for teachers to support each other in #OER development",
		"create a dedicated list on Mastodon as a support group for OER practitioners",
		"run a monthly online meetup where teachers show one open resource they adapted",
		"build a shared question bank under CC BY for science teachers",
		"hold a licence clinic each term to help teachers choose open licences",
		"translate open textbooks into local languages with volunteer teachers",
		"start a termly swap of lesson plans between island schools",
		"record short how-to videos on remixing OER and share them openly",
		"pair new teachers with experienced OER authors as mentors",
		"keep a shared glossary of open licensing terms on a wiki page",
	}
	results = []string{
		"the students loved adapting the examples to local places",
		"four schools now use the same open worksheets",
		"it took longer than planned but the teachers kept coming back",
		"we found the licence checklist saved everyone time",
		"the messaging group is busy every week now",
	}
	questions = []string{
		"Has anyone used H5P to build interactive quizzes for OER?",
		"Which CC licence did you choose for photos taken by students?",
		"How do you keep a community of practice going after the course ends?",
		"Who else is planning to translate an open textbook this year?",
		"How do you credit remixed materials when the source has no licence notice?",
		"Any tips on getting principals to support open resources?",
	}
	answers = []string{
		"We used H5P inside Moodle and exported the quizzes under CC BY, it worked well.",
		"Try the CC licence chooser first, then add the attribution line to every page.",
		"We set up a weekly check-in thread and take turns hosting, that keeps people coming.",
		"Pressbooks made the translation much easier for us, the chapters are under CC BY 4.0.",
		"Our school uses a simple template: title, author, source, licence. Happy to share it.",
		"Start small: one shared unit plan, then invite others to adapt it.",
	}
	thanks = []string{
		"Thanks for sharing, this is really helpful!",
		"Great idea, I agree we need this in our region too.",
		"Welcome to the course, lovely to see you here.",
		"Thank you, I will try this with my class on Monday.",
	}
	plans = []string{
		"Let's put both lists into one shared page next week.",
		"We should run this together across our schools next term.",
		"Could we draft a template together and share it here?",
	}
	offTopic = []string{
		"Anyone watching the new police drama tonight? Best #cop show in years.",
		"Traffic stopped for an hour on the main road, a #cop car blocking both lanes.",
	}
	resources = []Card{
		{URL: "https://oercommons.org/courses/open-textbook-basics", Title: "Open Textbook Basics",
			Description: "An introduction to finding, adapting and publishing open textbooks.", ProviderName: "OER Commons"},
		{URL: "https://wikieducator.org/OERu/OERuCoP", Title: "OERu community of practice",
			Description: "WikiEducator page for the OERu community of practice.", ProviderName: "WikiEducator"},
		{URL: "https://creativecommons.org/licenses/by/4.0/", Title: "Attribution 4.0 International",
			Description: "Creative Commons licence deed for CC BY 4.0.", ProviderName: "Creative Commons"},
		{URL: "https://h5p.org/content-types-and-applications", Title: "H5P content types",
			Description: "Interactive content types you can create with H5P.", ProviderName: "H5P"},
		{URL: "https://pressbooks.pub/", Title: "Pressbooks", Description: "Open book publishing platform.",
			ProviderName: "Pressbooks"},
	}
)

// GenerateCourse adds a deterministic synthetic course to srv: cfg.Posts top-level posts
// carrying the course tags (with the case learners type, e.g. #DS4OERS), spread over
// accounts (a few remote, a few opted out of indexing with #nobot) and days, plus replies
// to posts and to replies (only some repeating a tag, so the rest are reachable only via
// /context) with mentions, links with preview cards, favourites and boosts. It returns the
// added statuses in the order they were stored (creation time).
func GenerateCourse(srv *Server, cfg CourseConfig) []Status {
	if cfg.Accounts <= 0 {
		cfg.Accounts = 12
	}
	if len(cfg.Tags) == 0 {
		cfg.Tags = []string{"cop", "ds4oers"}
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Days <= 0 {
		cfg.Days = 28
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)^0x5eed))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }

	srv.mu.Lock()
	defer srv.mu.Unlock()

	accounts := make([]Account, cfg.Accounts)
	for i := range accounts {
		name := learnerNames[i%len(learnerNames)]
		if i >= len(learnerNames) {
			name = fmt.Sprintf("%s%d", name, i/len(learnerNames)+1)
		}
		acc := Account{Acct: name, DisplayName: strings.ToUpper(name[:1]) + name[1:],
			Discoverable: true, Indexable: true,
			Note: "<p>Teacher and OER enthusiast in " + countries[i%len(countries)] + ".</p>"}
		if i%5 == 4 {
			acc.Acct = name + "@" + remoteHosts[i%len(remoteHosts)]
		}
		if i%8 == 7 {
			// Some people opt out of search and research tools.
			acc.Discoverable, acc.Indexable, acc.NoIndex = false, false, true
			acc.Note = "<p>Learning designer. Please no bots or archiving. #nobot</p>"
		}
		accounts[i] = srv.ensureAccountLocked(acc, cfg.Start)
	}
	// A few accounts write most posts, as in real courses.
	author := func() int {
		f := rng.Float64()
		return int(f * f * float64(len(accounts)))
	}

	type draft struct {
		status Status
		parent int // index into drafts, -1 for top level
	}
	var drafts []draft
	tagText := func() string {
		var chosen []string
		for _, t := range cfg.Tags {
			if rng.Float64() < 0.75 {
				chosen = append(chosen, t)
			}
		}
		if len(chosen) == 0 {
			chosen = []string{pick(cfg.Tags)}
		}
		var b strings.Builder
		for _, t := range chosen {
			if rng.IntN(4) == 0 {
				t = strings.ToUpper(t)
			}
			b.WriteString(" #" + t)
		}
		return b.String()
	}
	hasCop := slices.Contains(cfg.Tags, "cop")

	span := time.Duration(cfg.Days) * 24 * time.Hour
	for i := range cfg.Posts {
		at := cfg.Start.Add(time.Duration((float64(i) + rng.Float64()) / float64(cfg.Posts) * float64(span)))
		by := accounts[author()]
		var text string
		var card *Card
		switch kind := rng.IntN(20); {
		case kind == 0 && hasCop:
			text = pick(offTopic)
		case kind < 7:
			text = "Idea: " + pick(practices) + " in " + pick(countries) + "." + tagText()
		case kind < 11:
			text = pick(questions) + tagText()
		case kind < 15:
			res := resources[rng.IntN(len(resources))]
			card = cardFor(res)
			text = "Sharing this for " + pick(audiences) + ": " + res.URL + tagText()
		default:
			text = "We tried to " + pick(practices) + " with " + pick(audiences) +
				", and " + pick(results) + "." + tagText()
		}
		drafts = append(drafts, draft{parent: -1, status: Status{
			CreatedAt: at, Account: by, Content: ContentHTML(srv.URL, text, nil), Card: card,
		}})
	}

	replies := int(float64(cfg.Posts)*cfg.ReplyShare + 0.5)
	for range replies {
		if len(drafts) == 0 {
			break
		}
		parent := rng.IntN(len(drafts))
		if drafts[parent].parent >= 0 && rng.IntN(10) < 7 {
			parent = rng.IntN(cfg.Posts) // most replies answer a top-level post
		}
		parentAuthor := drafts[parent].status.Account
		by := accounts[author()]
		if by.ID == parentAuthor.ID {
			by = accounts[(author()+1)%len(accounts)]
		}
		var text string
		switch kind := rng.IntN(10); {
		case kind < 4:
			text = pick(answers)
		case kind < 7:
			text = pick(thanks)
		case kind < 9:
			text = pick(plans)
		default:
			text = pick(questions)
		}
		mentions := []Account{parentAuthor}
		text = "@" + parentAuthor.Acct + " " + text
		if rng.IntN(8) == 0 {
			other := accounts[rng.IntN(len(accounts))]
			if other.ID != parentAuthor.ID && other.ID != by.ID {
				text += " cc @" + other.Acct
				mentions = append(mentions, other)
			}
		}
		if rng.Float64() < 0.35 {
			text += tagText()
		}
		delay := time.Duration(5+rng.ExpFloat64()*600) * time.Minute
		st := Status{
			CreatedAt: drafts[parent].status.CreatedAt.Add(delay),
			Account:   by,
			Content:   ContentHTML(srv.URL, text, mentions),
		}
		for _, m := range mentions {
			st.Mentions = append(st.Mentions, Mention{ID: m.ID, Username: m.Username, URL: m.URL, Acct: m.Acct})
		}
		drafts = append(drafts, draft{parent: parent, status: st})
	}

	// Store in time order so parents exist before replies and ids follow time.
	order := make([]int, len(drafts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return drafts[a].status.CreatedAt.Compare(drafts[b].status.CreatedAt)
	})
	ids := make([]string, len(drafts))
	out := make([]Status, 0, len(drafts))
	for _, i := range order {
		st := drafts[i].status
		if p := drafts[i].parent; p >= 0 {
			st.InReplyToID = ids[p]
		}
		stored := srv.addLocked(st)
		ids[i] = stored.ID
		out = append(out, stored)
	}

	// Favourites and boosts from other learners on some top-level posts.
	for i := range out {
		if out[i].InReplyToID != "" {
			continue
		}
		e := srv.entries[out[i].ID]
		// Mastodon lets an account boost or favourite a post once.
		boosted, favourited := map[string]bool{}, map[string]bool{}
		for range rng.IntN(4) {
			if rng.IntN(3) == 0 {
				continue
			}
			by := accounts[rng.IntN(len(accounts))]
			boost := rng.IntN(4) == 0
			if (boost && boosted[by.ID]) || (!boost && favourited[by.ID]) {
				continue
			}
			boosted[by.ID] = boosted[by.ID] || boost
			favourited[by.ID] = favourited[by.ID] || !boost
			srv.recordSeq++
			rec := interaction{recordID: fmt.Sprint(srv.recordSeq), account: by}
			if boost {
				e.rebloggedBy = append(e.rebloggedBy, rec)
				e.status.ReblogsCount++
			} else {
				e.favouritedBy = append(e.favouritedBy, rec)
				e.status.FavouritesCount++
			}
		}
		e.changed()
	}
	// Return statuses as stored now, with the reply and interaction counts they gained.
	for i := range out {
		out[i] = cloneStatus(srv.entries[out[i].ID].status)
	}
	return out
}

func cardFor(res Card) *Card {
	card := res
	card.Type = "link"
	if u, err := url.Parse(res.URL); err == nil {
		card.ProviderURL = u.Scheme + "://" + u.Host
	}
	return &card
}
