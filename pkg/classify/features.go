package classify

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The learned model's features. Every feature has a name a person can read:
//
//	rule:C3        a rule fired (the rules of rules.go are features too)
//	rules:practice the rules alone would call the dimension present
//	ctx:reply      conversation context: reply, parent asked, repliers, links, media...
//	cue:doing      a lexicon cue: verbs of doing/using, plans, past-time markers
//	w:template     a word of the post; w:next step a pair of words in one sentence
//
// Values are 0 or 1; a feature is listed at most once per post.

// featureSink receives the features of one post: name (valid only during
// the call) and, for explanations, the words or facts behind it. For a
// word ("w:next") it answers whether the pairs starting with that word
// ("w:next step") can matter to it, sparing the lookup of the others.
type featureSink interface {
	feature(name []byte, why func() string) (pairs bool)
}

// extractFeatures emits the features of the post of cx, whose rule result is res.
func (cx *context) extractFeatures(res *Result, sink featureSink) {
	var buf []byte
	emit := func(why func() string, parts ...string) {
		buf = buf[:0]
		for _, p := range parts {
			buf = append(buf, p...)
		}
		sink.feature(buf, why)
	}
	fixed := func(s string) func() string { return func() string { return s } }

	// Rule signals.
	for i, d := range []*Dimension{&res.Domain, &res.Community, &res.Practice} {
		for k := range d.Hits {
			h := &d.Hits[k]
			emit(func() string { return strings.Join(h.Matched, ", ") }, "rule:", h.Rule)
		}
		if d.Present {
			emit(fixed("the rules' own decision"), "rules:", DimensionNames[i])
		}
	}

	// Conversation context.
	in, p := cx.in, cx.post
	switch {
	case !cx.isReply():
		emit(fixed("not a reply"), "ctx:top_level")
		// A proposal posted on its own is the course's own form of an
		// idea for practice (seed 000): the codebook's "1 0 1" case.
		for k := range res.Practice.Hits {
			if h := &res.Practice.Hits[k]; h.Rule == "P7" && h.Weight > 0 {
				emit(func() string { return strings.Join(h.Matched, ", ") }, "ctx:top_level_proposal")
				break
			}
		}
	case cx.replyToOther():
		emit(fixed("replies to "+in.ParentAuthor), "ctx:reply_to_other")
	default:
		emit(fixed("replies to the author's own post"), "ctx:self_reply")
	}
	if cx.isReply() {
		if pp := cx.parentPost(); pp != nil && pp.info.hasQuestion() {
			emit(fixed("the parent asked a question"), "ctx:parent_asked")
		}
		if pp := cx.parentAlways(); pp != nil {
			if len(pp.doc.Links) > 0 || strings.Contains(in.ParentHTML, "<img") {
				emit(fixed("the parent shared a link"), "ctx:parent_link")
			}
			if len(pp.matches[lJoint])+len(pp.matches[lCommitment]) > 0 {
				emit(func() string {
					return "the parent proposed: " + strings.Join(distinctTerms(slices.Concat(pp.matches[lJoint], pp.matches[lCommitment]), nil), ", ")
				}, "ctx:parent_proposes")
			}
			if len(pp.matches[lHowTo])+len(pp.matches[lSolution]) > 0 {
				emit(fixed("the parent gave a how-to"), "ctx:parent_howto")
			}
		}
		if r := cx.rootDomain(); r.onTopic {
			emit(fixed("thread root: "+strings.Join(r.why, ", ")), "ctx:thread_on_domain")
		} else if r.offTopic {
			emit(fixed("thread root: "+strings.Join(r.why, ", ")), "ctx:thread_off_domain")
		}
	}
	switch n := in.DirectRepliers; {
	case n == 1:
		emit(fixed("1 other replied"), "ctx:repliers_1")
	case n >= 2:
		emit(fixed(strconv.Itoa(n)+" others replied"), "ctx:repliers_2+")
	}
	if len(p.doc.Links) > 0 {
		emit(func() string { return p.doc.Links[0].Domain }, "ctx:link")
	} else if in.CardURL != "" {
		emit(fixed("link preview"), "ctx:link")
	}
	if in.MediaCount > 0 {
		emit(fixed(strconv.Itoa(in.MediaCount)+" media"), "ctx:media")
	}
	if len(in.Mentions) > 0 || len(p.doc.Mentions) > 0 {
		emit(fixed("mentions someone"), "ctx:mention")
	}
	if p.info.hasQuestion() {
		emit(fixed("a sentence ends in ?"), "ctx:question")
	}
	switch n := len(p.info.words); {
	case n < 4:
		emit(fixed(strconv.Itoa(n)+" words"), "ctx:words_under_4")
	case n < 10:
		emit(fixed(strconv.Itoa(n)+" words"), "ctx:words_4_9")
	case n > 40:
		emit(fixed(strconv.Itoa(n)+" words"), "ctx:words_over_40")
	}
	// Figures (counts, dates, sizes) mark reports of what was done in any
	// language: "31 of 38 students", "140 termes", "maneno 350".
	for _, w := range p.info.words {
		if strings.ContainsAny(w.text, "0123456789") {
			emit(fixed("a figure: "+w.text), "ctx:number")
			break
		}
	}
	if n := len(p.tags); n >= 5 {
		emit(fixed(strconv.Itoa(n)+" tags"), "ctx:tags_5+")
	}

	// Cues of doing, planning and past time, outside questions.
	for _, cue := range []struct {
		list listID
		name string
	}{{lDoing, "cue:doing"}, {lPlanning, "cue:plan"}, {lPast, "cue:past"}} {
		if words := distinctTerms(p.matches[cue.list], cx.inQuestion); len(words) > 0 {
			emit(func() string { return strings.Join(words, ", ") }, cue.name)
		}
	}
	var ed []string
	for _, w := range p.info.words {
		if len(w.text) > 4 && strings.HasSuffix(w.text, "ed") && !cx.inQuestion(w.sent) {
			ed = append(ed, w.text)
		}
	}
	if len(ed) > 0 {
		emit(func() string { return strings.Join(dedupe(ed), ", ") }, "cue:past_ed")
	}
	// Spanish and Portuguese first-person past (usé, cambié; usei, mudei).
	var p1 []string
	for _, w := range p.info.words {
		if cx.inQuestion(w.sent) || utf8.RuneCountInString(w.text) < 4 {
			continue
		}
		if strings.HasSuffix(w.text, "é") || strings.HasSuffix(w.text, "ei") {
			p1 = append(p1, w.text)
		}
	}
	if len(p1) > 0 {
		emit(func() string { return strings.Join(dedupe(p1), ", ") }, "cue:past_1p")
	}
	if cx.inQuestionAll() {
		emit(fixed("every sentence is a question"), "ctx:only_questions")
	}

	// Words and pairs of words in one sentence; the words behind them are
	// their names (why is nil).
	ws := p.info.words
	for i := range ws {
		buf = append(append(buf[:0], "w:"...), ws[i].text...)
		if sink.feature(buf, nil) && i+1 < len(ws) && ws[i+1].sent == ws[i].sent {
			buf = append(append(buf, ' '), ws[i+1].text...)
			sink.feature(buf, nil)
		}
	}
}

