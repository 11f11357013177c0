package classify

import (
	"fmt"
	"strings"

	"github.com/oeru/copharvest/pkg/text"
)

// Rule weights. A strong rule alone reaches the default threshold (0.5); a
// weak one needs company. The codebook decides which cues are strong.
const (
	wStrong       = 1.0
	wSeedTag      = 0.6  // an on-topic tag
	wAmbiguousTag = 0.3  // #cop alone: the words must agree
	wExtraTag     = 0.2  // each further on-topic tag
	wDomainTerm   = 0.4  // each distinct domain word
	wThread       = 0.6  // the thread's root is on (or off) the domain
	wOffDomain    = -0.7 // one sign of another sense: a joke about "COP" in a course post survives it
	wOffDomainTwo = -1.0 // two or more signs
	wStuffing     = -0.5
	wOffDomainRes = 0.3 // a link in an off-domain post
	wHowToOne     = 0.6
	wTool         = 0.3 // naming a tool or artefact is not sharing it
	wProposalOnly = 0.2 // "we should..." with nothing of the practice in it
	wGreeting     = 0.3 // hello-to-nobody is not engagement
)

// context is one Classify call: the post and, computed only when a rule
// asks, its parent's and thread root's prepared text.
type context struct {
	c    *Classifier
	in   *Input
	post *post

	parent     *post
	parentDone bool
	parentFull *post // the parent prepared for features, when parentPost did not
	rootPost   *post // the thread root as rootDomain prepared it
	root       *rootVerdict
	domain     bool // the post's domain verdict, once computed
}

// rootVerdict is the thread root's own domain evidence.
type rootVerdict struct {
	onTopic, offTopic bool
	why               []string
}

func (cx *context) isReply() bool { return cx.in.InReplyToURI != "" }

// replyToOther: a reply whose parent is by someone else (unknown counts as
// someone else: self-replies are the exception).
func (cx *context) replyToOther() bool {
	return cx.isReply() && !sameAcct(cx.in.ParentAuthor, cx.in.Author)
}

func sameAcct(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	a, b = strings.ToLower(a), strings.ToLower(b)
	return a == b || strings.HasPrefix(a, b+"@") || strings.HasPrefix(b, a+"@")
}

// parentPost prepares the parent's text, but only when it may hold a
// question: the conversion is the costliest step of Classify.
func (cx *context) parentPost() *post {
	if !cx.parentDone {
		cx.parentDone = true
		if strings.ContainsAny(cx.in.ParentHTML, "?¿") {
			cx.parent = cx.prepareParent()
		}
	}
	return cx.parent
}

// prepareParent prepares the parent's text, reusing the thread root's when
// the post replies to the root (most replies do): converting HTML is the
// costliest step. Only the parent's words, matches and links are read.
func (cx *context) prepareParent() *post {
	if cx.rootPost == nil && cx.in.RootHTML != "" && cx.in.RootHTML == cx.in.ParentHTML {
		cx.rootDomain()
	}
	if r := cx.rootPost; r != nil && cx.in.ParentHTML == cx.in.RootHTML {
		return r
	}
	return cx.c.prepareContext(cx.in.ParentHTML, nil, cx.in.ParentDoc)
}

// rootDomain judges the thread's first post by its own evidence (D1 tags,
// D2 words, D3 sites, D- senses). Tags usually decide, sparing the parse.
func (cx *context) rootDomain() *rootVerdict {
	if cx.root != nil {
		return cx.root
	}
	v := &rootVerdict{}
	cx.root = v
	if !cx.isReply() || (len(cx.in.RootTags) == 0 && cx.in.RootHTML == "") {
		return v
	}
	root := cx.c.prepareContext(cx.in.RootHTML, cx.in.RootTags, cx.in.RootDoc)
	cx.rootPost = root
	tagScore, tagWhy := cx.c.tagEvidence(root.tags)
	words := distinctTerms(root.matches[lDomain], nil)
	sites := cx.c.domainLinks(&root.doc, "")
	off := append(cx.c.offTags(root.tags), distinctTerms(root.matches[lOffDomain], nil)...)
	score := tagScore + min(float64(len(words))*wDomainTerm, 1) + float64(min(len(sites), 1))*wStrong + offDomainWeight(len(off))
	switch {
	case score >= cx.c.Thresholds.Domain:
		v.onTopic, v.why = true, append(append(tagWhy, words...), sites...)
	case len(off) > 0:
		v.offTopic, v.why = true, off
	}
	return v
}

