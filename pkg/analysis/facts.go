package analysis

import (
	"context"
	"fmt"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/store"
)

// EnsureFacts brings the stored per-post facts up to date (a store opened
// for writing only) and reports whether they can be read: false when some
// are out of date in a read-only store, or the store predates them. The
// first call on a database from before the facts builds them all once
// (about as long as a classify --rebuild's reading of the posts).
func EnsureFacts(ctx context.Context, st *store.Store) (bool, error) {
	pending, ok, err := st.FactsPending(ctx)
	if err != nil || !ok {
		return false, err
	}
	if pending == 0 {
		return true, nil
	}
	if !st.Writable() {
		return false, nil
	}
	if _, err := st.BuildFacts(ctx, factRow); err != nil {
		return false, fmt.Errorf("bring the per-post facts up to date: %w", err)
	}
	return true, nil
}

// factRow is what the analysis keeps of a post; the stored classification
// is read through classify's accessors.
func factRow(f *store.FactSource) store.FactRow {
	r := store.FactRow{PostID: f.ID, At: f.At.UnixNano(), AuthorID: f.AuthorID, ParentID: f.ParentID, ReplyToID: f.ReplyToID,
		IsReply: f.IsReply, ReplyToAcct: f.ReplyToAcct, Tags: f.Tags, RootTags: f.ThreadTags, Resources: resources(f.Links, f.Rules),
		Repliers: f.OtherRepliers, Score: f.PracticeScore, Acts: f.Acts}
	for _, b := range []struct {
		on  bool
		bit int
	}{{f.Classified, store.FactClassified}, {f.Domain, store.FactDomain}, {f.Community, store.FactCommunity},
		{f.Practice, store.FactPractice}, {classify.AsksQuestion(f.Rules), store.FactQuestion},
		{classify.ProposesPractice(f.Rules), store.FactIdea}} {
		if b.on {
			r.Flags |= b.bit
		}
	}
	return r
}

// factsPerPart is the fewest posts worth a reader of their own: a window
// of twice as many is read as two halves, on two connections and two
// cores.
var factsPerPart = 50_000

// loadFacts reads the window from the stored facts into columns, with the
// interactions each post carries: accounts, tags and resources kept as
// the store's ids, so a post costs a few integers, not a struct of
// strings.
func loadFacts(ctx context.Context, st *store.Store, w community.Window) (*community.Columns, error) {
	accounts, terms, err := st.FactNames(ctx)
	if err != nil {
		return nil, err
	}
	// Sized once: growing arrays of a million posts by doubling copies
	// them again and again and leaves the old copies to the collector.
	n, err := st.CountFacts(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	if n < 2*factsPerPart {
		c := community.NewColumns(accounts, terms, n)
		return c, readFacts(ctx, st, w.Start, w.End, c)
	}
	// Two halves split at a post's time: every post of the first is
	// earlier than every post of the second, so the second's rows (and
	// interactions) follow the first's in order.
	mid, err := st.FactAt(ctx, w.Start, w.End, n/2)
	if err != nil {
		return nil, err
	}
	first, second := community.NewColumns(accounts, terms, n/2+1), community.NewColumns(accounts, terms, n-n/2+1)
	secondDone := make(chan error, 1)
	go func() { secondDone <- readFacts(ctx, st, mid, w.End, second) }()
	err = readFacts(ctx, st, w.Start, mid, first)
	if serr := <-secondDone; err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	first.Append(second)
	return first, nil
}

// edgeKindOf maps the store's acts onto interactions.
var edgeKindOf = map[store.ActKind]community.EdgeKind{
	store.ActMention: community.Mention, store.ActBoost: community.Boost, store.ActFavourite: community.Favourite,
}

// readFacts streams the facts of [since, until) into c: each post, then
// its interactions. The interactions of the posts written at one instant
// are added replies first, then mentions, then boosts and favourites: the
// order the analysis has always seen them in, which its tie-breaks keep.
func readFacts(ctx context.Context, st *store.Store, since, until time.Time, c *community.Columns) error {
	nAccounts, nTerms := int64(c.Accounts()), uint32(c.Terms())
	account := func(id int64) (int32, error) {
		if id < 0 || id >= nAccounts {
			return 0, fmt.Errorf("read post facts: unknown account id %d", id)
		}
		return int32(id), nil
	}
	checkTerms := func(ids []uint32) error {
		for _, id := range ids {
			if id >= nTerms {
				return fmt.Errorf("read post facts: unknown term %d", id)
			}
		}
		return nil
	}
	type edge struct {
		kind     community.EdgeKind
		from, to int32
		at       int64
	}
	// The interactions of the posts written at instant, by kind.
	var instant int64
	var replies, mentions, others []edge
	flush := func() {
		for _, list := range [][]edge{replies, mentions, others} {
			for _, e := range list {
				c.AddEdge(e.kind, e.from, e.to, e.at, instant)
			}
		}
		replies, mentions, others = replies[:0], mentions[:0], others[:0]
	}
	none := c.Account("")
	replyTo := map[string]int32{} // accounts replied to that are not stored, by name
	err := st.Facts(ctx, since, until, func(f *store.Fact) error {
		author, err := account(f.AuthorID)
		if err != nil {
			return err
		}
		question := f.Flags&store.FactQuestion != 0
		p := community.PostFacts{Key: f.PostID, Author: author, At: f.At, ReplyTo: none,
			Classified: f.Flags&store.FactClassified != 0, Domain: f.Flags&store.FactDomain != 0,
			Community: f.Flags&store.FactCommunity != 0, Practice: f.Flags&store.FactPractice != 0,
			Question: question, Answered: question && f.Repliers > 0,
			Tags: f.Tags, ThreadTags: f.RootTags, Resources: f.Resources}
		if f.ReplyToID > 0 {
			if p.ReplyTo, err = account(f.ReplyToID); err != nil {
				return err
			}
		} else if f.ReplyToAcct != "" {
			id, ok := replyTo[f.ReplyToAcct]
			if !ok {
				id = c.Account(f.ReplyToAcct)
				replyTo[f.ReplyToAcct] = id
			}
			p.ReplyTo = id
		}
		for _, ids := range [][]uint32{f.Tags, f.RootTags, f.Resources} {
			if err := checkTerms(ids); err != nil {
				return err
			}
		}
		switch {
		case f.ParentID > 0:
			p.Parent = f.ParentID
		case f.IsReply:
			p.Parent = community.UnknownParent
		}
		c.AddPost(p)
		if f.At != instant {
			flush()
			instant = f.At
		}
		if f.ReplyToID > 0 {
			replies = append(replies, edge{community.Reply, author, p.ReplyTo, f.At})
		}
		for _, a := range f.Acts {
			other, err := account(a.Account)
			if err != nil {
				return err
			}
			switch kind, ok := edgeKindOf[a.Kind]; {
			case !ok:
				return fmt.Errorf("read the facts of post %d: unknown interaction kind %d", f.PostID, a.Kind)
			case kind == community.Mention:
				mentions = append(mentions, edge{kind, author, other, a.At})
			default:
				others = append(others, edge{kind, other, author, a.At})
			}
		}
		return nil
	})
	flush()
	return err
}
