// Package harvest runs one sync: for every (instance, tag) it pages the tag
// timeline forward from the newest stored id, backfills towards the beginning
// (or --since), fetches the whole conversation around every new post that has
// a parent or replies, and the boosts and favourites of posts whose counts
// changed. Every page is committed with its cursor, so an interrupted run
// loses nothing and the next one continues without gap or duplicate.
package harvest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/store"
)

// Source is one instance to harvest, with its own client (token, rate limit).
type Source struct {
	Client *mastodon.Client
}

// Options for a sync run.
type Options struct {
	Sources      []Source
	Tags         []string // normalised
	Since        time.Time
	Workers      int  // concurrent conversation requests per instance; default 4
	Interactions bool // fetch who boosted/favourited
	// Refresh re-reads posts younger than this (0: no refresh).
	Refresh time.Duration
	Now     func() time.Time
	// Stop, when closed, ends the run after the page in flight (a soft
	// Ctrl-C); cancelling the context ends it at once.
	Stop    <-chan struct{}
	OnEvent func(Event)
}

// EventKind tells what an Event reports.
type EventKind int

const (
	PageStored    EventKind = iota // a timeline page was committed
	ThreadsStored                  // conversations were fetched
	Warning                        // something the user should know (not fatal)
)

// WarningKind says what a warning is about, so that the command layer can
// add what the user can do about it.
type WarningKind int

const (
	WarnOther WarningKind = iota
	// WarnLocalOnly: only the instance's own posts came back; the server
	// shows other servers' posts in tag feeds to logged-in clients only.
	WarnLocalOnly
	// WarnEmptyMaybeHidden: no posts, and the server does not say whether
	// it hides tag feeds from anonymous clients.
	WarnEmptyMaybeHidden
	// WarnEmptyRestricted: no posts, and the server restricts tag feeds.
	WarnEmptyRestricted
)

// RunWarning is a warning of a run, as the Result keeps it.
type RunWarning struct {
	Kind    WarningKind
	Message string
}

// Event is progress reported during a run; never includes the token.
type Event struct {
	Kind     EventKind
	Instance string
	Tag      string
	Posts    int // statuses in the page / threads fetched
	New      int
	Message  string
	Warning  WarningKind // with Kind Warning
	// Reached is the time of the oldest post of the tag read so far;
	// BackfillDone: the tag is read back to its beginning.
	Reached      time.Time
	BackfillDone bool
	// Requests and Waits so far on this instance's client.
	Requests int64
	Waits    int
}

// TagResult is one (instance, tag) of a run.
type TagResult struct {
	Instance, Tag string
	Pages         int
	New, Updated  int
	Err           error
}

// Result sums up a run.
type Result struct {
	Tags            []TagResult
	New, Updated    int
	Deleted         int
	ThreadRequests  int
	RefreshRequests int64
	Requests        int64
	Waits           int
	Waited          time.Duration
	Warnings        []RunWarning
	InstanceErrors  map[string]error
	SkippedPrivate  int
	Rejected        int // malformed statuses recorded in the rejected table
}

// IDOrderError: the server returned ids on the wrong side of the cursor. We
// stop that tag rather than store a page we do not understand.
type IDOrderError struct {
	Tag, ID, Cursor, Direction string
}

func (e *IDOrderError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("tag #%s: the page after cursor %s held no status with an id; stopping this tag (its statuses are in the rejected table)", e.Tag, e.Cursor)
	}
	return fmt.Sprintf("tag #%s: the server returned id %s, not %s than the cursor %s; stopping this tag, nothing from that page was stored", e.Tag, e.ID, e.Direction, e.Cursor)
}

// Harvester holds one run's state.
type Harvester struct {
	st   *store.Store
	opts Options
	mu   sync.Mutex
	res  Result
	// fetched holds the uris this run stored: the refresh does not re-read
	// what it has just fetched.
	fetched map[string]bool
	// access caches /api/v2/instance per instance: asked at most once a run.
	access map[string]accessResult
	// pre fetches conversations while the current instance's tags are paged.
	pre *prefetcher
}

