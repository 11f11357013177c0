package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/oeru/copharvest/pkg/text"
)

var textFromHTML = text.FromHTML

// testClassifier decides with the rules alone: the rule tests check them.
var testClassifier = New(nil).WithModel(nil)

// modelClassifier decides with the built-in model.
var modelClassifier = New(nil)

// p wraps text in a paragraph and appends Mastodon hashtag links.
func p(text string, tags ...string) string {
	var b strings.Builder
	b.WriteString("<p>" + text)
	for _, t := range tags {
		b.WriteString(` <a href="https://mastodon.oeru.org/tags/` + t + `" class="mention hashtag" rel="tag">#<span>` + t + `</span></a>`)
	}
	b.WriteString("</p>")
	return b.String()
}

func mention(user string) string {
	return `<span class="h-card"><a href="https://mastodon.oeru.org/@` + user + `" class="u-url mention">@<span>` + user + `</span></a></span> `
}

// reply builds a reply by author to parentAuthor in a #ds4oers course thread.
func reply(author, parentAuthor, parentText, text string) *Input {
	return &Input{
		URI: "https://example.org/r", Author: author,
		HTML:         p(mention(parentAuthor) + text),
		Mentions:     []string{parentAuthor},
		InReplyToURI: "https://example.org/parent", ParentAuthor: parentAuthor,
		ParentHTML: p(parentText, "ds4oers"),
		RootTags:   []string{"ds4oers", "cop"}, RootHTML: p(parentText, "ds4oers", "cop"),
	}
}

func topLevel(text string, tags ...string) *Input {
	return &Input{URI: "https://example.org/t", Author: "ana", HTML: p(text, tags...), Tags: tags}
}

type dcp struct{ d, c, p bool }

func verdict(r Result) dcp { return dcp{r.Domain.Present, r.Community.Present, r.Practice.Present} }

// TestCodebookBorderline checks the codebook's own decided borderline cases.
func TestCodebookBorderline(t *testing.T) {
	howto := topLevel(`Adding alt text in H5P: open the content, choose Edit, fill in "Alternative text" for each image. Guide: <a href="https://h5p.org/documentation">h5p.org/documentation</a>`, "ds4oers", "cop")
	howtoOneReply := *howto
	howtoOneReply.DirectRepliers = 1
	howtoTwoReplies := *howto
	howtoTwoReplies.DirectRepliers = 2
	tests := []struct {
		name string
		in   *Input
		want dcp
	}{
		{"question reply", reply("ben", "ana", "Our photo book for Year 3 is up on the course site.", "Which CC licence did you use for the photos?"), dcp{true, true, false}},
		{"asks and reports practice", topLevel("We began recording lessons as podcasts for Year 7. Any tips on licensing the music?", "ds4oers", "cop"), dcp{true, true, true}},
		{"thanks without use", reply("ben", "ana", "Here is the checklist we use for OER reviews.", "Thanks, that checklist is just what our team needed"), dcp{true, true, false}},
		{"proposal, nobody engaged", topLevel("Idea: a termly swap of lesson plans between island schools", "ds4oers", "cop"), dcp{true, false, true}},
		{"opinion with stuffed tags", topLevel("Open pedagogy is the way forward", "oer", "edtech", "teaching", "elearning", "cop"), dcp{true, false, false}},
		{"police drama question", topLevel("Anyone watching the new police drama?", "cop"), dcp{false, true, false}},
		{"how-to, one reply", &howtoOneReply, dcp{true, false, true}},
		{"how-to, two repliers", &howtoTwoReplies, dcp{true, true, true}},
	}
	for _, c := range []*Classifier{testClassifier, modelClassifier} {
		for _, tt := range tests {
			t.Run(c.Version()+"/"+tt.name, func(t *testing.T) {
				r := c.Classify(tt.in)
				if got := verdict(r); got != tt.want {
					t.Errorf("got %+v, want %+v\ndomain %v\ncommunity %v\npractice %v", got, tt.want, r.Domain.Hits, r.Community.Hits, r.Practice.Hits)
				}
				if r.Version != c.Version() {
					t.Errorf("version %q, want %q", r.Version, c.Version())
				}
			})
		}
	}
}

// hit returns the hit of rule in d, if it fired.
func hit(d Dimension, rule string) (Hit, bool) {
	for _, h := range d.Hits {
		if h.Rule == rule {
			return h, true
		}
	}
	return Hit{}, false
}

