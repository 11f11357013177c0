package harvest

import (
	"context"
	"errors"
	"sync"

	"github.com/oeru/copharvest/pkg/mastodon"
)

// maxPrefetchBytes bounds the conversations held in memory between their
// fetch during paging and their commit after it (JSON as served): once
// reached, the rest are asked after paging as before.
const maxPrefetchBytes = 16 << 20

// prefetcher asks the conversations of thread roots while the tag
// timelines are still paged, so the rate-limit budget the paging leaves
// unused goes to requests the run makes anyway. It only fetches: the
// conversations are stored, and their posts' needs_context cleared, by the
// expansion after paging, as if it had asked them then (so the tags' posts
// keep their ids). A run killed before then has stored none of them and
// keeps every flag.
//
// A root is queued only once its page is committed and it is still
// flagged: a top-level pending post is a root the expansion asks in its
// first pass, so a fetched conversation is one the run would ask, and it is
// asked once (see take).
type prefetcher struct {
	ctx  context.Context
	c    *mastodon.Client
	stop <-chan struct{} // the run's soft stop
	// paged is closed when paging ends: requests waiting for the rate
	// limit then stop yielding to the pages.
	paged chan struct{}

	mu      sync.Mutex
	wake    *sync.Cond
	queued  map[string]bool // every root ever queued: none is asked twice
	queue   []string        // roots waiting for a worker
	got     map[string]prefetched
	held    int // bytes of JSON in got
	closing bool
	wg      sync.WaitGroup
}

type prefetched struct {
	th  mastodon.Thread
	err error
}

// startPrefetch starts workers fetching conversations on c.
func startPrefetch(ctx context.Context, c *mastodon.Client, workers int, stop <-chan struct{}) *prefetcher {
	// Yielding while the tags are paged: the pages, asked one after the
	// other, keep a share of the rate limit.
	paged := make(chan struct{})
	p := &prefetcher{ctx: mastodon.Yielding(ctx, paged), paged: paged, c: c, stop: stop, queued: map[string]bool{}, got: map[string]prefetched{}}
	p.wake = sync.NewCond(&p.mu)
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// want queues the conversations of roots (local ids) not queued before.
func (p *prefetcher) want(roots []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range roots {
		if !p.queued[id] {
			p.queued[id] = true
			p.queue = append(p.queue, id)
		}
	}
	p.wake.Broadcast()
}

func (p *prefetcher) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closing {
			p.wake.Wait()
		}
		if p.closing || p.held >= maxPrefetchBytes || p.stopped() || p.ctx.Err() != nil {
			p.mu.Unlock()
			return
		}
		id := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()

		th, err := p.c.Context(p.ctx, id)
		p.mu.Lock()
		p.got[id] = prefetched{th, err}
		p.held += threadBytes(th)
		p.mu.Unlock()
		if err != nil && !errors.Is(err, mastodon.ErrNotFound) {
			// The expansion meets the error when it takes this root, as it
			// would have asking it; no more is asked ahead meanwhile.
			p.close()
			return
		}
	}
}

func (p *prefetcher) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// close starts no more requests. Roots queued but not started are asked by
// the expansion, as if never queued.
func (p *prefetcher) close() {
	p.mu.Lock()
	p.closing = true
	p.queue = nil
	p.wake.Broadcast()
	p.mu.Unlock()
}

// finish closes p and waits for the requests in flight: from then on a
// root is either fetched (take has it) or not asked at all.
func (p *prefetcher) finish() {
	p.close()
	close(p.paged)
	p.wg.Wait()
}

// accepting: p may still start requests, so roots are worth queueing.
func (p *prefetcher) accepting() bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.closing && p.held < maxPrefetchBytes && p.ctx.Err() == nil
}

// has: the conversation of root id is fetched, for take.
func (p *prefetcher) has(id string) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.got[id]
	return ok
}

// take hands over, once, the fetched conversation of root id.
func (p *prefetcher) take(id string) (prefetched, bool) {
	if p == nil {
		return prefetched{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.got[id]
	if ok {
		delete(p.got, id)
		p.held -= threadBytes(f.th)
	}
	return f, ok
}

func threadBytes(th mastodon.Thread) int {
	n := 0
	for _, s := range th.Ancestors {
		n += len(s.Raw)
	}
	for _, s := range th.Descendants {
		n += len(s.Raw)
	}
	return n
}
