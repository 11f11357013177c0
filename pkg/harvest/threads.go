package harvest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/store"
)

// expand fetches the conversation of every post still marked as needing it.
// One /context call on a thread's root returns the whole thread, so pending
// posts are grouped by their root when the stored parent chain reaches one.
// Conversations pre fetched during paging are taken from it instead of
// asked (pre may be nil).
func (h *Harvester) expand(ctx context.Context, c *mastodon.Client, pre *prefetcher) error {
	x := &expansion{h: h, c: c, pre: pre, done: map[string]bool{}}
	// Pass 1 asks the roots; it stores their whole threads, which settles
	// most pending replies and links the rest to their roots. Pass 2 asks
	// for whatever is still pending.
	for pass := 0; pass < 2; pass++ {
		pending, err := h.st.PendingThreads(ctx, c.Host())
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			break
		}
		var jobs []*threadJob
		byTarget := map[string]*threadJob{}
		for _, p := range pending {
			target, isRoot := p.LocalID, p.InReplyToLocalID == ""
			if p.RootLocalID != "" {
				target, isRoot = p.RootLocalID, true
			}
			if pass == 0 && !isRoot {
				continue
			}
			j := byTarget[target]
			if j == nil {
				j = &threadJob{target: target, isRoot: isRoot}
				byTarget[target] = j
				jobs = append(jobs, j)
			}
			j.uris = append(j.uris, p.URI)
		}
		if err := x.runAll(ctx, jobs); err != nil {
			return err
		}
	}
	h.mu.Lock()
	h.res.ThreadRequests += x.fetched
	h.mu.Unlock()
	h.event(Event{Kind: ThreadsStored, Instance: c.Host(), Posts: x.fetched})
	return nil
}

type threadJob struct {
	target string   // local id to ask /context for
	uris   []string // pending posts this call settles
	isRoot bool
}

// expansion is one expand call's shared state across its workers.
type expansion struct {
	h       *Harvester
	c       *mastodon.Client
	pre     *prefetcher // conversations fetched during paging, or nil
	mu      sync.Mutex
	done    map[string]bool // roots whose whole thread is fetched
	fetched int
	saves   chan threadSave
	// saveErr is the first failed save: the workers stop taking jobs.
	saveErr error
}

// threadSave is a fetched conversation on its way to the store.
type threadSave struct {
	posts    []store.Post
	expanded []string
}

// maxThreadsPerCommit bounds a group commit, and the threads fetched but not
// yet stored.
const maxThreadsPerCommit = 64

// saveThreads stores the conversations the workers fetch. The threads that
// arrive while a transaction commits are written together in the next one
// (a group commit): each thread's posts and the clearing of its flags still
// share one transaction. Workers hand a thread over and fetch the next at
// once, so requests (and rate-limit waits) overlap the writes; a thread not
// yet committed when the process dies keeps its flags and is fetched again.
func (x *expansion) saveThreads(ctx context.Context) {
	for first := range x.saves {
		group := []threadSave{first}
	more:
		for len(group) < maxThreadsPerCommit {
			select {
			case t, ok := <-x.saves:
				if !ok {
					break more
				}
				group = append(group, t)
			default:
				break more
			}
		}
		var posts []store.Post
		var expanded []string
		for _, t := range group {
			posts = append(posts, t.posts...)
			expanded = append(expanded, t.expanded...)
		}
		wr, err := x.h.st.SaveThread(ctx, x.c.Host(), posts, expanded)
		if err != nil {
			x.mu.Lock()
			if x.saveErr == nil {
				x.saveErr = err
			}
			x.mu.Unlock()
			// Drain: what is queued stays flagged and is fetched next run.
			for range x.saves {
			}
			return
		}
		x.h.mu.Lock()
		x.h.res.New += wr.New
		x.h.res.Updated += wr.Updated
		x.h.mu.Unlock()
	}
}

// failedSave returns the first failed save, if any.
func (x *expansion) failedSave() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.saveErr
}

