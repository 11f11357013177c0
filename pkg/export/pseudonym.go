package export

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/oeru/copharvest/pkg/privacy"
)

// Pseudonymizer replaces accounts and posts by keyed hashes (HMAC-SHA256),
// so the same key gives the same pseudonyms in every export and a data set
// can be shared under an ethics approval without the accounts' names. It
// is pseudonymisation, not anonymisation: post text can still be searched.
type Pseudonymizer struct {
	key []byte
	// names are display names by account, to replace inside text.
	names map[string]string
}

// ErrNoKey: pseudonyms were asked for without a key.
var ErrNoKey = errors.New("pseudonyms need a key")

// NewPseudonymizer returns a Pseudonymizer keyed with key (the config's
// salt or --salt).
func NewPseudonymizer(key string) (*Pseudonymizer, error) {
	if key == "" {
		return nil, ErrNoKey
	}
	return &Pseudonymizer{key: []byte(key)}, nil
}

// withNames returns a copy that also replaces the display names of the
// accounts a post involves.
func (p *Pseudonymizer) withNames(names map[string]string) *Pseudonymizer {
	q := *p
	q.names = names
	return &q
}

func (p *Pseudonymizer) hash(kind, value string) string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil)[:8])
}

// Account returns the pseudonym of an account, "acct_" and 16 hex digits.
// Accounts compare case-insensitively, as on Mastodon.
func (p *Pseudonymizer) Account(acct string) string {
	if acct == "" || acct == privacy.Marker {
		return acct
	}
	return "acct_" + p.hash("acct", strings.ToLower(strings.TrimPrefix(acct, "@")))
}

// Community returns the pseudonym of a community id, "community_" and 16
// hex digits: graph communities are named after their members. The group
// of people without ties, "unconnected", names nobody and stays.
func (p *Pseudonymizer) Community(id string) string {
	if id == "" || id == "unconnected" {
		return id
	}
	return "community_" + p.hash("community", id)
}

// Post returns the pseudonym of a post uri, "post_" and 16 hex digits (a
// post's uri and url contain its author's name).
func (p *Pseudonymizer) Post(uri string) string {
	if uri == "" || uri == privacy.Marker {
		return uri
	}
	return "post_" + p.hash("post", uri)
}

// Link returns the pseudonym of a link to an account's profile (its
// account pseudonym) or post (the post pseudonym of its Mastodon uri, the
// same as in the uri column for posts of Mastodon servers); other links
// are kept.
func (p *Pseudonymizer) Link(u string) string {
	l, ok := privacy.ParseAccountLink(u)
	switch {
	case !ok:
		return u
	case l.URI != "":
		return p.Post(l.URI)
	}
	return p.Account(l.Acct)
}

// Text replaces every @mention in text by the mentioned account's
// pseudonym (a short @user is resolved against mentions, the post's
// mentioned accts, so it gets the same pseudonym as in the mentions
// column), links to profiles and posts by their pseudonyms, and the
// display names of the accounts in involved (author, mentioned, replied
// to) by their account pseudonyms.
func (p *Pseudonymizer) Text(text string, mentions []string, involved ...string) string {
	if text == "" {
		return text
	}
	var b strings.Builder
	last := 0
	for _, u := range privacy.URLs(text) {
		if pseudo := p.Link(text[u.Start:u.End]); pseudo != text[u.Start:u.End] {
			b.WriteString(text[last:u.Start])
			b.WriteString(pseudo)
			last = u.End
		}
	}
	b.WriteString(text[last:])
	text, b = b.String(), strings.Builder{}
	last = 0
	for _, h := range privacy.Handles(text) {
		acct := h.Acct()
		if h.Host == "" {
			if full, ok := privacy.ResolveShort(h.User, mentions); ok {
				acct = full
			}
		}
		b.WriteString(text[last:h.Start])
		b.WriteString("@" + p.Account(acct))
		last = h.End
	}
	b.WriteString(text[last:])
	text = b.String()
	if len(p.names) == 0 {
		return text
	}
	lower := strings.ToLower(text)
	for _, acct := range append(append([]string{}, mentions...), involved...) {
		name := p.names[strings.ToLower(acct)]
		if !strings.Contains(lower, strings.ToLower(name)) || !privacy.NameWorthMatching(name) {
			continue // the common case, decided without scanning twice
		}
		pseudo := p.Account(acct)
		for from := 0; ; {
			s, e := privacy.IndexName(text, name, from)
			if s < 0 {
				break
			}
			text = text[:s] + pseudo + text[e:]
			from = s + len(pseudo)
		}
	}
	return text
}
