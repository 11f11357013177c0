package mastodontest

import (
	"math"
	"strings"
)

// IdealFirstSync is the fewest requests a harvester needs to copy a fresh
// course from this server for the given tags: ceil(tagged/40) + 1 tag pages
// per tag (the extra empty page proves the end), one /context call per
// conversation root that a tagged post leads to and that has replies (or is
// reached through a reply), and, with interactions, one reblogged_by and one
// favourited_by call per public post with such counts.
type IdealFirstSync struct {
	TagPages, Contexts, Interactions int
}

// Total is the sum of the three.
func (c IdealFirstSync) Total() int { return c.TagPages + c.Contexts + c.Interactions }

// IdealRequests computes IdealFirstSync for statuses (as returned by
// GenerateCourse or Statuses). omitReplies: the timeline leaves replies out.
func IdealRequests(statuses []Status, tags []string, omitReplies, interactions bool) IdealFirstSync {
	var c IdealFirstSync
	byID := map[string]Status{}
	hasReplies := map[string]bool{}
	for _, s := range statuses {
		byID[s.ID] = s
		if s.InReplyToID != "" {
			hasReplies[s.InReplyToID] = true
		}
	}
	roots := map[string]bool{}
	for _, tag := range tags {
		tagged := 0
		for _, s := range statuses {
			if !carries(s, tag) || (omitReplies && s.InReplyToID != "") {
				continue
			}
			tagged++
			root := s
			for root.InReplyToID != "" {
				root = byID[root.InReplyToID]
			}
			if s.InReplyToID != "" || hasReplies[root.ID] {
				roots[root.ID] = true
			}
		}
		c.TagPages += int(math.Ceil(float64(tagged)/40)) + 1
	}
	c.Contexts = len(roots)
	if interactions {
		for _, s := range statuses {
			if s.Visibility != "" && s.Visibility != "public" && s.Visibility != "unlisted" {
				continue
			}
			if s.ReblogsCount > 0 {
				c.Interactions++
			}
			if s.FavouritesCount > 0 {
				c.Interactions++
			}
		}
	}
	return c
}

func carries(s Status, tag string) bool {
	for _, t := range s.Tags {
		if strings.EqualFold(t.Name, tag) {
			return true
		}
	}
	return false
}