type accessResult struct {
	access mastodon.HashtagAccess
	err    error
}

// Run syncs every source and tag. It returns the result so far together with
// the first error that stopped an instance; other instances still run.
func Run(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	h := &Harvester{st: st, opts: opts, fetched: map[string]bool{}, access: map[string]accessResult{}}
	h.res.InstanceErrors = map[string]error{}
	var firstErr error
	for _, src := range opts.Sources {
		before := src.Client.Stats()
		err := h.instance(ctx, src.Client)
		after := src.Client.Stats()
		h.res.Requests += after.Requests - before.Requests
		h.res.Waits += after.Waits - before.Waits
		h.res.Waited += after.Waited - before.Waited
		if err != nil {
			h.res.InstanceErrors[src.Client.Instance()] = err
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil || errors.Is(err, ErrStopped) {
				break
			}
		}
	}
	// Always, so roots left unknown by a killed run are filled in; cheap
	// when nothing is new: only posts without a root are walked.
	if err := st.UpdateThreadRoots(context.WithoutCancel(ctx)); err != nil && firstErr == nil {
		firstErr = err
	}
	return h.res, firstErr
}

func (h *Harvester) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// ErrStopped: the run was asked to stop (soft interrupt) and did, after
// committing the page in flight.
var ErrStopped = errors.New("stopped on request")

func (h *Harvester) stopped() bool {
	select {
	case <-h.opts.Stop:
		return true
	default:
		return false
	}
}

func (h *Harvester) event(e Event) {
	if h.opts.OnEvent != nil {
		h.opts.OnEvent(e)
	}
}

func (h *Harvester) warn(instance, tag, msg string) { h.warnKind(instance, tag, WarnOther, msg) }

func (h *Harvester) warnKind(instance, tag string, kind WarningKind, msg string) {
	h.mu.Lock()
	h.res.Warnings = append(h.res.Warnings, RunWarning{Kind: kind, Message: msg})
	h.mu.Unlock()
	h.event(Event{Kind: Warning, Instance: instance, Tag: tag, Message: msg, Warning: kind})
}

func (h *Harvester) instance(ctx context.Context, c *mastodon.Client) error {
	// Conversations left over from an interrupted run come first.
	if err := h.expand(ctx, c, nil); err != nil {
		return err
	}
	// The conversations of roots are asked as their pages are committed,
	// but stored only once every tag is paged: a thread's root is then
	// stored whichever tag brought it, and one /context call on it covers
	// the thread. Posts not expanded stay flagged for the next run.
	h.pre = startPrefetch(ctx, c, h.opts.Workers, h.opts.Stop)
	fatal, firstErr := h.allTags(ctx, c)
	pre := h.pre
	h.pre = nil
	pre.finish()
	if err := h.expandAfter(ctx, c, fatal, pre); err != nil {
		return err
	}
	if h.opts.Refresh > 0 && firstErr == nil {
		if err := h.refresh(ctx, c, h.now().Add(-h.opts.Refresh)); err != nil {
			return err
		}
	}
	if h.opts.Interactions {
		if err := h.interactions(ctx, c); err != nil {
			return err
		}
	}
	return firstErr
}

// allTags pages every tag of an instance. fatal stops the instance; tagErr
// is the first error that stopped only its tag.
func (h *Harvester) allTags(ctx context.Context, c *mastodon.Client) (fatal, tagErr error) {
	for _, tag := range h.opts.Tags {
		tr := TagResult{Instance: c.Host(), Tag: tag}
		err := h.tag(ctx, c, &tr)
		tr.Err = err
		h.res.Tags = append(h.res.Tags, tr)
		h.res.New += tr.New
		h.res.Updated += tr.Updated
		switch {
		case err == nil:
		case ctx.Err() != nil || errors.Is(err, mastodon.ErrUnauthorized) || errors.Is(err, ErrStopped):
			return err, tagErr
		case errors.Is(err, mastodon.ErrNotFound):
			h.warn(c.Host(), tag, fmt.Sprintf("%s has no tag #%s (404)", c.Host(), tag))
		case errors.As(err, new(*IDOrderError)):
			if tagErr == nil {
				tagErr = err
			}
		default:
			return err, tagErr
		}
	}
	return nil, tagErr
}