// inQuestionAll: the post has words and all its sentences are questions.
func (cx *context) inQuestionAll() bool {
	if len(cx.post.info.words) == 0 {
		return false
	}
	for _, w := range cx.post.info.words {
		if !cx.inQuestion(w.sent) {
			return false
		}
	}
	return true
}

// nameSink collects distinct feature names (training).
type nameSink struct {
	seen  map[string]bool
	names []string
}

func (s *nameSink) feature(name []byte, _ func() string) bool {
	if !s.seen[string(name)] {
		n := string(name)
		s.seen[n] = true
		s.names = append(s.names, n)
	}
	return true
}

// Features lists the names of the features of one post, each once, in the
// order they were found: what a model is trained on.
func (c *Classifier) Features(in *Input) []string {
	cx := c.newContext(in)
	res := c.rules(cx)
	s := &nameSink{seen: map[string]bool{}}
	cx.extractFeatures(&res, s)
	return s.names
}

// parentAlways prepares the parent's text whatever it holds (features read
// what the parent shared or proposed).
func (cx *context) parentAlways() *post {
	if p := cx.parentPost(); p != nil {
		return p
	}
	if cx.in.ParentHTML == "" && cx.in.ParentDoc == nil {
		return nil
	}
	if cx.parentFull == nil {
		cx.parentFull = cx.prepareParent()
	}
	return cx.parentFull
}
