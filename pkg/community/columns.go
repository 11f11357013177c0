package community

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Columns holds a window's posts and interactions as parallel arrays of
// integers (a struct of arrays): accounts, tags and resources are ids into
// shared tables, times are Unix nanoseconds, tags and resources are id
// lists cut from one array. A million posts cost ~50 bytes each instead
// of a Post's ~200 and its strings, and the measures compare integers.
// Groups found on Columns list the rows of their posts, not pointers.
type Columns struct {
	accounts []string // account id -> name ("" for none)
	terms    []string // tag or resource id -> text
	// canonAccount and canonTerm map the ids given by the caller onto one
	// id per distinct name, so that comparing ids compares names.
	canonAccount, canonTerm []int32
	accountIDs, termIDs     map[string]int32 // built on first need

	// Posts, one row each.
	key      []int64  // the post's own key (what parent points at)
	author   []int32  // account id
	instance []int32  // term id of the author's instance; nil: from the account
	at       []int64  // Unix nanoseconds; zeroTime for the zero time.Time
	replyTo  []int32  // account replied to, 0 when unknown
	parent   []int64  // key of the post replied to, 0 when no reply, UnknownParent
	flags    []uint8  // postDomain...
	tagOff   []uint32 // tags of row i: tags[tagOff[i]:tagOff[i+1]] (own, then thread's)
	tags     []int32
	resOff   []uint32 // resources of row i, likewise
	res      []int32

	// Interactions, one row each.
	from, to []int32
	kind     []uint8
	eAt      []int64 // when the act happened; zeroTime when unknown
	ePostAt  []int64 // creation time of the post carrying it: what windows select on
}

// UnknownParent is the parent key of a reply whose parent is not loaded.
const UnknownParent = -1

// zeroTime stands for the zero time.Time, which is before every other.
const zeroTime = math.MinInt64

const (
	postDomain uint8 = 1 << iota
	postCommunity
	postPractice
	postQuestion
	postAnswered
	postClassified
)

// PostFacts is one post for Columns.AddPost; ids are those of the tables
// given to NewColumns.
type PostFacts struct {
	Key                                                         int64
	Author                                                      int32
	At                                                          int64 // Unix nanoseconds
	ReplyTo                                                     int32 // account id replied to, 0 when unknown
	Parent                                                      int64 // key of the post replied to: 0 no reply, UnknownParent not loaded
	Classified, Domain, Community, Practice, Question, Answered bool
	Tags, ThreadTags, Resources                                 []uint32
}

// NewColumns starts empty columns over the account and term tables (index
// = id; ids absent from the store are ""), with room for posts posts.
func NewColumns(accounts, terms []string, posts int) *Columns {
	// Clipped: columns made over the same tables append their own names
	// to copies, never into a shared array (see Append).
	c := &Columns{accounts: slices.Clip(accounts), terms: slices.Clip(terms)}
	c.canonAccount, c.accountIDs = CanonicalIDs(accounts)
	c.canonTerm, c.termIDs = CanonicalIDs(terms)
	c.key = make([]int64, 0, posts)
	c.author = make([]int32, 0, posts)
	c.at = make([]int64, 0, posts)
	c.replyTo = make([]int32, 0, posts)
	c.parent = make([]int64, 0, posts)
	c.flags = make([]uint8, 0, posts)
	c.tagOff = make([]uint32, 1, posts+1)
	c.resOff = make([]uint32, 1, posts+1)
	return c
}

// CanonicalIDs maps each index of names to the first index holding the
// same name, and returns that index by name too: ids that compare equal
// when their names do.
func CanonicalIDs(names []string) ([]int32, map[string]int32) {
	canon := make([]int32, len(names))
	ids := make(map[string]int32, len(names))
	for i, n := range names {
		id, ok := ids[n]
		if !ok {
			id = int32(i)
			ids[n] = id
		}
		canon[i] = id
	}
	return canon, ids
}

// Accounts is the number of account ids the columns know.
func (c *Columns) Accounts() int { return len(c.accounts) }

// Terms is the number of term ids the columns know.
func (c *Columns) Terms() int { return len(c.terms) }

// Account returns the id of the account name, adding it when new. Not safe
// for concurrent use.
func (c *Columns) Account(name string) int32 {
	return intern(&c.accounts, &c.canonAccount, c.accountIDs, name)
}

// term returns the id of the term, adding it when new.
func (c *Columns) term(name string) int32 {
	return intern(&c.terms, &c.canonTerm, c.termIDs, name)
}

