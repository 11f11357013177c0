package classify

import (
	"strings"
	"testing"
)

// The course's own examples of an idea for practice (seed 000, "Sharing
// ideas for practices"), and ideas written in that form for other places and
// activities, are practice: proposing a concrete practice or activity for
// the community is practice in the codebook. A post in that form is a
// top-level broadcast: domain yes, community no.
func TestSeedIdeasArePractice(t *testing.T) {
	ideas := []string{
		// seed 000, verbatim
		"Set up a digital messaging platform for teachers to support each other in #OER development. This is a #cop idea we should consider in Samoa #ds4oers",
		"Help teachers in Fiji to create a dedicated #cop list on mastodon which can be used as a support group for helping #OER practitioners. #ds4oers",
		// the same form, other places and activities
		"Start a monthly online meetup where school librarians show one #OER textbook they have adapted. A #cop idea for Kenya #ds4oers",
		"Create a shared folder of open science worksheets that every teacher in Tonga can reuse and improve. This is a #cop idea for our schools #ds4oers",
		"Organise a licence clinic each term where teachers bring a resource and leave with it openly licensed. #cop idea for Vanuatu #OER #ds4oers",
		"Build a WhatsApp group for maths teachers in each province to share #OER lesson plans and help each other adapt them. #cop #ds4oers",
	}
	for _, text := range ideas {
		in := topLevel(linkTags(text))
		r := modelClassifier.Classify(in)
		if !r.Practice.Present || !r.Domain.Present {
			_, dims := modelClassifier.Explain(in)
			t.Errorf("%q: domain %v (%.2f) practice %v (%.2f), want both present; practice features %v",
				text, r.Domain.Present, r.Domain.Score, r.Practice.Present, r.Practice.Score, dims[2].Contributions)
		}
		if r.Community.Present {
			t.Errorf("%q: a broadcast nobody answered is not community (%.2f)", text, r.Community.Score)
		}
	}
}

// linkTags turns #tags into Mastodon hashtag links, as a server renders them.
func linkTags(text string) string {
	var b strings.Builder
	for i, w := range strings.Fields(text) {
		if i > 0 {
			b.WriteByte(' ')
		}
		if tag, ok := strings.CutPrefix(w, "#"); ok {
			tag = strings.TrimRight(tag, ".,")
			b.WriteString(`<a href="https://mastodon.oeru.org/tags/` + strings.ToLower(tag) + `" class="mention hashtag" rel="tag">#<span>` + tag + `</span></a>`)
			b.WriteString(strings.TrimPrefix(w, "#"+tag))
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}
