package analysis

import (
	"context"
	"fmt"
	"math"
	"sync"
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

// A FactTap is shown the stored facts of [Since, Until) while an analysis
// reads its own, so that a caller needing the facts of an overlapping
// range (the report's sections) reads them in the same pass. The facts
// are read in parts, consecutive ranges of time read concurrently: Parts
// is called once with their number, before any is read, and returns the
// function each part's facts go to, in creation order; part 0 is the
// earliest. Facts of the tap's range outside the analysis' window are
// shown but not analysed.
type FactTap struct {
	Since, Until time.Time // zero: open
	Parts        func(n int) []func(*store.Fact) error
	// Read, when set, is called once every part is read.
	Read func()
	// PartRows is the fewest facts worth a part of their own (0: the
	// default): tests lower it to take the many-part read on a small store.
	PartRows int
}

// loadFacts reads the window from the stored facts into columns, with the
// interactions each post carries: accounts, tags and resources kept as
// the store's ids, so a post costs a few integers, not a struct of
// strings. tap, when given, is shown its range in the same pass.
func loadFacts(ctx context.Context, st *store.Store, w community.Window, tap *FactTap) (*community.Columns, error) {
	// The names are read on another connection while the window is
	// counted and cut: both are short, serial steps before the read.
	var accounts, terms []string
	var namesErr error
	names := make(chan struct{})
	go func() {
		defer close(names)
		accounts, terms, namesErr = st.FactNames(ctx)
	}()
	perPart := factsPerPart
	read := w // the range read: the window and the tap's
	if tap != nil {
		if tap.PartRows > 0 {
			perPart = tap.PartRows
		}
		if tap.Since.IsZero() || (!read.Start.IsZero() && tap.Since.Before(read.Start)) {
			read.Start = tap.Since
		}
		if tap.Until.IsZero() || (!read.End.IsZero() && tap.Until.After(read.End)) {
			read.End = tap.Until
		}
	}
	// Two parts cut at the middle of the window's time span: every post of
	// the first is earlier than every post of the second, so the second's
	// rows (and interactions) follow the first's in order. Each part is
	// counted (on its own connection, both at once) so that its arrays are
	// sized once: growing arrays of a million posts by doubling copies them
	// again and again and leaves the old copies to the collector. Cutting
	// at the middle post instead would need the whole count first, a scan
	// of the window's facts before either part could start.
	cuts := []time.Time{read.Start, read.End}
	first, last, ok, err := st.FactSpan(ctx, read.Start, read.End)
	if err != nil {
		<-names
		return nil, err
	}
	if ok && last > first {
		cuts = []time.Time{read.Start, time.Unix(0, first+(last-first+1)/2).UTC(), read.End}
	}
	counts := make([]int, len(cuts)-1)
	countErrs := make([]error, len(counts))
	var counting sync.WaitGroup
	for i := range counts {
		counting.Go(func() { counts[i], countErrs[i] = st.CountFacts(ctx, cuts[i], cuts[i+1]) })
	}
	counting.Wait()
	n := 0
	for i, err := range countErrs {
		if err != nil {
			<-names
			return nil, err
		}
		n += counts[i]
	}
	if len(counts) == 2 && (n < 2*perPart || counts[0] == 0 || counts[1] == 0) {
		cuts, counts = []time.Time{read.Start, read.End}, []int{n}
	}
	<-names
	if namesErr != nil {
		return nil, namesErr
	}
	parts := len(cuts) - 1
	var taps []func(*store.Fact) error
	if tap != nil {
		if taps = tap.Parts(parts); len(taps) != parts {
			return nil, fmt.Errorf("read post facts: %d readers for %d parts", len(taps), parts)
		}
	}
	cols := make([]*community.Columns, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		// The first part gets room for all: the others are appended to it.
		room := counts[i]
		if i == 0 {
			room = n
		}
		cols[i] = community.NewColumns(accounts, terms, room)
		var see func(*store.Fact) error
		if tap != nil {
			see = tappedRange(tap.Since, tap.Until, taps[i])
		}
		wg.Go(func() { errs[i] = readFacts(ctx, st, cuts[i], cuts[i+1], w, cols[i], see) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, c := range cols[1:] {
		cols[0].Append(c)
	}
	return cols[0], nil
}

// tappedRange passes on to see the facts of [since, until) (zero: open).
func tappedRange(since, until time.Time, see func(*store.Fact) error) func(*store.Fact) error {
	from, to := nanoRange(since, until)
	return func(f *store.Fact) error {
		if f.At < from || f.At >= to {
			return nil
		}
		return see(f)
	}
}

// edgeKindOf maps the store's acts onto interactions (a switch: a map
// lookup per interaction showed in the profile of a million posts' read).
func edgeKindOf(kind store.ActKind) (community.EdgeKind, bool) {
	switch kind {
	case store.ActMention:
		return community.Mention, true
	case store.ActBoost:
		return community.Boost, true
	case store.ActFavourite:
		return community.Favourite, true
	}
	return 0, false
}

// nanoRange is [since, until) in Unix nanoseconds, a zero time open.
func nanoRange(since, until time.Time) (from, to int64) {
	from, to = math.MinInt64, math.MaxInt64
	if !since.IsZero() {
		from = since.UnixNano()
	}
	if !until.IsZero() {
		to = until.UnixNano()
	}
	return from, to
}

// readFacts streams the facts of [since, until) into c, those of the
// window w only: each post, then its interactions. The interactions of
// the posts written at one instant are added replies first, then
// mentions, then boosts and favourites: the order the analysis has always
// seen them in, which its tie-breaks keep. see, when given, is shown
// every fact read, in the window or not.
func readFacts(ctx context.Context, st *store.Store, since, until time.Time, w community.Window, c *community.Columns, see func(*store.Fact) error) error {
	from, to := nanoRange(w.Start, w.End)
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
		if see != nil {
			if err := see(f); err != nil {
				return err
			}
		}
		if f.At < from || f.At >= to {
			return nil
		}
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
			switch kind, ok := edgeKindOf(a.Kind); {
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