// tagEvidence scores on-topic tags: the best one, plus a little for each other.
func (c *Classifier) tagEvidence(tags []string) (float64, []string) {
	best, n := 0.0, 0
	var why []string
	for _, t := range tags {
		if !c.domainTags[t] {
			continue
		}
		w := wSeedTag
		if c.ambiguous[t] {
			w = wAmbiguousTag
		}
		best = max(best, w)
		n++
		why = append(why, "#"+t)
	}
	if n == 0 {
		return 0, nil
	}
	return min(best+float64(n-1)*wExtraTag, 1), why
}

func (c *Classifier) offTags(tags []string) []string {
	var off []string
	for _, t := range tags {
		if c.offTagSet[t] {
			off = append(off, "#"+t)
		}
	}
	return off
}

// domainLinks lists the links (and the preview card) that point to a domain site.
func (c *Classifier) domainLinks(doc *text.Doc, cardURL string) []string {
	var sites []string
	check := func(host string) {
		for h := host; h != ""; {
			if c.domainSites[h] {
				if !containsString(sites, host) {
					sites = append(sites, host)
				}
				return
			}
			i := strings.IndexByte(h, '.')
			if i < 0 {
				return
			}
			h = h[i+1:]
		}
	}
	for _, l := range doc.Links {
		check(l.Domain)
	}
	if cardURL != "" {
		check(text.Domain(cardURL))
	}
	return sites
}

