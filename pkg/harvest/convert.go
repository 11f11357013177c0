package harvest

import (
	"encoding/json"
	"fmt"
	"strings"

	gomastodon "github.com/mattn/go-mastodon"

	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/text"
)

// canonicalAcct makes "user" (local to host) and "user@other" globally unique.
func canonicalAcct(acct, host string) string {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	if acct == "" || strings.Contains(acct, "@") {
		return strings.ToLower(acct)
	}
	return strings.ToLower(acct + "@" + host)
}

// accountFlags are the research-ethics flags of an account's JSON.
type accountFlags struct {
	Discoverable *bool `json:"discoverable"`
	Indexable    *bool `json:"indexable"`
	NoIndex      *bool `json:"noindex"`
}

// optOutTags are the fediverse's informal "do not index me" markers.
var optOutTags = []string{"#nobot", "#noindex", "#nosearch"}

func toAccount(a *gomastodon.Account, raw json.RawMessage, host string) store.Account {
	out := store.Account{
		Acct:        canonicalAcct(a.Acct, host),
		Home:        !strings.Contains(strings.TrimPrefix(strings.TrimSpace(a.Acct), "@"), "@"),
		URI:         a.URI,
		URL:         a.URL,
		Username:    a.Username,
		DisplayName: a.DisplayName,
		Note:        a.Note,
		Bot:         a.Bot,
		CreatedAt:   a.CreatedAt,
		Followers:   a.FollowersCount,
		Following:   a.FollowingCount,
		Statuses:    a.StatusesCount,
		Raw:         raw,
	}
	// go-mastodon's struct lacks indexable/noindex and turns a missing
	// discoverable into false; read all three from the JSON as served.
	var flags accountFlags
	if len(raw) > 0 && json.Unmarshal(raw, &flags) == nil {
		out.Discoverable, out.Indexable, out.NoIndex = flags.Discoverable, flags.Indexable, flags.NoIndex
	}
	profile := strings.ToLower(a.Note)
	for _, f := range a.Fields {
		profile += " " + strings.ToLower(f.Name+" "+f.Value)
	}
	for _, t := range optOutTags {
		if strings.Contains(profile, t) || strings.Contains(profile, ">"+t[1:]+"<") {
			out.OptOut = true
		}
	}
	return out
}

// toPost converts a served status into what the store keeps.
func toPost(s mastodon.Status, host string) (store.Post, error) {
	st := s.Status
	if st.Reblog != nil {
		return store.Post{}, fmt.Errorf("status %s is a boost, not a post", st.ID)
	}
	// The account's JSON is inside the status's raw JSON already; read only
	// the flags go-mastodon's struct lacks, from the account's member alone.
	var flags accountFlags
	if !mastodon.Members(s.Raw, "account", func(v json.RawMessage) { _ = json.Unmarshal(v, &flags) }) {
		var rawStatus struct {
			Account accountFlags `json:"account"`
		}
		_ = json.Unmarshal(s.Raw, &rawStatus)
		flags = rawStatus.Account
	}
	acc := toAccount(&st.Account, nil, host)
	acc.Discoverable, acc.Indexable, acc.NoIndex = flags.Discoverable, flags.Indexable, flags.NoIndex
	doc := text.FromHTML(st.Content)
	p := store.Post{
		URI:              st.URI,
		URL:              st.URL,
		LocalID:          string(st.ID),
		InReplyToLocalID: mastodon.IDString(st.InReplyToID),
		Account:          acc,
		CreatedAt:        st.CreatedAt.UTC(),
		Language:         st.Language,
		Visibility:       st.Visibility,
		Sensitive:        st.Sensitive,
		SpoilerText:      st.SpoilerText,
		Content:          st.Content,
		Text:             doc.Text,
		Replies:          st.RepliesCount,
		Reblogs:          st.ReblogsCount,
		Favourites:       st.FavouritesCount,
		MediaCount:       len(st.MediaAttachments),
		Raw:              s.Raw,
	}
	if !st.EditedAt.IsZero() {
		e := st.EditedAt.UTC()
		p.EditedAt = &e
	}
	if p.InReplyToLocalID != "" {
		parentAccount := mastodon.IDString(st.InReplyToAccountID)
		if parentAccount == string(st.Account.ID) {
			p.InReplyToAcct = acc.Acct
		}
		for _, m := range st.Mentions {
			if string(m.ID) == parentAccount {
				p.InReplyToAcct = canonicalAcct(m.Acct, host)
			}
		}
	}
	seenTag := map[string]bool{}
	for _, t := range st.Tags {
		name := strings.ToLower(t.Name)
		if name != "" && !seenTag[name] {
			seenTag[name] = true
			p.Tags = append(p.Tags, name)
		}
	}
	for _, m := range st.Mentions {
		p.Mentions = append(p.Mentions, canonicalAcct(m.Acct, host))
	}
	seenLink := map[string]bool{}
	for _, l := range doc.Links {
		if !seenLink[l.URL] {
			seenLink[l.URL] = true
			p.Links = append(p.Links, store.Link{URL: l.URL, Domain: l.Domain})
		}
	}
	if st.Card != nil && st.Card.URL != "" {
		p.CardURL = st.Card.URL
		if !seenLink[st.Card.URL] {
			p.Links = append(p.Links, store.Link{URL: st.Card.URL, Domain: text.Domain(st.Card.URL)})
		}
	}
	return p, nil
}

// malformed says why a served status cannot be stored as a post ("" when
// it can).
func malformed(s mastodon.Status) string {
	var missing []string
	if s.ID == "" {
		missing = append(missing, "id")
	}
	if s.URI == "" {
		missing = append(missing, "uri")
	}
	if s.Account.Acct == "" {
		missing = append(missing, "account")
	}
	if s.CreatedAt.IsZero() {
		missing = append(missing, "created_at")
	}
	if len(missing) == 0 {
		return ""
	}
	return "no " + strings.Join(missing, ", ")
}

// storable says whether a status may be kept: only posts anyone can see.
func storable(s mastodon.Status) bool {
	v := s.Visibility
	return s.Reblog == nil && (v == "" || v == "public" || v == "unlisted")
}
