package mastodontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// PlaceholderBase is the base URL seed files may use for the server's own URLs;
// LoadStatuses rewrites it to the running server's URL.
const PlaceholderBase = "http://fake.invalid"

// ErrNotFound is returned by mutations of unknown or deleted statuses.
var ErrNotFound = errors.New("status not found")

type entry struct {
	status       Status
	history      []StatusEdit // earlier versions, oldest first
	deleted      bool
	rebloggedBy  []interaction // oldest first
	favouritedBy []interaction
	cached       atomic.Pointer[[]byte] // JSON of status; nil after a change
}

// interaction is a favourite or reblog record; Mastodon pages these by record id.
type interaction struct {
	recordID string
	account  Account
}

// json returns the status JSON, marshalling it once per version. Callers hold at least the
// read lock; racing readers may both marshal, which is harmless.
func (e *entry) json() []byte {
	if b := e.cached.Load(); b != nil {
		return *b
	}
	b, err := json.Marshal(e.status)
	if err != nil {
		b = []byte("null") // unreachable: Status always marshals
	}
	e.cached.Store(&b)
	return b
}

func (e *entry) changed() { e.cached.Store(nil) }

// LoadStatuses adds statuses as served by a real server: a JSON array of statuses, a single
// status, or a context object ({"ancestors":[...],"descendants":[...]}). Ids, URIs, accounts,
// content and counts are kept; PlaceholderBase is rewritten to the server's URL. A status
// with an id already loaded replaces it.
func (s *Server) LoadStatuses(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read statuses: %w", err)
	}
	raw = bytes.ReplaceAll(raw, []byte(PlaceholderBase), []byte(s.URL))
	raw = bytes.TrimSpace(raw)
	var statuses []Status
	switch {
	case len(raw) == 0:
		return errors.New("load statuses: empty input")
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &statuses); err != nil {
			return fmt.Errorf("decode status array: %w", err)
		}
	case bytes.Contains(raw, []byte(`"ancestors"`)) || bytes.Contains(raw, []byte(`"descendants"`)):
		var ctx Context
		if err := json.Unmarshal(raw, &ctx); err != nil {
			return fmt.Errorf("decode context: %w", err)
		}
		statuses = append(ctx.Ancestors, ctx.Descendants...)
	default:
		var st Status
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("decode status: %w", err)
		}
		statuses = []Status{st}
	}
	for i, st := range statuses {
		if st.ID == "" {
			return fmt.Errorf("load statuses: status %d has no id", i)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range statuses {
		s.putLocked(st)
	}
	return nil
}

// LoadFile loads statuses from a JSON file (see LoadStatuses).
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load statuses: %w", err)
	}
	defer f.Close()
	if err := s.LoadStatuses(f); err != nil {
		return fmt.Errorf("load %s: %w", path, err)
	}
	return nil
}

// putLocked stores a complete status, replacing one with the same id, and indexes it.
func (s *Server) putLocked(st Status) {
	for i := range st.Tags {
		st.Tags[i].Name = strings.ToLower(st.Tags[i].Name)
	}
	s.minter.used[st.ID] = true
	if st.Account.ID != "" {
		s.minter.used[st.Account.ID] = true
		if _, known := s.accounts[st.Account.ID]; !known {
			s.accounts[st.Account.ID] = st.Account
			s.byAcct[strings.ToLower(st.Account.Acct)] = st.Account.ID
		}
	}
	if old, ok := s.entries[st.ID]; ok {
		s.unindexTags(st.ID, old.status.Tags)
		if old.status.InReplyToID != "" {
			s.children[old.status.InReplyToID] = removeSorted(s.children[old.status.InReplyToID], st.ID)
		}
		old.status = st
		old.deleted = false
		old.changed()
	} else {
		s.entries[st.ID] = &entry{status: st}
		s.order = insertSorted(s.order, st.ID)
	}
	s.indexTags(st.ID, st.Tags)
	if st.InReplyToID != "" {
		s.children[st.InReplyToID] = insertSorted(s.children[st.InReplyToID], st.ID)
	}
}

func (s *Server) indexTags(id string, tags []Tag) {
	for _, t := range tags {
		s.tagIndex[t.Name] = insertSorted(s.tagIndex[t.Name], id)
	}
}

func (s *Server) unindexTags(id string, tags []Tag) {
	for _, t := range tags {
		s.tagIndex[t.Name] = removeSorted(s.tagIndex[t.Name], id)
	}
}

