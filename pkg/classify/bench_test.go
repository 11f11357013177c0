package classify

import (
	"testing"

	"github.com/oeru/copharvest/pkg/text"
)

// benchInputs is a realistic mix of course posts as Mastodon serves them:
// tagged top-level posts with links, replies with mentions, their parents
// and thread roots, an off-domain #cop post.
func benchInputs() []Input {
	root := p(`Kia ora koutou! Week 3: share one open resource you use with your class, and how you adapted it.`, "ds4oers", "cop")
	link := `<a href="https://www.oercommons.org/courseware/lesson/12345-open-licensing-basics" rel="nofollow noopener" translate="no" target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">oercommons.org/courseware/less</span><span class="invisible">on/12345-open-licensing-basics</span></a>`
	question := p(mention("nadia") + "Which platform did you use to publish it? We have a Moodle site but no Pressbooks.")
	return []Input{
		{URI: "u1", Author: "nadia", HTML: root, Tags: []string{"ds4oers", "cop"}, DirectRepliers: 3},
		{URI: "u2", Author: "aroha", HTML: p("In our kura we've been translating OER science units into te reo Māori. Here's the attribution block we settled on: "+link, "ds4oers", "cop"),
			Tags: []string{"ds4oers", "cop"}, CardURL: "https://www.oercommons.org/courseware/lesson/12345", DirectRepliers: 2},
		{URI: "u3", Author: "rangi", HTML: question, Mentions: []string{"nadia"}, InReplyToURI: "u1", ParentAuthor: "nadia", ParentHTML: root, RootTags: []string{"ds4oers", "cop"}, RootHTML: root},
		{URI: "u4", Author: "nadia", HTML: p(mention("rangi") + "Pressbooks, with the chapters under CC BY 4.0. Happy to share our style guide."), Mentions: []string{"rangi"},
			InReplyToURI: "u3", ParentAuthor: "rangi", ParentHTML: question, RootTags: []string{"ds4oers", "cop"}, RootHTML: root},
		{URI: "u5", Author: "sefo", HTML: p("How I turned our Year 11 algebra worksheets into a Moodle quiz bank in an afternoon: write the questions in GIFT format, import them under Question bank, tag each one by topic.", "ds4oers"), Tags: []string{"ds4oers"}, DirectRepliers: 1},
		{URI: "u6", Author: "mike@mastodon.social", HTML: p("Thirty years on the beat and the best advice I ever got came from a lollipop lady.", "cop"), Tags: []string{"cop"}},
		{URI: "u7", Author: "sina", HTML: p(mention("nadia") + "Thank you! I missed it because of a staff meeting 🙈"), Mentions: []string{"nadia"}, InReplyToURI: "u1", ParentAuthor: "nadia", ParentHTML: root, RootTags: []string{"ds4oers", "cop"}, RootHTML: root},
		{URI: "u8", Author: "tevita", HTML: p("Next step for our school: a ten-minute how-to video in Tongan on finding CC-licensed images, so teachers stop grabbing pictures from Google Images.", "cop", "ds4oers"), Tags: []string{"cop", "ds4oers"}},
	}
}

// preparsed fills Doc, ParentDoc and RootDoc, as InputsFromStatuses does.
func preparsed(inputs []Input) []Input {
	out := make([]Input, len(inputs))
	for i, in := range inputs {
		d := text.FromHTML(in.HTML)
		in.Doc = &d
		if in.ParentHTML != "" {
			pd := text.FromHTML(in.ParentHTML)
			in.ParentDoc = &pd
		}
		if in.RootHTML != "" {
			r := text.FromHTML(in.RootHTML)
			in.RootDoc = &r
		}
		out[i] = in
	}
	return out
}

func benchClassify(b *testing.B, inputs []Input) { benchClassifyWith(b, New(nil), inputs) }

func benchClassifyWith(b *testing.B, c *Classifier, inputs []Input) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c.Classify(&inputs[n%len(inputs)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

func benchClassifyParallel(b *testing.B, inputs []Input) {
	c := New(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			c.Classify(&inputs[n%len(inputs)])
			n++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkClassify converts each post's HTML (and its parent's and root's
// when a rule needs them) on every call: the cost for a caller with HTML only.
func BenchmarkClassify(b *testing.B) { benchClassify(b, benchInputs()) }

func BenchmarkClassifyParallel(b *testing.B) { benchClassifyParallel(b, benchInputs()) }

// BenchmarkClassifyPreparsed has Doc and RootDoc filled, as InputsFromStatuses
// (and a store that keeps plain text) provides them.
func BenchmarkClassifyPreparsed(b *testing.B) { benchClassify(b, preparsed(benchInputs())) }

func BenchmarkClassifyPreparsedParallel(b *testing.B) {
	benchClassifyParallel(b, preparsed(benchInputs()))
}

// BenchmarkClassifyRulesOnly is BenchmarkClassifyPreparsed without the
// learned model (model: rules): the model's share of the cost.
func BenchmarkClassifyRulesOnly(b *testing.B) {
	benchClassifyWith(b, New(nil).WithModel(nil), preparsed(benchInputs()))
}