// intern returns the id of name in a table (names, their canonical ids and
// the index by name), adding it when new.
func intern(names *[]string, canon *[]int32, ids map[string]int32, name string) int32 {
	if id, ok := ids[name]; ok {
		return id
	}
	id := int32(len(*names))
	*names = append(*names, name)
	*canon = append(*canon, id)
	ids[name] = id
	return id
}

// AddPost appends a post; ids must be within the tables.
func (c *Columns) AddPost(p PostFacts) {
	c.key = append(c.key, p.Key)
	c.author = append(c.author, c.canonAccount[p.Author])
	c.at = append(c.at, p.At)
	c.replyTo = append(c.replyTo, c.canonAccount[p.ReplyTo])
	c.parent = append(c.parent, p.Parent)
	var f uint8
	for _, b := range []struct {
		on  bool
		bit uint8
	}{{p.Domain, postDomain}, {p.Community, postCommunity}, {p.Practice, postPractice},
		{p.Question, postQuestion}, {p.Answered, postAnswered}, {p.Classified, postClassified}} {
		if b.on {
			f |= b.bit
		}
	}
	c.flags = append(c.flags, f)
	for _, t := range p.Tags {
		c.tags = append(c.tags, c.canonTerm[t])
	}
	for _, t := range p.ThreadTags {
		c.tags = append(c.tags, c.canonTerm[t])
	}
	c.tagOff = append(c.tagOff, uint32(len(c.tags)))
	for _, r := range p.Resources {
		c.res = append(c.res, c.canonTerm[r])
	}
	c.resOff = append(c.resOff, uint32(len(c.res)))
	if c.instance != nil {
		c.instance = append(c.instance, c.term(c.authorInstance(len(c.key)-1)))
	}
}

// AddEdge appends an interaction: from acted towards to at at (Unix
// nanoseconds; zeroTime when unknown), carried by a post created at postAt.
func (c *Columns) AddEdge(kind EdgeKind, from, to int32, at, postAt int64) {
	c.from = append(c.from, c.canonAccount[from])
	c.to = append(c.to, c.canonAccount[to])
	c.kind = append(c.kind, uint8(kind))
	c.eAt = append(c.eAt, at)
	c.ePostAt = append(c.ePostAt, postAt)
}

// TakeEdges moves the interactions of e, columns over the same account
// table, to the end of c's.
func (c *Columns) TakeEdges(e *Columns) {
	c.from, c.to, c.kind = append(c.from, e.from...), append(c.to, e.to...), append(c.kind, e.kind...)
	c.eAt, c.ePostAt = append(c.eAt, e.eAt...), append(c.ePostAt, e.ePostAt...)
	e.from, e.to, e.kind, e.eAt, e.ePostAt = nil, nil, nil, nil, nil
}

// Append moves d's posts and interactions after c's. c and d must have
// been made by NewColumns over the same tables, and added only posts (no
// AddPosts); names d added to its tables are added to c's. d's posts and
// interactions must not be earlier than c's, so that c stays in order.
func (c *Columns) Append(d *Columns) {
	shared := min(len(c.accounts), len(d.accounts))
	account := func(id int32) int32 {
		if int(id) < shared && c.accounts[id] == d.accounts[id] {
			return id
		}
		return c.Account(d.accounts[id])
	}
	sharedTerms := min(len(c.terms), len(d.terms))
	term := func(id int32) int32 {
		if int(id) < sharedTerms && c.terms[id] == d.terms[id] {
			return id
		}
		return c.term(d.terms[id])
	}
	c.key, c.at, c.parent, c.flags = append(c.key, d.key...), append(c.at, d.at...), append(c.parent, d.parent...), append(c.flags, d.flags...)
	// Columns read over the same tables that neither grew keep the same
	// ids: their rows are copied as they are (a million posts' worth when a
	// window is read in parts).
	sameAccounts, sameTerms := sameTable(c.accounts, d.accounts), sameTable(c.terms, d.terms)
	if sameAccounts {
		c.author, c.replyTo = append(c.author, d.author...), append(c.replyTo, d.replyTo...)
	} else {
		for i := range d.author {
			c.author = append(c.author, account(d.author[i]))
			c.replyTo = append(c.replyTo, account(d.replyTo[i]))
		}
	}
	for _, off := range []struct {
		offs     *[]uint32
		ids      *[]int32
		fromOffs []uint32
		fromIDs  []int32
	}{{&c.tagOff, &c.tags, d.tagOff, d.tags}, {&c.resOff, &c.res, d.resOff, d.res}} {
		base := (*off.offs)[len(*off.offs)-1]
		for _, o := range off.fromOffs[1:] {
			*off.offs = append(*off.offs, base+o)
		}
		if sameTerms {
			*off.ids = append(*off.ids, off.fromIDs...)
			continue
		}
		for _, id := range off.fromIDs {
			*off.ids = append(*off.ids, term(id))
		}
	}
	if sameAccounts {
		c.from, c.to = append(c.from, d.from...), append(c.to, d.to...)
	} else {
		for i := range d.from {
			c.from, c.to = append(c.from, account(d.from[i])), append(c.to, account(d.to[i]))
		}
	}
	c.kind, c.eAt, c.ePostAt = append(c.kind, d.kind...), append(c.eAt, d.eAt...), append(c.ePostAt, d.ePostAt...)
	*d = Columns{}
}

