package privacy

import (
	"sort"
	"strings"
)

// Person is what names an account that opted out.
type Person struct {
	Acct        string   // user@host
	DisplayName string   // "" when unknown
	URL, URI    string   // profile page and ActivityPub id
	AccountIDs  []string // its local ids on the instances it was seen through
}

// Redactor removes the traces of people who opted out from the rows of
// other people: handles, links, display names and reply-to fields become
// Marker.
type Redactor struct {
	accts    map[string]bool
	noPort   map[string]bool // accts without a :port, for links whose port was dropped
	users    map[string]bool // user names, for short @user handles
	prefixes []string        // profile URLs and URIs, lower case
	names    []string        // display names worth matching
	// lowerNames are names in lower case, for a quick test before IndexName.
	lowerNames []string
	traces     []string // strings whose presence in raw JSON names someone
}

// NewRedactor redacts people.
func NewRedactor(people []Person) *Redactor {
	r := &Redactor{accts: map[string]bool{}, noPort: map[string]bool{}, users: map[string]bool{}}
	for _, p := range people {
		acct := strings.ToLower(p.Acct)
		r.accts[acct] = true
		r.noPort[withoutPort(acct)] = true
		user, _, _ := strings.Cut(acct, "@")
		r.users[user] = true
		r.traces = append(r.traces, acct)
		for _, u := range []string{p.URL, p.URI} {
			if u = strings.ToLower(strings.TrimRight(u, "/")); u != "" {
				r.prefixes = append(r.prefixes, u)
				r.traces = append(r.traces, u)
			}
		}
		if NameWorthMatching(p.DisplayName) {
			r.names = append(r.names, p.DisplayName)
			r.traces = append(r.traces, strings.ToLower(p.DisplayName))
		}
		for _, id := range p.AccountIDs {
			if id != "" {
				r.traces = append(r.traces, `"`+id+`"`)
			}
		}
	}
	// Longest names first, so "Jean-Luc Picard" goes whole before "Jean".
	sort.Slice(r.names, func(i, j int) bool { return len(r.names[i]) > len(r.names[j]) })
	for _, n := range r.names {
		r.lowerNames = append(r.lowerNames, strings.ToLower(n))
	}
	return r
}

// Empty: nobody to redact.
func (r *Redactor) Empty() bool { return r == nil || len(r.accts) == 0 }

// Excluded says whether acct opted out.
func (r *Redactor) Excluded(acct string) bool {
	return r != nil && acct != "" && r.accts[strings.ToLower(strings.TrimPrefix(acct, "@"))]
}

// Account is acct, or Marker when it opted out.
func (r *Redactor) Account(acct string) string {
	if r.Excluded(acct) {
		return Marker
	}
	return acct
}

// Link is u, or Marker when it leads to the profile or a post of someone
// who opted out.
func (r *Redactor) Link(u string) string {
	if r.linksToExcluded(u) {
		return Marker
	}
	return u
}

func (r *Redactor) linksToExcluded(u string) bool {
	if r.Empty() {
		return false
	}
	if l, ok := ParseAccountLink(u); ok && (r.accts[l.Acct] || r.noPort[withoutPort(l.Acct)]) {
		return true
	}
	lu := strings.ToLower(u)
	for _, p := range r.prefixes {
		if strings.HasPrefix(lu, p) && (len(lu) == len(p) || strings.ContainsRune("/?#", rune(lu[len(p)]))) {
			return true
		}
	}
	return false
}

// Text replaces in text the handles of people who opted out (a short @user
// is resolved against the post's mentions; unresolved, any opted-out user
// of that name is taken to be meant), links to them and their display names.
func (r *Redactor) Text(text string, mentions []string) string {
	if r.Empty() || text == "" {
		return text
	}
	var b strings.Builder
	last := 0
	for _, u := range URLs(text) {
		if r.linksToExcluded(text[u.Start:u.End]) {
			b.WriteString(text[last:u.Start])
			b.WriteString(Marker)
			last = u.End
		}
	}
	b.WriteString(text[last:])
	text, b = b.String(), strings.Builder{}
	last = 0
	for _, h := range Handles(text) {
		if r.handleExcluded(h, mentions) {
			b.WriteString(text[last:h.Start])
			b.WriteString(Marker)
			last = h.End
		}
	}
	b.WriteString(text[last:])
	text = b.String()
	lower := strings.ToLower(text)
	for i, name := range r.names {
		if !strings.Contains(lower, r.lowerNames[i]) {
			continue // the common case, without allocating
		}
		for from := 0; ; {
			s, e := IndexName(text, name, from)
			if s < 0 {
				break
			}
			text = text[:s] + Marker + text[e:]
			from = s + len(Marker)
		}
	}
	return text
}

func (r *Redactor) handleExcluded(h Handle, mentions []string) bool {
	if h.Host != "" {
		return r.Excluded(h.Acct())
	}
	if full, ok := ResolveShort(h.User, mentions); ok {
		return r.Excluded(full)
	}
	return r.users[strings.ToLower(h.User)]
}

// Traces says whether s (raw JSON, a profile note) holds any trace of a
// person who opted out: their acct, profile address, display name or a
// local account id. Callers drop such a value rather than edit it.
func (r *Redactor) Traces(s string) bool {
	if r.Empty() || s == "" {
		return false
	}
	ls := strings.ToLower(s)
	for _, t := range r.traces {
		if strings.Contains(ls, t) {
			return true
		}
	}
	return false
}

func withoutPort(acct string) string {
	if i := strings.LastIndexByte(acct, ':'); i > strings.LastIndexByte(acct, '@') {
		return acct[:i]
	}
	return acct
}

// GroupName is a community name made of members' accounts joined by "+"
// (community.PairName: "ana+ben", or whole accounts), with every part that
// names a person who opted out replaced by Marker.
func (r *Redactor) GroupName(name string) string {
	if r.Empty() || name == "" {
		return name
	}
	parts := strings.Split(name, "+")
	changed := false
	for i, p := range parts {
		lp := strings.ToLower(p)
		if r.accts[lp] || (!strings.Contains(lp, "@") && r.users[lp]) {
			parts[i], changed = Marker, true
		}
	}
	if !changed {
		return name
	}
	return strings.Join(parts, "+")
}
