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
		IsReply: f.IsReply, ReplyToAcct: f.ReplyToAcct, Tags: f.Tags, RootTags: f.ThreadTags, Resources: resources(f.Links, f.Rules)}
	for _, b := range []struct {
		on  bool
		bit int
	}{{f.Classified, store.FactClassified}, {f.Domain, store.FactDomain}, {f.Community, store.FactCommunity},
		{f.Practice, store.FactPractice}, {classify.AsksQuestion(f.Rules), store.FactQuestion}} {
		if b.on {
			r.Flags |= b.bit
		}
	}
	return r
}

// loadFacts reads the window from the stored facts into columns: one
// streaming query, accounts, tags and resources kept as the store's ids,
// so a post costs a few integers, not a struct of strings.
func loadFacts(ctx context.Context, st *store.Store, w community.Window) (*community.Columns, error) {
	accounts, err := st.AccountNames(ctx)
	if err != nil {
		return nil, err
	}
	terms, err := st.FactTerms(ctx)
	if err != nil {
		return nil, err
	}
	// Sized once: growing arrays of a million posts by doubling copies
	// them again and again and leaves the old copies to the collector.
	n, err := st.CountFacts(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	c := community.NewColumns(accounts, terms, n)
	nAccounts, nTerms := int64(c.Accounts()), uint32(c.Terms())
	account := func(id int64) (int32, error) {
		if id < 0 || id >= nAccounts {
			return 0, fmt.Errorf("read post facts: unknown id %d", id)
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
	// The interactions are read on another connection while the posts
	// stream (two queries, two cores), into their own list: the columns
	// take them once both are done.
	type edge struct {
		kind       community.EdgeKind
		from, to   int32
		at, postAt int64
	}
	// Gathered in blocks: doubling one slice would copy it again and
	// again and leave the old copies to the collector.
	const blockSize = 1 << 16
	var blocks [][]edge
	edgesDone := make(chan error, 1)
	go func() {
		edgesDone <- st.EdgeIDs(ctx, w.Start, w.End, func(kind string, from, to int64, at time.Time, postID, pAt int64) error {
			k, ok := edgeKinds[kind]
			if !ok {
				return nil
			}
			f, err := account(from)
			if err != nil {
				return err
			}
			t, err := account(to)
			if err != nil {
				return err
			}
			if len(blocks) == 0 || len(blocks[len(blocks)-1]) == blockSize {
				blocks = append(blocks, make([]edge, 0, blockSize))
			}
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], edge{k, f, t, community.Nanos(at), pAt})
			return nil
		})
	}()
	none := c.Account("")
	replyTo := map[string]int32{} // accounts replied to that are not stored, by name
	err = st.Facts(ctx, w.Start, w.End, func(f *store.Fact) error {
		author, err := account(f.AuthorID)
		if err != nil {
			return err
		}
		p := community.PostFacts{Key: f.PostID, Author: author, At: f.At, ReplyTo: none,
			Classified: f.Flags&store.FactClassified != 0, Domain: f.Flags&store.FactDomain != 0,
			Community: f.Flags&store.FactCommunity != 0, Practice: f.Flags&store.FactPractice != 0,
			Question: f.Flags&store.FactQuestion != 0, Answered: f.Answered,
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
		return nil
	})
	if edgesErr := <-edgesDone; err == nil {
		err = edgesErr
	}
	if err != nil {
		return nil, err
	}
	c.ReserveEdges(len(blocks) * blockSize)
	for i, b := range blocks {
		for _, e := range b {
			c.AddEdge(e.kind, e.from, e.to, e.at, e.postAt)
		}
		blocks[i] = nil
	}
	c.SortEdges()
	return c, nil
}