// sameTable reports whether a and b are the same table of names (one
// array, same length), so that an id means the same name in both.
func sameTable(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Nanos is t in Unix nanoseconds as Columns keep it (the zero time stays
// before every other).
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	return t.UnixNano()
}

func timeOf(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Posts is the number of posts.
func (c *Columns) Posts() int { return len(c.key) }

// Classified counts the posts the classifier has decided.
func (c *Columns) Classified() int {
	n := 0
	for _, f := range c.flags {
		if f&postClassified != 0 {
			n++
		}
	}
	return n
}

// Authors counts the distinct authors of the posts.
func (c *Columns) Authors() int {
	seen := make([]bool, len(c.accounts))
	n := 0
	for _, a := range c.author {
		if !seen[a] {
			seen[a] = true
			n++
		}
	}
	return n
}

// SortEdges orders the interactions by the creation time of their post,
// keeping the order of those created at the same time, so that Within
// can cut them.
func (c *Columns) SortEdges() {
	if slices.IsSorted(c.ePostAt) {
		return
	}
	order := make([]int32, len(c.ePostAt))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		x, y := c.ePostAt[a], c.ePostAt[b]
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	c.from, c.to, c.kind = permute(c.from, order), permute(c.to, order), permute(c.kind, order)
	c.eAt, c.ePostAt = permute(c.eAt, order), permute(c.ePostAt, order)
}

func permute[T any](s []T, order []int32) []T {
	out := make([]T, len(s))
	for i, o := range order {
		out[i] = s[o]
	}
	return out
}

// Within keeps what a narrower window selects: posts and interactions by
// the creation time of their post. Posts must have been added in time
// order and the edges sorted (SortEdges): a window is then a range of
// rows, and nothing is copied.
func (c *Columns) Within(w Window) *Columns {
	start, end := windowNanos(w)
	span := func(ts []int64) (int, int) {
		lo, _ := slices.BinarySearch(ts, start)
		hi := len(ts)
		if !w.End.IsZero() {
			hi, _ = slices.BinarySearch(ts, end)
		}
		return lo, max(lo, hi)
	}
	plo, phi := span(c.at)
	elo, ehi := span(c.ePostAt)
	d := *c
	d.key, d.author, d.at, d.replyTo, d.parent, d.flags = c.key[plo:phi], c.author[plo:phi], c.at[plo:phi], c.replyTo[plo:phi], c.parent[plo:phi], c.flags[plo:phi]
	d.tagOff, d.resOff = c.tagOff[plo:phi+1], c.resOff[plo:phi+1]
	if c.instance != nil {
		d.instance = c.instance[plo:phi]
	}
	d.from, d.to, d.kind, d.eAt, d.ePostAt = c.from[elo:ehi], c.to[elo:ehi], c.kind[elo:ehi], c.eAt[elo:ehi], c.ePostAt[elo:ehi]
	return &d
}

// windowNanos is the window in Unix nanoseconds, an open side as the
// widest bound.
func windowNanos(w Window) (start, end int64) {
	start, end = math.MinInt64, math.MaxInt64
	if !w.Start.IsZero() {
		start = w.Start.UnixNano()
	}
	if !w.End.IsZero() {
		end = w.End.UnixNano()
	}
	return start, end
}

// inWindow is Window.Contains on nanoseconds.
func inWindow(t, start, end int64) bool { return t >= start && t < end }

// weekOfNanos is weekIndex of a time in Unix nanoseconds.
func weekOfNanos(n int64) int32 {
	const week = 7 * 24 * 3600
	const firstMonday = 4 * 24 * 3600
	s := n / 1e9
	if n%1e9 < 0 {
		s-- // floor, as time.Unix does
	}
	s -= firstMonday
	if s < 0 {
		return int32((s - week + 1) / week)
	}
	return int32(s / week)
}

// ColumnsOf puts posts and edges in columns; row i is posts[i].
func ColumnsOf(posts []Post, edges []Edge) *Columns {
	ptrs := make([]*Post, len(posts))
	for i := range posts {
		ptrs[i] = &posts[i]
	}
	return columnsOfPtrs(ptrs, edges)
}

// columnsOfPtrs puts the posts and edges in columns; row i is *posts[i].
func columnsOfPtrs(posts []*Post, edges []Edge) *Columns {
	c := NewColumns([]string{""}, nil, len(posts))
	c.addPosts(posts, nil)
	for i := range edges {
		e := &edges[i]
		c.AddEdge(e.Kind, c.Account(e.From), c.Account(e.To), Nanos(e.At), 0)
	}
	return c
}

// AddPosts appends posts; classified[i] says whether posts[i] is
// classified (nil: all are). A post is keyed by its place in posts; a
// reply points at the last post with its InReplyToURI, or at no loaded
// post. Not safe for concurrent use.
func (c *Columns) AddPosts(posts []Post, classified []bool) {
	ptrs := make([]*Post, len(posts))
	for i := range posts {
		ptrs[i] = &posts[i]
	}
	c.addPosts(ptrs, classified)
}

func (c *Columns) addPosts(posts []*Post, classified []bool) {
	if c.instance == nil {
		instance := make([]int32, len(c.key), cap(c.key))
		for i := range c.key {
			instance[i] = c.term(c.authorInstance(i))
		}
		c.instance = instance
	}
	base := int64(0)
	if n := len(c.key); n > 0 {
		base = slices.Max(c.key)
	}
	byURI := make(map[string]int64, len(posts))
	for i, p := range posts {
		byURI[p.URI] = base + int64(i) + 1
	}
	for i, p := range posts {
		f := PostFacts{Key: base + int64(i) + 1, Author: c.Account(p.Author), At: Nanos(p.At), ReplyTo: c.Account(p.InReplyToAuthor),
			Domain: p.Domain, Community: p.Community, Practice: p.Practice, Question: p.Question, Answered: p.Answered,
			Classified: classified == nil || classified[i]}
		if p.InReplyToURI != "" {
			f.Parent = UnknownParent
			if k, ok := byURI[p.InReplyToURI]; ok {
				f.Parent = k
			}
		}
		for _, t := range p.Tags {
			f.Tags = append(f.Tags, uint32(c.term(t)))
		}
		for _, t := range p.ThreadTags {
			f.ThreadTags = append(f.ThreadTags, uint32(c.term(t)))
		}
		for _, r := range p.Resources {
			f.Resources = append(f.Resources, uint32(c.term(r)))
		}
		c.AddPost(f)
		c.instance[len(c.instance)-1] = c.term(instanceOf(p))
	}
}

// instanceKey is the lower-cased instance of row i's author.
func (c *Columns) instanceKey(i int) string {
	if c.instance != nil {
		return c.terms[c.instance[i]]
	}
	return c.authorInstance(i)
}

// authorInstance is the lower-cased instance of row i's account.
func (c *Columns) authorInstance(i int) string {
	return instanceOf(&Post{Author: c.accounts[c.author[i]]})
}

// tagKey is a tag as ByTag groups it.
func tagKey(tag string) string { return strings.ToLower(strings.TrimPrefix(tag, "#")) }

// tiedAccounts returns the sorted, distinct accounts that take part in at
// least one tie of edges.
func tiedAccounts(edges []Edge) []string {
	c := ColumnsOf(nil, edges)
	var names []string
	for _, a := range c.tiedAccounts() {
		names = append(names, c.accounts[a])
	}
	return names
}

// buildTieGraph makes the tie graph over names (sorted, distinct) from the
// tie edges.
func buildTieGraph(names []string, edges []Edge) *tieGraph {
	c := ColumnsOf(nil, edges)
	nodes := make([]int32, len(names))
	for i, n := range names {
		nodes[i] = c.Account(n)
	}
	return c.buildTieGraph(nodes)
}
