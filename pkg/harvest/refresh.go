package harvest

import (
	"context"
	"errors"
	"time"

	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/store"
)

// refresh re-reads the stored posts of one instance younger than the refresh
// window: counts, edits (the previous version goes to the edit history),
// deletions (tombstones) and new replies in known threads. It spends as few
// requests as the API allows: tag pages cover tagged posts 40 at a time, one
// /context call per thread covers its replies, and only posts seen by
// neither are asked for one by one (a 404 there means deleted).
func (h *Harvester) refresh(ctx context.Context, c *mastodon.Client, since time.Time) error {
	before := c.Stats().Requests
	defer func() {
		h.mu.Lock()
		h.res.RefreshRequests += c.Stats().Requests - before
		h.mu.Unlock()
	}()
	stored, err := h.st.LivePosts(ctx, c.Host(), since)
	if err != nil {
		return err
	}
	// Posts this run fetched are as fresh as a refresh would make them.
	var live []store.LivePost
	h.mu.Lock()
	for _, p := range stored {
		if !h.fetched[p.URI] {
			live = append(live, p)
		}
	}
	h.mu.Unlock()
	if len(live) == 0 {
		return nil
	}
	r := &refreshing{h: h, c: c, host: c.Host(), seen: map[string]bool{}, keep: context.WithoutCancel(ctx)}
	if err := r.timelines(ctx, since); err != nil {
		return err
	}
	if err := r.threads(ctx, live); err != nil {
		return err
	}
	if err := r.rest(ctx, live); err != nil {
		return err
	}
	// New replies found above wait for their conversation like any other.
	return h.expand(ctx, c, nil)
}

// refreshing is one refresh of one instance: the posts it has re-read so
// far, and the context its writes use (they finish even when ctx ends).
type refreshing struct {
	h    *Harvester
	c    *mastodon.Client
	host string
	seen map[string]bool
	keep context.Context
}

// save stores re-read statuses and marks them seen.
func (r *refreshing) save(ctx context.Context, tag string, list []mastodon.Status) error {
	posts, err := r.h.convert(ctx, r.host, tag, list)
	if err != nil {
		return err
	}
	wr, err := r.h.st.SaveSeen(r.keep, r.host, tag, posts)
	if err != nil {
		return err
	}
	for _, p := range posts {
		r.seen[p.URI] = true
	}
	r.h.mu.Lock()
	r.h.res.New += wr.New
	r.h.res.Updated += wr.Updated
	r.h.mu.Unlock()
	return nil
}

// timelines is step 1: the tag timelines back to the start of the window.
func (r *refreshing) timelines(ctx context.Context, since time.Time) error {
	for _, tag := range r.h.opts.Tags {
		dir, cursor := mastodon.Newest, ""
		for {
			page, err := r.c.TagPage(ctx, tag, dir, cursor, mastodon.PageLimit)
			if errors.Is(err, mastodon.ErrNotFound) {
				break
			}
			if err != nil {
				return err
			}
			if len(page.Statuses) == 0 {
				break
			}
			if err := r.save(ctx, tag, page.Statuses); err != nil {
				return err
			}
			_, oldest, oldestAt := bounds(page.Statuses)
			if oldestAt.Before(since) || !page.HasOlder {
				break
			}
			dir, cursor = mastodon.Older, oldest
		}
	}
	return nil
}

// threads is step 2: one /context call per thread root in the window that
// has replies.
func (r *refreshing) threads(ctx context.Context, live []store.LivePost) error {
	children := map[string]bool{}
	for _, p := range live {
		if p.InReplyToLocalID != "" {
			children[p.InReplyToLocalID] = true
		}
	}
	for _, p := range live {
		if p.InReplyToLocalID != "" || (p.Replies == 0 && !children[p.LocalID]) {
			continue
		}
		th, err := r.c.Context(ctx, p.LocalID)
		if errors.Is(err, mastodon.ErrNotFound) {
			continue // the root itself is gone: step 3 confirms it
		}
		if err != nil {
			return err
		}
		if err := r.save(ctx, "", append(th.Ancestors, th.Descendants...)); err != nil {
			return err
		}
	}
	return nil
}

// rest is step 3: whatever neither covered, one by one; the posts the
// server no longer has are tombstoned.
func (r *refreshing) rest(ctx context.Context, live []store.LivePost) error {
	var gone []string
	for _, p := range live {
		if r.seen[p.URI] {
			continue
		}
		st, err := r.c.Status(ctx, p.LocalID)
		if errors.Is(err, mastodon.ErrNotFound) {
			gone = append(gone, p.URI)
			continue
		}
		if err != nil {
			return err
		}
		if err := r.save(ctx, "", []mastodon.Status{st}); err != nil {
			return err
		}
	}
	n, err := r.h.st.Tombstone(r.keep, gone)
	r.h.mu.Lock()
	r.h.res.Deleted += n
	r.h.mu.Unlock()
	return err
}