// insertSorted adds id to an ascending slice; appending is the common, cheap case.
func insertSorted(ids []string, id string) []string {
	if n := len(ids); n == 0 || CompareIDs(ids[n-1], id) < 0 {
		return append(ids, id)
	}
	i, found := slices.BinarySearchFunc(ids, id, CompareIDs)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

func removeSorted(ids []string, id string) []string {
	if i, found := slices.BinarySearchFunc(ids, id, CompareIDs); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}

// AddStatus stores a new status and returns it as stored. Empty fields are filled the way
// the server would: id (minted from CreatedAt), created_at (now), account id and URLs (an
// account is known by its acct, so posting twice as "erin" is one account), uri and url,
// tags (from the #hashtags in Content), visibility, language, in_reply_to_account_id. A
// reply raises its parent's replies_count.
func (s *Server) AddStatus(st Status) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(st)
}

func (s *Server) addLocked(st Status) Status {
	if st.CreatedAt.IsZero() {
		st.CreatedAt = s.now()
	}
	st.CreatedAt = st.CreatedAt.UTC().Truncate(time.Millisecond)
	st.Account = s.ensureAccountLocked(st.Account, st.CreatedAt)
	if st.ID == "" {
		st.ID = s.minter.mint(st.CreatedAt)
	}
	if st.URI == "" {
		st.URI = strings.TrimSuffix(st.Account.URI, "/") + "/statuses/" + st.ID
	}
	if st.URL == "" {
		st.URL = strings.TrimSuffix(st.Account.URL, "/") + "/" + st.ID
	}
	if st.Visibility == "" {
		st.Visibility = "public"
	}
	if st.Language == "" {
		st.Language = "en"
	}
	if st.Application == nil && !strings.Contains(st.Account.Acct, "@") {
		st.Application = &Application{Name: "Web"}
	}
	if st.Tags == nil {
		for _, name := range hashtagsInHTML(st.Content) {
			st.Tags = append(st.Tags, Tag{Name: name})
		}
	}
	for i := range st.Tags {
		st.Tags[i].Name = strings.ToLower(st.Tags[i].Name)
		if st.Tags[i].URL == "" {
			st.Tags[i].URL = s.URL + "/tags/" + st.Tags[i].Name
		}
	}
	for i, m := range st.Mentions {
		if m.ID == "" || m.URL == "" {
			if id, ok := s.byAcct[strings.ToLower(m.Acct)]; ok {
				acc := s.accounts[id]
				st.Mentions[i] = Mention{ID: acc.ID, Username: acc.Username, URL: acc.URL, Acct: acc.Acct}
			}
		}
	}
	if st.InReplyToID != "" {
		if parent, ok := s.entries[st.InReplyToID]; ok {
			if st.InReplyToAccountID == "" {
				st.InReplyToAccountID = parent.status.Account.ID
			}
			parent.status.RepliesCount++
			parent.changed()
		}
	}
	acc := s.accounts[st.Account.ID]
	acc.StatusesCount++
	acc.LastStatusAt = st.CreatedAt.Format(time.DateOnly)
	s.accounts[acc.ID] = acc
	s.putLocked(st)
	return cloneStatus(st)
}

// AddAccount stores an account (or returns the stored one with the same acct), filling its
// id, URLs and defaults as AddStatus does. Use it to mention people before they post.
func (s *Server) AddAccount(a Account) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ensureAccountLocked(a, s.now())
}

// ensureAccountLocked completes an account: a known acct returns the stored one; a new one
// gets an id and the server's URLs (or its own host's for "name@host").
func (s *Server) ensureAccountLocked(a Account, at time.Time) Account {
	if a.Acct == "" {
		a.Acct = a.Username
	}
	if a.Acct == "" {
		a.Acct = "anonymous"
	}
	if a.ID == "" {
		if id, ok := s.byAcct[strings.ToLower(a.Acct)]; ok {
			return s.accounts[id]
		}
	} else if known, ok := s.accounts[a.ID]; ok {
		return known
	}
	name, host, remote := strings.Cut(a.Acct, "@")
	if a.Username == "" {
		a.Username = name
	}
	base := s.URL
	if remote {
		base = "https://" + host
	}
	if a.ID == "" {
		a.ID = s.minter.mint(at.Add(-24 * time.Hour))
	}
	if a.DisplayName == "" {
		a.DisplayName = a.Username
	}
	if a.URL == "" {
		a.URL = base + "/@" + a.Username
	}
	if a.URI == "" {
		a.URI = base + "/users/" + a.Username
	}
	if a.Avatar == "" {
		a.Avatar = base + "/avatars/original/missing.png"
		a.AvatarStatic = a.Avatar
	}
	if a.Header == "" {
		a.Header = base + "/headers/original/missing.png"
		a.HeaderStatic = a.Header
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = at.AddDate(0, 0, -30).UTC().Truncate(24 * time.Hour)
	}
	s.minter.used[a.ID] = true
	s.accounts[a.ID] = a
	s.byAcct[strings.ToLower(a.Acct)] = a.ID
	return a
}

