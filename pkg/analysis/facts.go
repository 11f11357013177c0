package analysis

import (
	"context"
	"fmt"
	"sort"
	"strings"
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

// loadFacts reads the window from the stored facts: one streaming query,
// each account, tag and resource a shared string looked up by id, so a
// post costs its struct and its two keys, not copies of its strings.
func loadFacts(ctx context.Context, st *store.Store, w community.Window) (*loaded, error) {
	accounts, err := st.AccountNames(ctx)
	if err != nil {
		return nil, err
	}
	terms, err := st.FactTerms(ctx)
	if err != nil {
		return nil, err
	}
	instances := make([]string, len(accounts))
	for i, a := range accounts {
		if at := strings.LastIndexByte(a, '@'); at >= 0 {
			instances[i] = a[at+1:]
		}
	}
	name := func(list []string, id int64) (string, error) {
		if id < 0 || id >= int64(len(list)) {
			return "", fmt.Errorf("read post facts: unknown id %d", id)
		}
		return list[id], nil
	}
	// Tag and resource lists are cut from shared blocks rather than
	// allocated one by one.
	var block []string
	strs := func(ids []uint32) ([]string, error) {
		if len(ids) == 0 {
			return nil, nil
		}
		if cap(block)-len(block) < len(ids) {
			block = make([]string, 0, max(4096, len(ids)))
		}
		start := len(block)
		for _, id := range ids {
			if int(id) >= len(terms) {
				return nil, fmt.Errorf("read post facts: unknown term %d", id)
			}
			block = append(block, terms[id])
		}
		return block[start:len(block):len(block)], nil
	}
	// Sized once: growing a slice of a million posts by doubling copies
	// it again and again and leaves the old copies to the collector.
	n, err := st.CountFacts(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	d := &loaded{posts: make([]community.Post, 0, n), classified: make([]bool, 0, n)}
	// Edges are gathered in blocks and copied once into a slice of the
	// right size, for the same reason. They are read on another connection
	// while the posts stream: two queries, two cores.
	var blocks [][]community.Edge
	var postAt []int64
	edgesDone := make(chan error, 1)
	go func() {
		const blockSize = 1 << 16
		edgesDone <- st.EdgeIDs(ctx, w.Start, w.End, func(kind string, from, to int64, at time.Time, postID, pAt int64) error {
			k, ok := edgeKinds[kind]
			if !ok {
				return nil
			}
			f, err := name(accounts, from)
			if err != nil {
				return err
			}
			t, err := name(accounts, to)
			if err != nil {
				return err
			}
			if len(blocks) == 0 || len(blocks[len(blocks)-1]) == blockSize {
				blocks = append(blocks, make([]community.Edge, 0, blockSize))
			}
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], community.Edge{From: f, To: t, Kind: k, At: at, PostURI: postKey(postID)})
			postAt = append(postAt, pAt)
			return nil
		})
	}()
	in := interner{}
	err = st.Facts(ctx, w.Start, w.End, func(f *store.Fact) error {
		author, err := name(accounts, f.AuthorID)
		if err != nil {
			return err
		}
		p := community.Post{URI: postKey(f.PostID), Author: author, Instance: instances[f.AuthorID], At: time.Unix(0, f.At).UTC(),
			Domain: f.Flags&store.FactDomain != 0, Community: f.Flags&store.FactCommunity != 0, Practice: f.Flags&store.FactPractice != 0,
			Question: f.Flags&store.FactQuestion != 0, Answered: f.Answered}
		if f.ReplyToID > 0 {
			if p.InReplyToAuthor, err = name(accounts, f.ReplyToID); err != nil {
				return err
			}
		} else {
			p.InReplyToAuthor = in.of(f.ReplyToAcct)
		}
		if p.Tags, err = strs(f.Tags); err != nil {
			return err
		}
		if p.ThreadTags, err = strs(f.RootTags); err != nil {
			return err
		}
		if p.Resources, err = strs(f.Resources); err != nil {
			return err
		}
		switch {
		case f.ParentID > 0:
			p.InReplyToURI = postKey(f.ParentID)
		case f.IsReply:
			p.InReplyToURI = "^" + p.URI
		}
		d.posts = append(d.posts, p)
		d.classified = append(d.classified, f.Flags&store.FactClassified != 0)
		return nil
	})
	if edgesErr := <-edgesDone; err == nil {
		err = edgesErr
	}
	if err != nil {
		return nil, err
	}
	d.edges = make([]community.Edge, 0, len(postAt))
	for i := range blocks {
		d.edges = append(d.edges, blocks[i]...)
		blocks[i] = nil
	}
	d.edgePostAt = make([]time.Time, len(postAt))
	for i, n := range postAt {
		d.edgePostAt[i] = time.Unix(0, n).UTC()
	}
	sort.Stable((*byPostTime)(d))
	return d, nil
}
