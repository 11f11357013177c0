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
// so a post costs a few integers, not a struct of strings. early, when
// given, is called with the interactions as soon as they are read, while
// the posts still stream (the graph detection needs only them).
func loadFacts(ctx context.Context, st *store.Store, w community.Window, early func(edges *community.Columns)) (*community.Columns, error) {
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
	// stream (two queries, two cores), into their own columns over the
	// same accounts: the posts' columns take them once both are done.
	edges := community.NewColumns(accounts, nil, 0)
	edgesDone := make(chan error, 1)
	go func() {
		err := st.EdgeIDs(ctx, w.Start, w.End, func(kind string, from, to int64, at time.Time, postID, pAt int64) error {
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
			edges.AddEdge(k, f, t, community.Nanos(at), pAt)
			return nil
		})
		if err == nil {
			edges.SortEdges()
			if early != nil {
				early(edges)
			}
		}
		edgesDone <- err
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
	c.TakeEdges(edges)
	return c, nil
}