// tag pages one tag timeline: forward from the newest stored id, then
// backwards until the beginning (or --since).
func (h *Harvester) tag(ctx context.Context, c *mastodon.Client, tr *TagResult) error {
	host, tag := c.Host(), tr.Tag
	cur, err := h.st.Cursor(ctx, host, tag)
	if err != nil {
		return err
	}
	if cur.Newest == "" {
		page, err := c.TagPage(ctx, tag, mastodon.Newest, "", mastodon.PageLimit)
		if err != nil {
			return err
		}
		if len(page.Statuses) == 0 {
			h.explainEmpty(ctx, c, tag)
			return nil
		}
		if allLocal(page.Statuses) {
			h.explainLocalOnly(ctx, c, tag)
		}
		cur.Newest, cur.Oldest, cur.OldestAt = bounds(page.Statuses)
		cur.BackfillDone = !page.HasOlder
		if err := h.savePage(ctx, c, tr, page.Statuses, cur); err != nil {
			return err
		}
	} else if err := h.pages(ctx, c, tr, mastodon.Newer, &cur); err != nil {
		return err
	}
	return h.pages(ctx, c, tr, mastodon.Older, &cur)
}

// fetchedPage is one timeline page on its way from the fetcher to the
// store, with the cursor that follows from it. A page with err set ends the
// walk once the pages before it are stored; raw, if set, is stored as a
// page of its own (converted again) before err is returned.
type fetchedPage struct {
	posts []store.Post // converted while earlier pages are stored
	n     int          // statuses in the page
	cur   store.Cursor
	raw   []mastodon.Status
	err   error
}

// Timeline pages fetched ahead of the store, and committed together when
// they have queued up: a page's fetch never waits for an earlier page's
// write, and a store that falls behind catches up in fewer, larger
// transactions.
const (
	pagesAhead    = 16
	pagesPerGroup = 16
)