// distinctTerms lists the distinct terms of ms, skipping matches in
// sentences for which skip returns true.
func distinctTerms(ms []match, skip func(sent int) bool) []string {
	var out []string
	for _, m := range ms {
		if skip != nil && skip(m.sent) {
			continue
		}
		if !containsString(out, m.text) {
			out = append(out, m.text)
		}
	}
	return out
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// inQuestion skips matches in question sentences: "has anyone tried H5P?"
// reports nothing.
func (cx *context) inQuestion(sent int) bool {
	return sent < len(cx.post.info.question) && cx.post.info.question[sent]
}

// offDomainWeight: one sign of another sense weighs less than several.
func offDomainWeight(signs int) float64 {
	switch signs {
	case 0:
		return 0
	case 1:
		return wOffDomain
	}
	return wOffDomainTwo
}

// ---- Domain ----

// d1: an on-topic tag on the post, or on the thread's root.
func (cx *context) d1() Hit {
	w, why := cx.c.tagEvidence(cx.post.tags)
	if r := cx.rootDomain(); r.onTopic {
		w = min(w+wThread, 1)
		for _, t := range r.why {
			why = append(why, "thread:"+t)
		}
	}
	return Hit{Rule: "D1", Weight: w, Matched: why}
}

// d2: words of the domain lexicon.
func (cx *context) d2() Hit {
	terms := distinctTerms(cx.post.matches[lDomain], nil)
	return Hit{Rule: "D2", Weight: min(float64(len(terms))*wDomainTerm, 1), Matched: terms}
}

// d3: a link or preview card to a domain site.
func (cx *context) d3() Hit {
	sites := cx.c.domainLinks(&cx.post.doc, cx.in.CardURL)
	if len(sites) == 0 {
		return Hit{Rule: "D3"}
	}
	return Hit{Rule: "D3", Weight: wStrong, Matched: sites}
}

// dNeg: another sense of #cop (police, TV, climate summits) on the post or
// its thread, and hashtag stuffing (more tags than words).
func (cx *context) dNeg() Hit {
	h := Hit{Rule: "D-"}
	off := append(cx.c.offTags(cx.post.tags), distinctTerms(cx.post.matches[lOffDomain], nil)...)
	h.Weight += offDomainWeight(len(off))
	h.Matched = append(h.Matched, off...)
	if r := cx.rootDomain(); r.offTopic {
		h.Weight -= wThread
		for _, w := range r.why {
			h.Matched = append(h.Matched, "thread:"+w)
		}
	}
	if n := len(cx.post.tags); n >= 5 && n >= len(cx.post.info.words) {
		h.Weight += wStuffing
		h.Matched = append(h.Matched, fmt.Sprintf("stuffing:%d tags, %d words", n, len(cx.post.info.words)))
	}
	return h
}

// ---- Community ----

// c1: a reply to another author.
func (cx *context) c1() Hit {
	if !cx.replyToOther() {
		return Hit{Rule: "C1"}
	}
	who := cx.in.ParentAuthor
	if who == "" {
		who = "reply"
	}
	return Hit{Rule: "C1", Weight: wStrong, Matched: []string{who}}
}

// c2: mentions someone other than the author.
func (cx *context) c2() Hit {
	mentions := cx.in.Mentions
	if len(mentions) == 0 {
		mentions = cx.post.doc.Mentions
	}
	var others []string
	for _, m := range mentions {
		if !sameAcct(m, cx.in.Author) {
			others = append(others, "@"+m)
		}
	}
	if len(others) == 0 {
		return Hit{Rule: "C2"}
	}
	return Hit{Rule: "C2", Weight: wStrong, Matched: others}
}

// c3: asks the others a question.
func (cx *context) c3() Hit {
	cues := distinctTerms(cx.post.matches[lQuestion], nil)
	if !cx.post.info.hasQuestion() && len(cues) == 0 {
		return Hit{Rule: "C3"}
	}
	if cx.post.info.hasQuestion() {
		cues = append(cues, "?")
	}
	return Hit{Rule: "C3", Weight: wStrong, Matched: cues}
}

// c4: answers someone else's question.
func (cx *context) c4() Hit {
	if !cx.replyToOther() {
		return Hit{Rule: "C4"}
	}
	p := cx.parentPost()
	if p == nil || !p.info.hasQuestion() {
		return Hit{Rule: "C4"}
	}
	return Hit{Rule: "C4", Weight: wStrong, Matched: []string{"answers:" + cx.in.ParentAuthor}}
}

// c5: thanks, agrees, welcomes, compliments, wishes well. At the top level
// the thanks must be about the domain or name someone: "thanks to the
// police for their help #cop" does not engage the members.
func (cx *context) c5() Hit {
	terms := distinctTerms(cx.post.matches[lThanks], nil)
	if len(terms) == 0 {
		return Hit{Rule: "C5"}
	}
	if !cx.isReply() && !cx.domain && len(cx.post.doc.Mentions) == 0 && len(cx.in.Mentions) == 0 {
		return Hit{Rule: "C5"}
	}
	return Hit{Rule: "C5", Weight: wStrong, Matched: terms}
}

// c6: greets, or speaks as "we/us/our". Weak: a hello to nobody is 0.
func (cx *context) c6() Hit {
	terms := distinctTerms(cx.post.matches[lGreeting], nil)
	if len(terms) == 0 {
		return Hit{Rule: "C6"}
	}
	return Hit{Rule: "C6", Weight: wGreeting, Matched: terms}
}

// c7: drew direct replies from two or more other people.
func (cx *context) c7() Hit {
	if cx.in.DirectRepliers < 2 {
		return Hit{Rule: "C7"}
	}
	return Hit{Rule: "C7", Weight: wStrong, Matched: []string{fmt.Sprintf("%d repliers", cx.in.DirectRepliers)}}
}

// ---- Practice ----

// p1: shares a resource: a link, a preview card, media.
func (cx *context) p1() Hit {
	var what []string
	for _, l := range cx.post.doc.Links {
		what = append(what, l.Domain)
	}
	if cx.in.CardURL != "" && len(cx.post.doc.Links) == 0 {
		what = append(what, "card:"+text.Domain(cx.in.CardURL))
	}
	if cx.in.MediaCount > 0 {
		what = append(what, fmt.Sprintf("%d media", cx.in.MediaCount))
	}
	if len(what) == 0 {
		return Hit{Rule: "P1"}
	}
	w := wStrong
	// A news link under #cop about police or COP summits is not the practice's repertoire.
	if len(cx.post.matches[lOffDomain]) > 0 || len(cx.c.offTags(cx.post.tags)) > 0 {
		w = wOffDomainRes
	}
	return Hit{Rule: "P1", Weight: w, Matched: what}
}

// p2: how-to language outside questions, or a list of steps (two or more
// numbered or bulleted lines).
func (cx *context) p2() Hit {
	terms := distinctTerms(cx.post.matches[lHowTo], cx.inQuestion)
	if n := countSteps(cx.post.doc.Text); n >= 2 {
		terms = append(terms, fmt.Sprintf("%d steps", n))
	}
	switch len(terms) {
	case 0:
		return Hit{Rule: "P2"}
	case 1:
		return Hit{Rule: "P2", Weight: wHowToOne, Matched: terms}
	}
	return Hit{Rule: "P2", Weight: wStrong, Matched: terms}
}

// countSteps counts lines that start like list items: "1)", "2.", "-", "•".
func countSteps(s string) int {
	n := 0
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "- "), strings.HasPrefix(line, "• "), strings.HasPrefix(line, "* "):
			n++
		case len(line) > 2 && isDigit(line[0]):
			i := 1
			for i < len(line) && isDigit(line[i]) {
				i++
			}
			if i < len(line) && (line[i] == ')' || line[i] == '.') && i+1 < len(line) && line[i+1] == ' ' {
				n++
			}
		}
	}
	return n
}