// Edit replaces a status's content, sets edited_at to now and keeps the previous version for
// /history. Tags are re-derived from the #hashtags in newHTML, as the server would.
func (s *Server) Edit(id, newHTML string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.deleted {
		return fmt.Errorf("edit %s: %w", id, ErrNotFound)
	}
	st := &e.status
	prevAt := st.CreatedAt
	if !st.EditedAt.IsZero() {
		prevAt = st.EditedAt
	}
	e.history = append(e.history, editOf(*st, prevAt))
	editedAt := s.now().UTC().Truncate(time.Millisecond)
	if !editedAt.After(prevAt) {
		editedAt = prevAt.Add(time.Millisecond) // keep versions in order under a fixed clock
	}
	st.Content = newHTML
	st.EditedAt = editedAt
	s.unindexTags(id, st.Tags)
	st.Tags = nil
	for _, name := range hashtagsInHTML(newHTML) {
		st.Tags = append(st.Tags, Tag{Name: name, URL: s.URL + "/tags/" + name})
	}
	s.indexTags(id, st.Tags)
	e.changed()
	return nil
}

func editOf(st Status, at time.Time) StatusEdit {
	return StatusEdit{Content: st.Content, SpoilerText: st.SpoilerText, Sensitive: st.Sensitive,
		CreatedAt: at, Account: st.Account, Poll: st.Poll, MediaAttachments: st.MediaAttachments,
		Emojis: st.Emojis}
}

// Delete removes a status: later requests for it answer 404 and timelines leave it out.
func (s *Server) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.deleted {
		return fmt.Errorf("delete %s: %w", id, ErrNotFound)
	}
	e.deleted = true
	if parent, ok := s.entries[e.status.InReplyToID]; ok && parent.status.RepliesCount > 0 {
		parent.status.RepliesCount--
		parent.changed()
	}
	return nil
}

// SetCounts sets a status's replies, reblogs and favourites counts.
func (s *Server) SetCounts(id string, replies, reblogs, favs int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok || e.deleted {
		return fmt.Errorf("set counts of %s: %w", id, ErrNotFound)
	}
	e.status.RepliesCount, e.status.ReblogsCount, e.status.FavouritesCount = replies, reblogs, favs
	e.changed()
	return nil
}

// AddReblog records that by boosted the status and raises its reblogs_count. Unknown ids
// are ignored (the signature has no error, as boosts of vanished posts are lost too).
func (s *Server) AddReblog(id string, by Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok && !e.deleted {
		e.rebloggedBy = append(e.rebloggedBy, s.newInteractionLocked(by))
		e.status.ReblogsCount++
		e.changed()
	}
}

// AddFavourite records that by favourited the status and raises its favourites_count.
// Unknown ids are ignored.
func (s *Server) AddFavourite(id string, by Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok && !e.deleted {
		e.favouritedBy = append(e.favouritedBy, s.newInteractionLocked(by))
		e.status.FavouritesCount++
		e.changed()
	}
}

func (s *Server) newInteractionLocked(by Account) interaction {
	s.recordSeq++
	acc := s.ensureAccountLocked(by, s.now())
	return interaction{recordID: strconv.Itoa(s.recordSeq), account: acc}
}

// Statuses returns the current (not deleted) statuses in id order, oldest first.
func (s *Server) Statuses() []Status {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Status, 0, len(s.order))
	for _, id := range s.order {
		if e := s.entries[id]; !e.deleted {
			out = append(out, cloneStatus(e.status))
		}
	}
	return out
}

// Status returns one current status by id.
func (s *Server) Status(id string) (Status, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entries[id]
	if !ok || e.deleted {
		return Status{}, false
	}
	return cloneStatus(e.status), true
}

// cloneStatus copies the slices so callers cannot change stored statuses.
func cloneStatus(st Status) Status {
	st.Tags = slices.Clone(st.Tags)
	st.Mentions = slices.Clone(st.Mentions)
	st.Emojis = slices.Clone(st.Emojis)
	st.MediaAttachments = slices.Clone(st.MediaAttachments)
	if st.Card != nil {
		card := *st.Card
		st.Card = &card
	}
	return st
}