// TestRules checks each rule fires (or not) on a small example, with the matched words.
func TestRules(t *testing.T) {
	tests := []struct {
		name    string
		in      *Input
		dim     func(Result) Dimension
		rule    string
		fires   bool
		matched string // one of the matched words, when it fires
	}{
		{"D1 seed tag", topLevel("hello", "ds4oers"), dom, "D1", true, "#ds4oers"},
		{"D1 thread root tag", reply("ben", "ana", "Open textbooks for Year 9", "nice"), dom, "D1", true, "thread:#ds4oers"},
		{"D2 domain words", topLevel("Our teachers remix open textbooks"), dom, "D2", true, "open textbooks"},
		{"D2 phrase counted once", topLevel("A lesson plan"), dom, "D2", true, "lesson plan"},
		{"D3 domain site", topLevel(`<a href="https://www.oercommons.org/x">oercommons.org/x</a>`), dom, "D3", true, "oercommons.org"},
		{"D- police", topLevel("The police officer said hi", "cop"), dom, "D-", true, "police"},
		{"D- climate tag", topLevel("Finance gap", "cop30", "cop"), dom, "D-", true, "#cop30"},
		{"D- none", topLevel("Open textbooks", "cop"), dom, "D-", false, ""},
		{"C1 reply to other", reply("ben", "ana", "x", "ok"), com, "C1", true, "ana"},
		{"C1 not a self reply", &Input{Author: "ana", InReplyToURI: "u", ParentAuthor: "ana", HTML: "more"}, com, "C1", false, ""},
		{"C2 mention", &Input{Author: "ana", HTML: p(mention("ben") + "see this"), Mentions: []string{"ben"}}, com, "C2", true, "@ben"},
		{"C3 question", topLevel("Has anyone used H5P offline?"), com, "C3", true, "has anyone"},
		{"C3 no question", topLevel("How I built a quiz bank."), com, "C3", false, ""},
		{"C4 answers", reply("ben", "ana", "How do you print the book?", "In black and white."), com, "C4", true, "answers:ana"},
		{"C5 thanks all", topLevel("Thanks everyone for the help this week!", "ds4oers"), com, "C5", true, "thanks"},
		{"C5 thanks to police is not engagement", topLevel("Thanks to the police for the help in the storm", "cop"), com, "C5", false, ""},
		{"C6 greeting is weak", topLevel("Kia ora! Happy to be here", "ds4oers"), com, "C6", true, "kia ora"},
		{"C7 two repliers", &Input{HTML: "x", DirectRepliers: 2}, com, "C7", true, "2 repliers"},
		{"P1 link", topLevel(`See <a href="https://example.org/guide">the guide</a>`, "ds4oers"), pra, "P1", true, "example.org"},
		{"P1 media", &Input{HTML: "x", MediaCount: 1}, pra, "P1", true, "1 media"},
		{"P2 imperative", topLevel("Tip: use the licence chooser first."), pra, "P2", true, "use"},
		{"P2 not in a question", topLevel("Does anyone know how to export from Moodle?"), pra, "P2", false, ""},
		{"P2 numbered steps", &Input{HTML: "<p>Check:<br>1) sources<br>2) licence</p>"}, pra, "P2", true, "2 steps"},
		{"P3 tool", topLevel("Which licence did you choose?"), pra, "P3", true, "licence"},
		{"P4 story", topLevel("We tried the template with our Year 8 class"), pra, "P4", true, "we tried"},
		{"P4 clipped first person", topLevel("Printed our open workbook at the print shop."), pra, "P4", true, "printed our"},
		{"P4 not in a question", topLevel("Has anyone here we tried?"), pra, "P4", false, ""},
		{"P5 workaround", topLevel("The workaround is to export as EPUB."), pra, "P5", true, "workaround"},
		{"P5 answers a practice question", reply("ben", "ana", "How do you get the grades back to the main site?", "Course backup on the island, carry it on USB, restore it."), pra, "P5", true, "answers:"},
		{"P5 not an answer to a social question", reply("ben", "ana", "Who else is from Tonga?", "Nuku'alofa here, see you at the market soon"), pra, "P5", false, ""},
		{"P5 nothing yet", reply("ben", "ana", "What have you changed in your teaching?", "Honestly, nothing yet, still reading about licences"), pra, "P5", false, ""},
		{"P6 feedback", reply("ben", "ana", "x", "Small correction: NC allows cost recovery."), pra, "P6", true, "small correction"},
		{"P7 proposal with an object", topLevel("We should run a licence clinic each term"), pra, "P7", true, "we should"},
		{"P7 proposal alone is weak", topLevel("We should have a cup of tea"), pra, "P7", true, "we should"},
		{"P7 commitment", reply("ben", "ana", "x", "Count me in, I can host it."), pra, "P7", true, "count me in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.dim(testClassifier.Classify(tt.in))
			h, fired := hit(d, tt.rule)
			if fired != tt.fires {
				t.Fatalf("%s fired=%v, want %v; hits %v", tt.rule, fired, tt.fires, d.Hits)
			}
			if fired && !containsString(h.Matched, tt.matched) {
				t.Errorf("%s matched %q, want it to include %q", tt.rule, h.Matched, tt.matched)
			}
		})
	}
	// Weak rules stay weak: a greeting alone or a bare proposal is not enough.
	if r := testClassifier.Classify(topLevel("Kia ora! Happy to be here", "ds4oers")); r.Community.Present {
		t.Errorf("hello to nobody is community: %v", r.Community.Hits)
	}
	if r := testClassifier.Classify(topLevel("We should have a cup of tea", "ds4oers")); r.Practice.Present {
		t.Errorf("bare proposal is practice: %v", r.Practice.Hits)
	}
}