func (x *expansion) runAll(ctx context.Context, jobs []*threadJob) error {
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	x.saves = make(chan threadSave, maxThreadsPerCommit)
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		x.saveThreads(context.WithoutCancel(ctx)) // what was fetched is stored even on Ctrl-C
	}()
	// Conversations fetched during paging need no request: a goroutine of
	// their own hands them to the store, while the workers ask the rest.
	var ask, ready []*threadJob
	for _, j := range jobs {
		if x.pre.has(j.target) {
			ready = append(ready, j)
		} else {
			ask = append(ask, j)
		}
	}
	start := func(n int) chan<- *threadJob {
		ch := make(chan *threadJob)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range ch {
					if err := x.run(ctx, j); err != nil {
						errMu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						errMu.Unlock()
					}
				}
			}()
		}
		return ch
	}
	feed := func(ch chan<- *threadJob, list []*threadJob) {
		defer close(ch)
		for _, j := range list {
			errMu.Lock()
			stop := firstErr != nil
			errMu.Unlock()
			if stop || x.failedSave() != nil || x.h.stopped() {
				return
			}
			select {
			case ch <- j:
			case <-ctx.Done():
				return
			}
		}
	}
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		feed(start(min(1, len(ready))), ready)
	}()
	feed(start(min(x.h.opts.Workers, len(ask))), ask)
	<-fed
	wg.Wait()
	close(x.saves)
	<-saved
	if firstErr != nil {
		return firstErr
	}
	if err := x.failedSave(); err != nil {
		return err
	}
	return ctx.Err()
}

func (x *expansion) run(ctx context.Context, j *threadJob) error {
	h, c := x.h, x.c
	keep := context.WithoutCancel(ctx) // what was fetched is stored even on Ctrl-C
	x.mu.Lock()
	skip := x.done[j.target]
	x.mu.Unlock()
	if skip {
		// Queued behind the threads already fetched, in their group commit.
		x.saves <- threadSave{expanded: j.uris}
		return nil
	}
	th, err := x.context(ctx, j.target)
	if errors.Is(err, mastodon.ErrNotFound) {
		// Deleted meanwhile; the refresh will tombstone it.
		return h.st.MarkExpanded(keep, j.uris)
	}
	if err != nil {
		return err
	}
	calls := 1
	statuses := append(th.Ancestors, th.Descendants...)
	if !j.isRoot && len(th.Ancestors) > 0 {
		// We asked a reply: its context holds only its own branch. Ask the
		// root too, unless this run already did.
		root := th.Ancestors[0]
		x.mu.Lock()
		seen := x.done[string(root.ID)]
		x.done[string(root.ID)] = true
		x.mu.Unlock()
		if !seen && root.RepliesCount > 0 {
			rootTh, err := x.context(ctx, string(root.ID))
			if err != nil && !errors.Is(err, mastodon.ErrNotFound) {
				return err
			}
			calls++
			statuses = append(statuses, rootTh.Descendants...)
		}
	}
	x.mu.Lock()
	x.done[j.target] = true
	x.fetched += calls
	x.mu.Unlock()
	posts, err := h.convert(ctx, c.Host(), "", statuses)
	if err != nil {
		return fmt.Errorf("conversation of %s: %w", j.target, err)
	}
	expanded := append([]string(nil), j.uris...)
	for _, p := range posts {
		expanded = append(expanded, p.URI)
	}
	x.saves <- threadSave{posts: posts, expanded: expanded}
	return nil
}

// context returns the conversation around id: the one fetched during
// paging, if any, else asked now.
func (x *expansion) context(ctx context.Context, id string) (mastodon.Thread, error) {
	if f, ok := x.pre.take(id); ok {
		return f.th, f.err
	}
	return x.c.Context(ctx, id)
}

// interactions fetches who boosted and who favourited posts whose counts are
// new or changed.
func (h *Harvester) interactions(ctx context.Context, c *mastodon.Client) error {
	pending, err := h.st.PendingInteractions(ctx, c.Host())
	if err != nil {
		return err
	}
	sem := make(chan struct{}, h.opts.Workers)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, p := range pending {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(p store.Pending) {
			defer func() { <-sem; wg.Done() }()
			var boosters, favs []store.Account
			var err error
			if p.Reblogs > 0 {
				boosters, err = h.accounts(ctx, c, p.LocalID, c.RebloggedBy)
			}
			if err == nil && p.Favourites > 0 {
				favs, err = h.accounts(ctx, c, p.LocalID, c.FavouritedBy)
			}
			if err == nil || errors.Is(err, mastodon.ErrNotFound) {
				err = h.st.SaveInteractions(context.WithoutCancel(ctx), p.URI, boosters, favs)
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(p)
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (h *Harvester) accounts(ctx context.Context, c *mastodon.Client, id string, get func(context.Context, string) ([]mastodon.Account, error)) ([]store.Account, error) {
	list, err := get(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]store.Account, 0, len(list))
	for _, a := range list {
		out = append(out, toAccount(a.Account, a.Raw, c.Host()))
	}
	return out, nil
}
