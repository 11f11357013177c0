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
	host := c.Host()
	stored, err := h.st.LivePosts(ctx, host, since)
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
	seen := map[string]bool{}
	keep := context.WithoutCancel(ctx)

	save := func(tag string, list []mastodon.Status) error {
		posts, err := h.convert(ctx, host, tag, list)
		if err != nil {
			return err
		}
		wr, err := h.st.SaveSeen(keep, host, tag, posts)
		if err != nil {
			return err
		}
		for _, p := range posts {
			seen[p.URI] = true
		}
		h.mu.Lock()
		h.res.New += wr.New
		h.res.Updated += wr.Updated
		h.mu.Unlock()
		return nil
	}

	// 1. The tag timelines back to the start of the window.
	for _, tag := range h.opts.Tags {
		dir, cursor := mastodon.Newest, ""
		for {
			page, err := c.TagPage(ctx, tag, dir, cursor, mastodon.PageLimit)
			if errors.Is(err, mastodon.ErrNotFound) {
				break
			}
			if err != nil {
				return err
			}
			if len(page.Statuses) == 0 {
				break
			}
			if err := save(tag, page.Statuses); err != nil {
				return err
			}
			_, oldest, oldestAt := bounds(page.Statuses)
			if oldestAt.Before(since) || !page.HasOlder {
				break
			}
			dir, cursor = mastodon.Older, oldest
		}
	}

	// 2. One /context call per thread root in the window that has replies.
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
		th, err := c.Context(ctx, p.LocalID)
		if errors.Is(err, mastodon.ErrNotFound) {
			continue // the root itself is gone: step 3 confirms it
		}
		if err != nil {
			return err
		}
		if err := save("", append(th.Ancestors, th.Descendants...)); err != nil {
			return err
		}
	}

	// 3. Whatever neither covered, one by one.
	var gone []string
	for _, p := range live {
		if seen[p.URI] {
			continue
		}
		st, err := c.Status(ctx, p.LocalID)
		if errors.Is(err, mastodon.ErrNotFound) {
			gone = append(gone, p.URI)
			continue
		}
		if err != nil {
			return err
		}
		if err := save("", []mastodon.Status{st}); err != nil {
			return err
		}
	}
	n, err := h.st.Tombstone(keep, gone)
	h.mu.Lock()
	h.res.Deleted += n
	h.mu.Unlock()
	if err != nil {
		return err
	}
	// New replies found above wait for their conversation like any other.
	return h.expand(ctx, c)
}