func dom(r Result) Dimension { return r.Domain }
func com(r Result) Dimension { return r.Community }
func pra(r Result) Dimension { return r.Practice }

func TestScoreClampedAndDocUsed(t *testing.T) {
	in := topLevel("Anyone watching the new police drama? The detective episode was wild", "cop", "tvshows")
	r := testClassifier.Classify(in)
	if r.Domain.Score != 0 || r.Domain.Present {
		t.Errorf("off-domain score %v present %v, want 0 false", r.Domain.Score, r.Domain.Present)
	}
	// A pre-converted Doc gives the same result as converting HTML.
	doc := textFromHTML(in.HTML)
	withDoc := *in
	withDoc.Doc = &doc
	withDoc.HTML = ""
	if got := testClassifier.Classify(&withDoc); !reflect.DeepEqual(got, r) {
		t.Errorf("with Doc: %+v\nwithout: %+v", got, r)
	}
}

func TestClassifyConcurrent(t *testing.T) {
	inputs := benchInputs()
	want := make([]Result, len(inputs))
	for i := range inputs {
		want[i] = testClassifier.Classify(&inputs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range inputs {
				if got := testClassifier.Classify(&inputs[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- inputs[i].URI
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for uri := range errs {
		t.Errorf("concurrent result differs for %s", uri)
	}
}

func TestInputsFromStatuses(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "context_of_thread_root.body.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ctx struct {
		Ancestors   []mastodon.Status `json:"ancestors"`
		Descendants []mastodon.Status `json:"descendants"`
	}
	if err := json.Unmarshal(data, &ctx); err != nil {
		t.Fatal(err)
	}
	// The thread's root is the post whose context this is: it is in the tag timeline.
	data, err = os.ReadFile(filepath.Join("testdata", "tag_fixturetag_all.body.json"))
	if err != nil {
		t.Fatal(err)
	}
	var timeline []mastodon.Status
	if err := json.Unmarshal(data, &timeline); err != nil {
		t.Fatal(err)
	}
	var statuses []mastodon.Status
	for _, s := range timeline {
		if s.ID == "01M83JN9RD8ZGGE98JQHT9A52D" {
			statuses = append(statuses, s)
		}
	}
	statuses = append(statuses, ctx.Ancestors...)
	statuses = append(statuses, ctx.Descendants...)
	inputs := InputsFromStatuses(statuses)
	if len(inputs) != 3 {
		t.Fatalf("got %d inputs, want 3", len(inputs))
	}
	root, frank, erin := inputs[0], inputs[1], inputs[2]
	if root.InReplyToURI != "" || root.DirectRepliers != 1 || root.RootHTML != "" {
		t.Errorf("root: reply=%q repliers=%d rootHTML=%q", root.InReplyToURI, root.DirectRepliers, root.RootHTML)
	}
	if !reflect.DeepEqual(root.Tags, []string{"opentextbook", "fixturetag"}) {
		t.Errorf("root tags %v", root.Tags)
	}
	if frank.Author != "frank" || frank.ParentAuthor != "erin" || frank.InReplyToURI != root.URI || !strings.Contains(frank.ParentHTML, "opentextbook") {
		t.Errorf("frank: %+v", frank)
	}
	if erin.ParentAuthor != "frank" || erin.DirectRepliers != 0 || !reflect.DeepEqual(erin.RootTags, root.Tags) {
		t.Errorf("erin: parent %q repliers %d root tags %v", erin.ParentAuthor, erin.DirectRepliers, erin.RootTags)
	}
	if frank.Doc == nil || erin.RootDoc == nil || !strings.Contains(erin.Doc.Text, "Pressbooks") {
		t.Errorf("docs not filled: %+v %+v", frank.Doc, erin.RootDoc)
	}
	// Frank asks erin which platform; erin's answer names it: a reply, an answer, practice.
	r := testClassifier.Classify(&erin)
	if _, ok := hit(r.Community, "C4"); !ok {
		t.Errorf("erin's answer: no C4 in %v", r.Community.Hits)
	}
	if !r.Practice.Present {
		t.Errorf("erin's answer (Pressbooks, CC BY 4.0, style guide) not practice: %v", r.Practice.Hits)
	}
}
