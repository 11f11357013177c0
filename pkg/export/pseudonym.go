package export

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
)

// Pseudonymizer replaces accounts and posts by keyed hashes (HMAC-SHA256),
// so the same key gives the same pseudonyms in every export and a data set
// can be shared under an ethics approval without the accounts' names. It
// is pseudonymisation, not anonymisation: post text can still be searched.
type Pseudonymizer struct{ key []byte }

// NewPseudonymizer returns a Pseudonymizer keyed with key (the config's
// salt or --salt).
func NewPseudonymizer(key string) (*Pseudonymizer, error) {
	if key == "" {
		return nil, errors.New("--pseudonymize needs a key: set salt: in the config file or give --salt")
	}
	return &Pseudonymizer{key: []byte(key)}, nil
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
	if acct == "" {
		return ""
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
	if uri == "" {
		return ""
	}
	return "post_" + p.hash("post", uri)
}

// mentionPattern matches @user and @user@host.
var mentionPattern = regexp.MustCompile(`@([A-Za-z0-9_]+)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+))?`)

// Text replaces every @mention in text by the mentioned account's
// pseudonym. A short @user is resolved against mentions (the post's
// mentioned accts) so that it gets the same pseudonym as the full account.
func (p *Pseudonymizer) Text(text string, mentions []string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if start > 0 && isHandleByte(text[start-1]) {
			continue // an e-mail address or part of a word, not a mention
		}
		user := text[m[2]:m[3]]
		acct := user
		if m[4] >= 0 {
			acct = user + "@" + text[m[4]:m[5]]
		} else {
			for _, full := range mentions {
				if name, _, _ := strings.Cut(full, "@"); strings.EqualFold(name, user) {
					acct = full
					break
				}
			}
		}
		b.WriteString(text[last:start])
		b.WriteString("@" + p.Account(acct))
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

func isHandleByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c == '@' || c == '/' ||
		('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}