// pages walks a tag timeline from the cursor, forward (Newer) to the newest
// post or backward (Older) to the beginning or --since. A fetcher requests
// each next page as soon as its cursor is known; the pages it has fetched
// are stored in order, each with its cursor, those that have queued up in
// one transaction.
func (h *Harvester) pages(ctx context.Context, c *mastodon.Client, tr *TagResult, dir mastodon.Direction, cur *store.Cursor) error {
	more := func(cur *store.Cursor, pageLen int) bool {
		if dir == mastodon.Newer {
			// min_id pages are the posts right after the cursor: a short page
			// means we are at the newest. Stopping there cannot leave a gap;
			// the next run continues from the new cursor.
			return pageLen == mastodon.PageLimit
		}
		sinceReached := !h.opts.Since.IsZero() && !cur.OldestAt.IsZero() && cur.OldestAt.Before(h.opts.Since)
		return !cur.BackfillDone && !sinceReached
	}
	if !more(cur, mastodon.PageLimit) {
		return nil
	}
	if h.stopped() {
		return ErrStopped
	}
	queue := make(chan fetchedPage, pagesAhead)
	done := make(chan struct{})   // the walk has ended: fetch no more
	exited := make(chan struct{}) // the fetcher has returned
	defer func() {
		// No request of this walk may go on after it: a page fetched
		// but never stored would be lost to this run's counts.
		close(done)
		<-exited
	}()
	go func() {
		defer close(exited)
		defer close(queue)
		for f := range h.fetchPages(ctx, c, tr.Tag, dir, *cur, more) {
			select {
			case queue <- f:
			case <-done:
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	}()
	var next *fetchedPage // taken from the queue but not part of the group
	for {
		var group []fetchedPage
		if next != nil {
			group, next = append(group, *next), nil
		} else if f, ok := <-queue; ok {
			group = append(group, f)
		} else {
			return nil
		}
		for last := group[len(group)-1]; last.err == nil && last.raw == nil && len(group) < pagesPerGroup; last = group[len(group)-1] {
			f, ok := tryRecv(queue)
			if !ok {
				break
			}
			if f.err != nil || f.raw != nil {
				next = &f
				break
			}
			group = append(group, f)
		}
		if f := group[0]; f.err != nil || f.raw != nil {
			if f.raw != nil {
				if err := h.savePage(ctx, c, tr, f.raw, f.cur); err != nil {
					return err
				}
			}
			return f.err
		}
		if err := h.saveGroup(ctx, c, tr, group); err != nil {
			return err
		}
		*cur = group[len(group)-1].cur
	}
}

// tryRecv takes a page from q if one is waiting.
func tryRecv(q <-chan fetchedPage) (fetchedPage, bool) {
	select {
	case f, ok := <-q:
		return f, ok
	default:
		return fetchedPage{}, false
	}
}

// fetchPages yields the pages of a walk from cur, each with the cursor that
// follows from it, and at the end what stopped the walk (an error, a soft
// stop or a page that cannot move the cursor), if anything.
func (h *Harvester) fetchPages(ctx context.Context, c *mastodon.Client, tag string, dir mastodon.Direction, cur store.Cursor, more func(*store.Cursor, int) bool) func(func(fetchedPage) bool) {
	return func(yield func(fetchedPage) bool) {
		cursor := func() string {
			if dir == mastodon.Newer {
				return cur.Newest
			}
			return cur.Oldest
		}
		want := +1
		if dir == mastodon.Older {
			want = -1
		}
		for {
			page, err := c.TagPage(ctx, tag, dir, cursor(), mastodon.PageLimit)
			if err != nil {
				yield(fetchedPage{err: err})
				return
			}
			// Converted first, as a page is stored: a status that cannot
			// be a post is recorded whatever becomes of its page.
			list := page.Statuses
			posts, err := h.convert(ctx, c.Host(), tag, list)
			if err != nil {
				yield(fetchedPage{err: fmt.Errorf("tag #%s: %w", tag, err)})
				return
			}
			if len(list) == 0 {
				if dir == mastodon.Older {
					cur.BackfillDone = true
					yield(fetchedPage{cur: cur})
				}
				return
			}
			if err := checkOrder(tag, list, cursor(), want); err != nil {
				yield(fetchedPage{err: err})
				return
			}
			if newest, _, _ := bounds(list); newest == "" {
				// Not one status has an id: the page cannot move the cursor.
				yield(fetchedPage{raw: list, cur: cur, err: &IDOrderError{Tag: tag, Cursor: cursor()}})
				return
			}
			if dir == mastodon.Newer {
				cur.Newest, _, _ = bounds(list)
			} else {
				_, cur.Oldest, cur.OldestAt = bounds(list)
				cur.BackfillDone = !page.HasOlder
			}
			if !yield(fetchedPage{posts: posts, n: len(list), cur: cur}) {
				return
			}
			if !more(&cur, len(list)) {
				return
			}
			if h.stopped() {
				yield(fetchedPage{err: ErrStopped})
				return
			}
		}
	}
}

// expandAfter fetches the conversations of the posts the tags brought in,
// unless err (what stopped the tags) means the instance cannot be asked
// more: a soft stop or a tag stopped on bad ids still expands.
func (h *Harvester) expandAfter(ctx context.Context, c *mastodon.Client, err error, pre *prefetcher) error {
	if err != nil && (ctx.Err() != nil || !errors.As(err, new(*IDOrderError)) && !errors.Is(err, ErrStopped)) {
		return err
	}
	if xerr := h.expand(ctx, c, pre); xerr != nil {
		return xerr
	}
	return err
}

// bounds returns the newest and oldest ids of a page and the oldest's time.
// Statuses without an id (rejected) do not count.
func bounds(list []mastodon.Status) (newest, oldest string, oldestAt time.Time) {
	for _, s := range list {
		id := string(s.ID)
		if id == "" {
			continue
		}
		if newest == "" || mastodon.CompareIDs(id, newest) > 0 {
			newest = id
		}
		if oldest == "" || mastodon.CompareIDs(id, oldest) < 0 {
			oldest, oldestAt = id, s.CreatedAt.UTC()
		}
	}
	return newest, oldest, oldestAt
}

func checkOrder(tag string, list []mastodon.Status, cursor string, want int) error {
	for _, s := range list {
		if s.ID == "" {
			continue // rejected when stored
		}
		if mastodon.CompareIDs(string(s.ID), cursor) != want {
			dir := "newer"
			if want < 0 {
				dir = "older"
			}
			return &IDOrderError{Tag: tag, ID: string(s.ID), Cursor: cursor, Direction: dir}
		}
	}
	return nil
}

// convert turns served statuses into posts. A status that cannot be a post
// (no id, uri, account or date) is recorded in the rejected table under tag
// and skipped: one bad status must not stall its page.
func (h *Harvester) convert(ctx context.Context, host, tag string, list []mastodon.Status) ([]store.Post, error) {
	posts := make([]store.Post, 0, len(list))
	var rejected []store.Rejected
	for _, s := range list {
		if reason := malformed(s); reason != "" {
			rejected = append(rejected, store.Rejected{LocalID: string(s.ID), Reason: reason, Raw: s.Raw})
			continue
		}
		if !storable(s) {
			h.mu.Lock()
			h.res.SkippedPrivate++
			h.mu.Unlock()
			continue
		}
		p, err := toPost(s, host)
		if err != nil {
			rejected = append(rejected, store.Rejected{LocalID: string(s.ID), Reason: err.Error(), Raw: s.Raw})
			continue
		}
		posts = append(posts, p)
	}
	h.mu.Lock()
	for _, p := range posts {
		h.fetched[p.URI] = true
	}
	h.mu.Unlock()
	if len(rejected) > 0 {
		n, err := h.st.SaveRejected(context.WithoutCancel(ctx), host, tag, rejected)
		if err != nil {
			return nil, err
		}
		h.mu.Lock()
		h.res.Rejected += n
		h.mu.Unlock()
		if n > 0 {
			h.warn(host, tag, fmt.Sprintf("%s sent %d malformed status(es) (%s); kept in the rejected table and skipped", host, n, rejected[0].Reason))
		}
	}
	return posts, nil
}

func (h *Harvester) savePage(ctx context.Context, c *mastodon.Client, tr *TagResult, list []mastodon.Status, cur store.Cursor) error {
	posts, err := h.convert(ctx, c.Host(), tr.Tag, list)
	if err != nil {
		return fmt.Errorf("tag #%s: %w", tr.Tag, err)
	}
	return h.savePosts(ctx, c, tr, posts, len(list), cur)
}

// savePosts stores a converted page of n statuses with its cursor.
func (h *Harvester) savePosts(ctx context.Context, c *mastodon.Client, tr *TagResult, posts []store.Post, n int, cur store.Cursor) error {
	// The page is stored even if the run is being cancelled: it has been
	// fetched, and keeping it is what makes a rerun continue without a gap.
	wr, err := h.st.SavePage(context.WithoutCancel(ctx), c.Host(), tr.Tag, posts, cur)
	if err != nil {
		return err
	}
	tr.Pages++
	tr.New += wr.New
	tr.Updated += wr.Updated
	stats := c.Stats()
	h.event(Event{Kind: PageStored, Instance: c.Host(), Tag: tr.Tag, Posts: n, New: wr.New,
		Reached: cur.OldestAt, BackfillDone: cur.BackfillDone, Requests: stats.Requests, Waits: stats.Waits})
	return h.prefetchRoots(ctx, c, posts)
}

// saveGroup stores pages fetched one after the other in one transaction
// with the cursor of the last, and reports each as stored.
func (h *Harvester) saveGroup(ctx context.Context, c *mastodon.Client, tr *TagResult, group []fetchedPage) error {
	if len(group) == 1 {
		return h.savePosts(ctx, c, tr, group[0].posts, group[0].n, group[0].cur)
	}
	pages := make([]store.PageOf, len(group))
	for i, f := range group {
		pages[i] = store.PageOf{Posts: f.posts, Cursor: f.cur}
	}
	// Stored even if the run is being cancelled, as savePosts does.
	res, err := h.st.SavePages(context.WithoutCancel(ctx), c.Host(), tr.Tag, pages)
	if err != nil {
		return err
	}
	stats := c.Stats()
	for i, f := range group {
		tr.Pages++
		tr.New += res[i].New
		tr.Updated += res[i].Updated
		h.event(Event{Kind: PageStored, Instance: c.Host(), Tag: tr.Tag, Posts: f.n, New: res[i].New,
			Reached: f.cur.OldestAt, BackfillDone: f.cur.BackfillDone, Requests: stats.Requests, Waits: stats.Waits})
	}
	var posts []store.Post
	for _, f := range group {
		posts = append(posts, f.posts...)
	}
	return h.prefetchRoots(ctx, c, posts)
}

// prefetchRoots queues the conversations of the committed posts that are
// roots still to expand.
func (h *Harvester) prefetchRoots(ctx context.Context, c *mastodon.Client, posts []store.Post) error {
	if !h.pre.accepting() {
		return nil
	}
	var uris []string
	for i := range posts {
		if posts[i].InReplyToLocalID == "" {
			uris = append(uris, posts[i].URI)
		}
	}
	roots, err := h.st.PendingRoots(context.WithoutCancel(ctx), c.Host(), uris)
	if err != nil {
		return err
	}
	h.pre.want(roots)
	return nil
}

// allLocal: no post of the page comes from another server.
func allLocal(list []mastodon.Status) bool {
	for _, s := range list {
		if strings.Contains(s.Account.Acct, "@") {
			return false
		}
	}
	return true
}

// explainLocalOnly warns when a first page holds only local posts because
// the server (Mastodon 4.5) hides remote posts in tag feeds from this client.
// It costs one request, on a tag's first sync only.
func (h *Harvester) explainLocalOnly(ctx context.Context, c *mastodon.Client, tag string) {
	access, err := h.tagFeedAccess(ctx, c)
	if err != nil || access.Remote == "" || access.Remote == "public" {
		return
	}
	h.warnKind(c.Host(), tag, WarnLocalOnly, fmt.Sprintf("#%s on %s: only posts from %s itself came back, because this server serves other servers' posts in hashtag feeds as %q", tag, c.Host(), c.Host(), access.Remote))
}

// tagFeedAccess asks /api/v2/instance once per instance and run.
func (h *Harvester) tagFeedAccess(ctx context.Context, c *mastodon.Client) (mastodon.HashtagAccess, error) {
	h.mu.Lock()
	r, ok := h.access[c.Host()]
	h.mu.Unlock()
	if !ok {
		r.access, r.err = c.TagFeedAccess(ctx)
		h.mu.Lock()
		h.access[c.Host()] = r
		h.mu.Unlock()
	}
	return r.access, r.err
}

func (h *Harvester) explainEmpty(ctx context.Context, c *mastodon.Client, tag string) {
	access, err := h.tagFeedAccess(ctx, c)
	switch {
	case err != nil || (access.Local == "" && access.Remote == ""):
		h.warnKind(c.Host(), tag, WarnEmptyMaybeHidden, fmt.Sprintf("#%s on %s returned no posts: the tag is unused there, or the server hides tag timelines from anonymous clients", tag, c.Host()))
	case access.Local != "public" || access.Remote != "public":
		h.warnKind(c.Host(), tag, WarnEmptyRestricted, fmt.Sprintf("#%s on %s returned no posts: this server serves hashtag feeds as local=%s, remote=%s", tag, c.Host(), access.Local, access.Remote))
	default:
		h.warn(c.Host(), tag, fmt.Sprintf("#%s on %s has no posts yet", tag, c.Host()))
	}
}