// p3: names a tool or artefact (weak: naming is not sharing).
func (cx *context) p3() Hit {
	terms := distinctTerms(cx.post.matches[lTools], nil)
	if len(terms) == 0 {
		return Hit{Rule: "P3"}
	}
	return Hit{Rule: "P3", Weight: wTool, Matched: terms}
}

// p4: a practice story: tried, used, adapted, a result. Besides the
// lexicon, a sentence that opens with a past-tense verb and its object
// ("Printed our workbook...", "Moved the course...") is a report of doing,
// in the clipped first person of social media.
func (cx *context) p4() Hit {
	terms := distinctTerms(cx.post.matches[lStory], cx.inQuestion)
	ws := cx.post.info.words
	for i := 0; i+1 < len(ws); i++ {
		w := ws[i]
		if w.start && !cx.inQuestion(w.sent) && len(w.text) > 4 && strings.HasSuffix(w.text, "ed") &&
			ws[i+1].sent == w.sent && reportObjects[ws[i+1].text] {
			terms = append(terms, w.text+" "+ws[i+1].text)
		}
	}
	if len(terms) == 0 {
		return Hit{Rule: "P4"}
	}
	return Hit{Rule: "P4", Weight: wStrong, Matched: terms}
}

// reportObjects are the words that follow a verb of doing in a report.
var reportObjects = map[string]bool{"our": true, "my": true, "the": true, "a": true, "an": true, "it": true, "them": true, "both": true, "all": true}

// p5: a way round a problem, or an answer to someone's practice question
// (a question naming a tool, artefact or domain word) that is more than a
// question or thanks itself.
func (cx *context) p5() Hit {
	terms := distinctTerms(cx.post.matches[lSolution], cx.inQuestion)
	if len(terms) > 0 {
		return Hit{Rule: "P5", Weight: wStrong, Matched: terms}
	}
	// Answers count as practice only in the domain's conversations: tips on
	// rugby are not the community's repertoire.
	if !cx.replyToOther() || !cx.domain {
		return Hit{Rule: "P5"}
	}
	p := cx.parentPost()
	if p == nil || !p.info.hasQuestion() || len(cx.post.matches[lNotYet]) > 0 {
		return Hit{Rule: "P5"}
	}
	// A practice question (a how-question, or one naming a tool, artefact or
	// domain word), or an answer that names them itself: "who else is from
	// Tonga?" answered with "me!" shares no practice.
	outsideParentQuestion := func(sent int) bool { return sent >= len(p.info.question) || !p.info.question[sent] }
	topic := distinctTerms(p.matches[lHowQuestion], outsideParentQuestion)
	topic = append(topic, distinctTerms(p.matches[lTools], outsideParentQuestion)...)
	topic = append(topic, distinctTerms(p.matches[lDomain], outsideParentQuestion)...)
	topic = append(topic, distinctTerms(cx.post.matches[lTools], cx.inQuestion)...)
	topic = append(topic, distinctTerms(cx.post.matches[lDomain], cx.inQuestion)...)
	topic = append(topic, distinctTerms(cx.post.matches[lHowTo], cx.inQuestion)...)
	if len(topic) == 0 {
		return Hit{Rule: "P5"}
	}
	// The answer itself: words outside question sentences, beyond thanks.
	answerWords := 0
	for _, w := range cx.post.info.words {
		if !cx.inQuestion(w.sent) {
			answerWords++
		}
	}
	if answerWords < 5 {
		return Hit{Rule: "P5"}
	}
	return Hit{Rule: "P5", Weight: wStrong, Matched: append([]string{"answers:"}, dedupe(topic)...)}
}

// p6: feedback on an artefact, or curating it.
func (cx *context) p6() Hit {
	terms := distinctTerms(cx.post.matches[lFeedback], nil)
	if len(terms) == 0 {
		return Hit{Rule: "P6"}
	}
	return Hit{Rule: "P6", Weight: wStrong, Matched: terms}
}

// p7: joint enterprise: a proposal that names something of the practice, or
// a commitment to do something with the group.
func (cx *context) p7() Hit {
	commit := distinctTerms(cx.post.matches[lCommitment], cx.inQuestion)
	if len(commit) > 0 {
		return Hit{Rule: "P7", Weight: wStrong, Matched: commit}
	}
	proposal := distinctTerms(cx.post.matches[lJoint], nil)
	if len(proposal) == 0 {
		return Hit{Rule: "P7"}
	}
	objects := distinctTerms(cx.post.matches[lTools], nil)
	objects = append(objects, distinctTerms(cx.post.matches[lDomain], nil)...)
	if len(objects) == 0 {
		return Hit{Rule: "P7", Weight: wProposalOnly, Matched: proposal}
	}
	return Hit{Rule: "P7", Weight: wStrong, Matched: append(proposal, objects...)}
}
