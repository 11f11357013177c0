package classify

import (
	"strings"

	"github.com/mattn/go-mastodon"

	copmastodon "github.com/oeru/copharvest/pkg/mastodon"

	"github.com/oeru/copharvest/pkg/text"
)

// InputsFromStatuses builds one Input per status, deriving the thread
// context (parent author and content, thread root, direct repliers) from
// the set itself; statuses link by in_reply_to_id. Boosts are read as the
// boosted status. A reply whose parent is not in the set keeps the parent's
// id in InReplyToURI and an empty ParentAuthor (unless it replies to its own
// author, which in_reply_to_account_id tells).
func InputsFromStatuses(statuses []mastodon.Status) []Input {
	byID := make(map[string]*mastodon.Status, len(statuses))
	list := make([]*mastodon.Status, len(statuses))
	for i := range statuses {
		s := &statuses[i]
		if s.Reblog != nil {
			s = s.Reblog
		}
		list[i] = s
		byID[string(s.ID)] = s
	}
	repliers := map[string]map[string]bool{} // parent id -> other authors
	for _, s := range list {
		pid := copmastodon.IDString(s.InReplyToID)
		parent, ok := byID[pid]
		if pid == "" || !ok || sameAcct(parent.Account.Acct, s.Account.Acct) {
			continue
		}
		if repliers[pid] == nil {
			repliers[pid] = map[string]bool{}
		}
		repliers[pid][strings.ToLower(s.Account.Acct)] = true
	}

	// Convert each status once: a post is also its replies' parent and root.
	docs := make(map[*mastodon.Status]*text.Doc, len(list))
	docOf := func(s *mastodon.Status) *text.Doc {
		if d, ok := docs[s]; ok {
			return d
		}
		d := text.FromHTML(s.Content)
		docs[s] = &d
		return &d
	}

	inputs := make([]Input, len(list))
	for i, s := range list {
		in := Input{
			URI:            s.URI,
			Author:         s.Account.Acct,
			HTML:           s.Content,
			SpoilerText:    s.SpoilerText,
			MediaCount:     len(s.MediaAttachments),
			Language:       s.Language,
			DirectRepliers: len(repliers[string(s.ID)]),
			Doc:            docOf(s),
		}
		for _, t := range s.Tags {
			in.Tags = append(in.Tags, strings.ToLower(t.Name))
		}
		for _, m := range s.Mentions {
			in.Mentions = append(in.Mentions, m.Acct)
		}
		if s.Card != nil {
			in.CardURL = s.Card.URL
		}
		if pid := copmastodon.IDString(s.InReplyToID); pid != "" {
			if parent, ok := byID[pid]; ok {
				in.InReplyToURI = parent.URI
				in.ParentAuthor = parent.Account.Acct
				in.ParentHTML = parent.Content
				in.ParentDoc = docOf(parent)
			} else {
				in.InReplyToURI = pid
				if copmastodon.IDString(s.InReplyToAccountID) == string(s.Account.ID) {
					in.ParentAuthor = s.Account.Acct
				}
			}
			if root := threadRoot(s, byID); root != s {
				in.RootHTML = root.Content
				in.RootDoc = docOf(root)
				for _, t := range root.Tags {
					in.RootTags = append(in.RootTags, strings.ToLower(t.Name))
				}
			}
		}
		inputs[i] = in
	}
	return inputs
}

// threadRoot follows in_reply_to_id up as far as the set reaches.
func threadRoot(s *mastodon.Status, byID map[string]*mastodon.Status) *mastodon.Status {
	seen := map[*mastodon.Status]bool{s: true}
	for {
		parent, ok := byID[copmastodon.IDString(s.InReplyToID)]
		if !ok || seen[parent] {
			return s
		}
		seen[parent] = true
		s = parent
	}
}
