// Package privacy finds the traces of a person in text: @handles (with
// hyphens, dots and underscores, and a host with an optional port), links to
// an account's profile or posts, and display names. Exports and the report
// use it to redact people who opted out and to pseudonymise the others.
package privacy

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Marker replaces every trace of a person who opted out: their handle in
// text and in the mentions column, reply-to fields, links to their profile
// or posts, their display name. It has no spaces, so lists keep their shape.
const Marker = "[opted-out]"

// Handle is an @handle found in text: text[Start:End] is "@user" or
// "@user@host".
type Handle struct {
	Start, End int
	User, Host string // Host is "" for a short @user
}

// Acct is user@host, or the short user when the host is not written.
func (h Handle) Acct() string {
	if h.Host == "" {
		return h.User
	}
	return h.User + "@" + h.Host
}

func isUserByte(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isHostByte(c byte) bool {
	return c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// wordByte is a byte that, just before '@', makes it part of a word or an
// e-mail address rather than a mention.
func wordByte(c byte) bool {
	return isUserByte(c) || c == '.' || c == '-' || c == '@' || c == '/' || c >= utf8.RuneSelf
}

// Handles returns the @handles of text in order. A user name is letters,
// digits and underscores, with single dots or hyphens inside (jean-luc,
// j.doe: Mastodon allows them for remote accounts, and a tokeniser that
// stops at the hyphen would leave "-luc" behind). A trailing dot or hyphen
// is punctuation, not part of the handle.
func Handles(text string) []Handle {
	var out []Handle
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && wordByte(text[i-1])) {
			continue
		}
		user, end := scanUser(text, i+1)
		if user == "" {
			continue
		}
		h := Handle{Start: i, End: end, User: user}
		if end < len(text) && text[end] == '@' {
			if host, hend := scanHost(text, end+1); host != "" {
				h.Host, h.End = host, hend
			}
		}
		out = append(out, h)
		i = h.End - 1
	}
	return out
}

// scanUser reads [A-Za-z0-9_]+ ([.-][A-Za-z0-9_]+)* from i.
func scanUser(s string, i int) (string, int) {
	start, end := i, i
	for j := i; j < len(s); {
		if isUserByte(s[j]) {
			j++
			end = j
			continue
		}
		if (s[j] == '.' || s[j] == '-') && j > start && j+1 < len(s) && isUserByte(s[j+1]) && isUserByte(s[j-1]) {
			j++
			continue
		}
		break
	}
	return s[start:end], end
}

// scanHost reads a host name of two or more labels (or an IPv4 address),
// with an optional :port.
func scanHost(s string, i int) (string, int) {
	end, labels, j := i, 0, i
	for {
		k := j
		for k < len(s) && isHostByte(s[k]) {
			k++
		}
		if k == j {
			break
		}
		labels++
		end = k
		if k+1 < len(s) && s[k] == '.' && isHostByte(s[k+1]) {
			j = k + 1
			continue
		}
		break
	}
	// A host does not end in '-' or '.': leave them to the text, and keep
	// the span and the host the same length.
	for end > i && (s[end-1] == '-' || s[end-1] == '.') {
		end--
	}
	if labels < 2 || !strings.Contains(s[i:end], ".") {
		return "", i
	}
	if end+1 < len(s) && s[end] == ':' && s[end+1] >= '0' && s[end+1] <= '9' {
		k := end + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		end = k
	}
	return s[i:end], end
}

// URLSpan is an http(s) address found in text.
type URLSpan struct{ Start, End int }

// URLs returns the http:// and https:// addresses of text: up to the next
// space, quote or angle bracket, without trailing punctuation.
func URLs(text string) []URLSpan {
	var out []URLSpan
	for i := 0; i < len(text); i++ {
		if text[i] != 'h' && text[i] != 'H' {
			continue
		}
		var n int
		switch {
		case hasPrefixFold(text[i:], "https://"):
			n = len("https://")
		case hasPrefixFold(text[i:], "http://"):
			n = len("http://")
		default:
			continue
		}
		end := i + n
		for end < len(text) && !strings.ContainsRune(" \t\r\n\"'<>`", rune(text[end])) {
			end++
		}
		for end > i+n && strings.ContainsRune(".,;:!?)]}", rune(text[end-1])) {
			end--
		}
		out = append(out, URLSpan{i, end})
		i = end - 1
	}
	return out
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, byte for byte
// (lower-casing the whole text would move offsets past invalid UTF-8).
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// AccountLink is what a link to an account's profile or post names.
type AccountLink struct {
	Acct     string // user@host
	StatusID string // "" for a profile
	// URI is the post's ActivityPub id in Mastodon's form
	// (https://host/users/user/statuses/ID), "" for a profile.
	URI string
}

// ParseAccountLink reads the address of a profile or post on Mastodon
// (/@user, /@user/ID, /@user@other.host, /users/user, /users/user/statuses/ID)
// or GoToSocial (/@user/statuses/ID).
func ParseAccountLink(raw string) (AccountLink, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return AccountLink{}, false
	}
	host := strings.ToLower(u.Host)
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var user, id string
	switch {
	case strings.HasPrefix(parts[0], "@") && len(parts[0]) > 1:
		user = parts[0][1:]
		if name, other, ok := strings.Cut(user, "@"); ok {
			user, host = name, strings.ToLower(other)
		}
		switch {
		case len(parts) == 2:
			id = parts[1]
		case len(parts) == 3 && parts[1] == "statuses":
			id = parts[2]
		case len(parts) > 1:
			return AccountLink{}, false
		}
	case parts[0] == "users" && len(parts) >= 2 && parts[1] != "":
		user = parts[1]
		switch {
		case len(parts) == 4 && parts[2] == "statuses":
			id = parts[3]
		case len(parts) > 2:
			return AccountLink{}, false
		}
	default:
		return AccountLink{}, false
	}
	if user == "" || strings.ContainsAny(user, "?#") {
		return AccountLink{}, false
	}
	l := AccountLink{Acct: strings.ToLower(user + "@" + host), StatusID: id}
	if id != "" {
		l.URI = "https://" + host + "/users/" + user + "/statuses/" + id
	}
	return l, true
}

// ResolveShort turns a short @user into the full account it means: the
// post's mentioned account of that user name, if any.
func ResolveShort(user string, mentions []string) (string, bool) {
	for _, full := range mentions {
		if name, _, _ := strings.Cut(full, "@"); strings.EqualFold(name, user) {
			return full, true
		}
	}
	return "", false
}

// IndexName finds name in text as a whole word, case-insensitively, from
// byte offset from; -1 when absent.
func IndexName(text, name string, from int) (int, int) {
	if name == "" {
		return -1, -1
	}
	lt, ln := strings.ToLower(text), strings.ToLower(name)
	if len(lt) != len(text) {
		// Case folding changed byte lengths: fall back to exact matching.
		lt, ln = text, name
	}
	for i := from; i <= len(lt)-len(ln); {
		j := strings.Index(lt[i:], ln)
		if j < 0 {
			return -1, -1
		}
		s, e := i+j, i+j+len(ln)
		if wordEdge(text, s, true) && wordEdge(text, e, false) {
			return s, e
		}
		i = s + 1
	}
	return -1, -1
}

func wordEdge(text string, at int, before bool) bool {
	var r rune
	if before {
		if at == 0 {
			return true
		}
		r, _ = utf8.DecodeLastRuneInString(text[:at])
	} else {
		if at >= len(text) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(text[at:])
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
}

// NameWorthMatching: a display name long enough, and with enough letters,
// that finding it in text means the person and not a common word.
func NameWorthMatching(name string) bool {
	letters := 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 3
}
