// Package classify scores Mastodon posts on the three elements of a
// community of practice (Wenger-Trayner): domain, community and practice.
//
// Named rules (D1..D3, D-, C1..C7, P1..P7; see DESIGN.md and rules.go) fire
// with the words that made them fire; a learned model (model.go: per
// dimension an L2-regularised logistic regression over named features, the
// rules among them; features.go; train.go) takes the decisions, and Explain
// says which features pushed each one. The rules and the model aim at the
// human coding of docs/codebook.md; Evaluate and CompareLabels measure how
// well, and how well two coders agree. The package also owns the stored
// form of a classification (stored.go).
package classify

import (
	"strings"
	"sync"

	"github.com/oeru/copharvest/pkg/text"
)

// Version names the rule set. Bump it whenever a rule, weight, threshold or
// built-in lexicon changes. A result records RulesVersion, or its model's
// version when a model decided.
const Version = "1.1"

// RulesVersion is what a result decided by the rules alone records.
func RulesVersion() string { return "rules-" + Version }

// Input is one post with the context the rules need. The store (or
// InputsFromStatuses) fills it.
type Input struct {
	URI, Author    string // Author: account acct (unique key)
	HTML           string // status content as served
	SpoilerText    string
	Tags, Mentions []string // tag names lower-case; mention accts
	CardURL        string
	MediaCount     int
	Language       string
	InReplyToURI   string // "" for top level; the parent's URI (or id when unknown)
	ParentAuthor   string // author of the parent ("" if unknown/top level)
	ParentHTML     string // parent content, for "answers a question" (C4)
	DirectRepliers int    // distinct OTHER authors who replied directly to this post

	// RootTags and RootHTML describe the first post of the thread (empty for
	// a top-level post). Replies rarely repeat the hashtag; the thread's
	// root says whether the conversation is about the domain (D1, D-).
	RootTags []string
	RootHTML string

	// Doc, ParentDoc and RootDoc optionally hold text.FromHTML of HTML,
	// ParentHTML and RootHTML
	// when the caller has them already (InputsFromStatuses fills them);
	// Classify then skips the conversion, its costliest step.
	Doc, ParentDoc, RootDoc *text.Doc
}

// Result is the classification of one post.
type Result struct {
	Domain, Community, Practice Dimension
	Version                     string
}

// Dimension is the verdict on one element of the triad.
type Dimension struct {
	Score   float64 // sum of the hit weights, clamped to [0, 1]
	Present bool    // the unclamped sum reached the dimension's threshold
	Hits    []Hit
}

// Hit is one rule that fired.
type Hit struct {
	Rule    string   // rubric id: D1, D-, C3, P4...
	Weight  float64  // contribution to the score; negative for D-
	Matched []string // words, tags, sites or structure that made it fire
}

// Thresholds are the sums at which a dimension counts as present.
type Thresholds struct {
	Domain, Community, Practice float64
}

// DefaultThresholds: a single strong rule (weight 1) or two weak ones.
var DefaultThresholds = Thresholds{Domain: 0.5, Community: 0.5, Practice: 0.5}

// Classifier holds the compiled lexicon. It is safe for concurrent use.
type Classifier struct {
	Thresholds Thresholds // of the rules

	model *compiledModel // nil: the rules decide

	words       *matcher
	seedTags    map[string]bool
	domainTags  map[string]bool
	ambiguous   map[string]bool
	offTagSet   map[string]bool
	domainSites map[string]bool

	// context caches the prepared text of parents and thread roots.
	context *preparedCache
}

// wordLists are the lexicon lists matched against a post's words.
var wordLists = []string{
	ListDomainTerms, ListOffDomainTerms, ListTools, ListHowTo, ListStory, ListSolution,
	ListFeedback, ListJoint, ListCommitment, ListQuestion, ListThanks, ListGreeting,
	ListHowQuestion, ListNotYet, ListDoing, ListPlanning, ListPast,
}

// list ids, in the order of wordLists.
const (
	lDomain listID = iota
	lOffDomain
	lTools
	lHowTo
	lStory
	lSolution
	lFeedback
	lJoint
	lCommitment
	lQuestion
	lThanks
	lGreeting
	lHowQuestion
	lNotYet
	lDoing
	lPlanning
	lPast
	numLists
)

// New compiles lex (nil means DefaultLexicon()); the classifier decides
// with the built-in model (WithModel changes that).
func New(lex *Lexicon) *Classifier {
	if lex == nil {
		lex = DefaultLexicon()
	}
	lists := map[listID][]string{}
	for i, name := range wordLists {
		lists[listID(i)] = lex.Lists[name]
	}
	c := &Classifier{
		Thresholds:  DefaultThresholds,
		words:       newMatcher(lists),
		seedTags:    set(lex.SeedTags),
		domainTags:  set(lex.Lists[ListDomainTags]),
		ambiguous:   set(lex.Lists[ListAmbiguousTags]),
		offTagSet:   set(lex.Lists[ListOffDomainTags]),
		domainSites: set(lex.Lists[ListDomainSites]),
		context:     &preparedCache{m: map[string]*post{}},
	}
	for t := range c.seedTags {
		c.domainTags[t] = true
	}
	c.model = builtinCompiled()
	return c
}

// builtinCompiled compiles the built-in model once.
var builtinCompiled = sync.OnceValue(func() *compiledModel { return compile(BuiltinModel()) })

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[strings.ToLower(strings.TrimPrefix(s, "#"))] = true
	}
	return m
}

// post is one post prepared for the rules: text, words and lexicon matches.
type post struct {
	doc     text.Doc
	tags    []string
	info    textInfo
	matches [numLists][]match
}

// prepare converts and matches one post's content.
func (c *Classifier) prepare(html, spoiler string, tags []string, doc *text.Doc) *post {
	p := &post{}
	if doc != nil {
		p.doc = *doc
	} else {
		p.doc = text.FromHTML(html)
	}
	body := p.doc.Text
	// Link texts that are URLs ("oercommons.org/courseware/less…") are not words.
	for _, l := range p.doc.Links {
		if l.Text != "" && !strings.Contains(l.Text, " ") && strings.ContainsAny(l.Text, "./") {
			body = strings.Replace(body, l.Text, " ", 1)
		}
	}
	if spoiler != "" {
		body = spoiler + "\n" + body
	}
	p.info = analyse(body)
	for _, m := range c.words.find(p.info.words, make([]match, 0, 16)) {
		p.matches[m.term.list] = append(p.matches[m.term.list], m)
	}
	p.tags = mergeTags(tags, p.doc.Hashtags)
	return p
}

// preparedCache keeps the prepared text of recent parents and thread roots,
// by their HTML: the replies of a conversation share them, and preparing a
// text is the costliest step of Classify. A prepared post is never changed
// once made, so goroutines share the entries.
type preparedCache struct {
	mu sync.Mutex
	m  map[string]*post // by HTML; tags not merged
}

// maxPrepared bounds the cache (a few MB); when full it starts afresh.
const maxPrepared = 2048

// prepareContext prepares a parent's or thread root's text (tags: the
// root's stored tags), through the cache.
func (c *Classifier) prepareContext(html string, tags []string, doc *text.Doc) *post {
	if html == "" {
		return c.prepare(html, "", tags, doc)
	}
	pc := c.context
	pc.mu.Lock()
	p := pc.m[html]
	pc.mu.Unlock()
	if p == nil {
		p = c.prepare(html, "", nil, doc)
		pc.mu.Lock()
		if len(pc.m) >= maxPrepared {
			clear(pc.m)
		}
		pc.m[html] = p
		pc.mu.Unlock()
	}
	if len(tags) == 0 {
		return p
	}
	withTags := *p
	withTags.tags = mergeTags(tags, p.doc.Hashtags)
	return &withTags
}

func mergeTags(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for _, list := range [][]string{a, b} {
		for _, t := range list {
			t = strings.ToLower(t)
			if !containsString(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Classify scores one post. It is pure: the same Input gives the same
// Result. With a model (the built-in one unless WithModel says otherwise)
// the decisions are the model's and the hits are the rules that fired, its
// strongest features; without one, the rules decide.
func (c *Classifier) Classify(in *Input) Result {
	cx := c.newContext(in)
	r := c.rules(cx)
	if c.model != nil {
		c.model.apply(cx, &r)
	}
	return r
}

func (c *Classifier) newContext(in *Input) *context {
	return &context{c: c, in: in, post: c.prepare(in.HTML, in.SpoilerText, in.Tags, in.Doc)}
}

// rules scores the post with the named rules alone.
func (c *Classifier) rules(cx *context) Result {
	var r Result
	r.Domain = c.dimension(c.Thresholds.Domain, cx.d1(), cx.d2(), cx.d3(), cx.dNeg())
	cx.domain = r.Domain.Present // C5 at top level depends on it
	r.Community = c.dimension(c.Thresholds.Community, cx.c1(), cx.c2(), cx.c3(), cx.c4(), cx.c5(), cx.c6(), cx.c7())
	r.Practice = c.dimension(c.Thresholds.Practice, cx.p1(), cx.p2(), cx.p3(), cx.p4(), cx.p5(), cx.p6(), cx.p7())
	r.Version = RulesVersion()
	return r
}

// dimension sums the rules that fired (Weight != 0).
func (c *Classifier) dimension(threshold float64, hits ...Hit) Dimension {
	var d Dimension
	sum := 0.0
	for _, h := range hits {
		if h.Weight == 0 {
			continue
		}
		d.Hits = append(d.Hits, h)
		sum += h.Weight
	}
	d.Present = sum >= threshold
	d.Score = min(max(sum, 0), 1)
	return d
}
