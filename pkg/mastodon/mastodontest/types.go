package mastodontest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TimeLayout is how Mastodon writes timestamps: UTC with milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Status is a Mastodon status. Go code uses plain strings and times; the JSON form is the
// server's own (all fields present, empty nullables as null, times as TimeLayout).
// An empty InReplyToID / InReplyToAccountID means null, a zero EditedAt means never edited.
type Status struct {
	ID                 string
	CreatedAt          time.Time
	EditedAt           time.Time
	InReplyToID        string
	InReplyToAccountID string
	Sensitive          bool
	SpoilerText        string
	Visibility         string // "public" when empty
	Language           string // null when empty
	URI                string
	URL                string
	RepliesCount       int
	ReblogsCount       int
	FavouritesCount    int
	Content            string // HTML
	Reblog             *Status
	Application        *Application // null for statuses from other servers
	Account            Account
	MediaAttachments   []json.RawMessage // kept as served
	Mentions           []Mention
	Tags               []Tag
	Emojis             []Emoji
	Card               *Card
	Poll               json.RawMessage // kept as served; null when empty
}

// Account is a Mastodon account, with the research-ethics flags (discoverable, indexable,
// noindex) that go-mastodon's struct lacks.
type Account struct {
	ID             string
	Username       string
	Acct           string // "name" for local accounts, "name@host" for remote ones
	DisplayName    string
	Locked         bool
	Bot            bool
	Discoverable   bool
	Indexable      bool
	NoIndex        bool
	Group          bool
	CreatedAt      time.Time // Mastodon rounds to midnight UTC
	Note           string    // HTML
	URL            string
	URI            string
	Avatar         string
	AvatarStatic   string
	Header         string
	HeaderStatic   string
	FollowersCount int
	FollowingCount int
	StatusesCount  int
	LastStatusAt   string // "2006-01-02" or empty (null)
	Emojis         []Emoji
	Fields         []Field
}

// Field is a profile metadata row; Value is HTML.
type Field struct {
	Name       string     `json:"name"`
	Value      string     `json:"value"`
	VerifiedAt *time.Time `json:"verified_at"`
}

// Mention is an account mentioned in a status.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// Tag is a hashtag used in a status; Name is lower-cased.
type Tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Emoji is a custom emoji.
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// Application is the client a status was posted with.
type Application struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

// Card is a link preview card.
type Card struct {
	URL              string  `json:"url"`
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	Language         *string `json:"language"`
	Type             string  `json:"type"` // "link", "photo", "video", "rich"
	AuthorName       string  `json:"author_name"`
	AuthorURL        string  `json:"author_url"`
	ProviderName     string  `json:"provider_name"`
	ProviderURL      string  `json:"provider_url"`
	HTML             string  `json:"html"`
	Width            int     `json:"width"`
	Height           int     `json:"height"`
	Image            *string `json:"image"`
	ImageDescription string  `json:"image_description"`
	EmbedURL         string  `json:"embed_url"`
	Blurhash         *string `json:"blurhash"`
	PublishedAt      *string `json:"published_at"`
}

// Context is the answer of /api/v1/statuses/:id/context.
type Context struct {
	Ancestors   []Status `json:"ancestors"`
	Descendants []Status `json:"descendants"`
}

// StatusEdit is one version in /api/v1/statuses/:id/history.
type StatusEdit struct {
	Content          string
	SpoilerText      string
	Sensitive        bool
	CreatedAt        time.Time
	Account          Account
	Poll             json.RawMessage
	MediaAttachments []json.RawMessage
	Emojis           []Emoji
}

// statusWire is the JSON form of Status; field order follows Mastodon's serializer.
type statusWire struct {
	ID                 string            `json:"id"`
	CreatedAt          string            `json:"created_at"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	Visibility         string            `json:"visibility"`
	Language           *string           `json:"language"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	RepliesCount       int               `json:"replies_count"`
	ReblogsCount       int               `json:"reblogs_count"`
	FavouritesCount    int               `json:"favourites_count"`
	EditedAt           *string           `json:"edited_at"`
	Favourited         bool              `json:"favourited"`
	Reblogged          bool              `json:"reblogged"`
	Muted              bool              `json:"muted"`
	Bookmarked         bool              `json:"bookmarked"`
	Pinned             bool              `json:"pinned"`
	Content            string            `json:"content"`
	Filtered           []json.RawMessage `json:"filtered"`
	Reblog             *Status           `json:"reblog"`
	Application        *Application      `json:"application"`
	Account            Account           `json:"account"`
	MediaAttachments   []json.RawMessage `json:"media_attachments"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []Tag             `json:"tags"`
	Emojis             []Emoji           `json:"emojis"`
	Card               *Card             `json:"card"`
	Poll               json.RawMessage   `json:"poll"`
}

// MarshalJSON writes the status exactly in Mastodon's shape.
func (s Status) MarshalJSON() ([]byte, error) {
	visibility := s.Visibility
	if visibility == "" {
		visibility = "public"
	}
	w := statusWire{
		ID:                 s.ID,
		CreatedAt:          formatTime(s.CreatedAt),
		InReplyToID:        nullString(s.InReplyToID),
		InReplyToAccountID: nullString(s.InReplyToAccountID),
		Sensitive:          s.Sensitive,
		SpoilerText:        s.SpoilerText,
		Visibility:         visibility,
		Language:           nullString(s.Language),
		URI:                s.URI,
		URL:                nullString(s.URL),
		RepliesCount:       s.RepliesCount,
		ReblogsCount:       s.ReblogsCount,
		FavouritesCount:    s.FavouritesCount,
		EditedAt:           nullTime(s.EditedAt),
		Content:            s.Content,
		Filtered:           []json.RawMessage{},
		Reblog:             s.Reblog,
		Application:        s.Application,
		Account:            s.Account,
		MediaAttachments:   orEmpty(s.MediaAttachments),
		Mentions:           orEmpty(s.Mentions),
		Tags:               orEmpty(s.Tags),
		Emojis:             orEmpty(s.Emojis),
		Card:               s.Card,
		Poll:               nullRaw(s.Poll),
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a status as served by Mastodon or GoToSocial; fields it does not
// model (GoToSocial's text, interaction_policy) are dropped.
func (s *Status) UnmarshalJSON(data []byte) error {
	var w statusWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	created, err := parseTime(w.CreatedAt)
	if err != nil {
		return fmt.Errorf("status %s created_at: %w", w.ID, err)
	}
	var edited time.Time
	if w.EditedAt != nil {
		if edited, err = parseTime(*w.EditedAt); err != nil {
			return fmt.Errorf("status %s edited_at: %w", w.ID, err)
		}
	}
	*s = Status{
		ID:                 w.ID,
		CreatedAt:          created,
		EditedAt:           edited,
		InReplyToID:        deref(w.InReplyToID),
		InReplyToAccountID: deref(w.InReplyToAccountID),
		Sensitive:          w.Sensitive,
		SpoilerText:        w.SpoilerText,
		Visibility:         w.Visibility,
		Language:           deref(w.Language),
		URI:                w.URI,
		URL:                deref(w.URL),
		RepliesCount:       w.RepliesCount,
		ReblogsCount:       w.ReblogsCount,
		FavouritesCount:    w.FavouritesCount,
		Content:            w.Content,
		Reblog:             w.Reblog,
		Application:        w.Application,
		Account:            w.Account,
		MediaAttachments:   w.MediaAttachments,
		Mentions:           w.Mentions,
		Tags:               w.Tags,
		Emojis:             w.Emojis,
		Card:               w.Card,
	}
	if len(w.Poll) > 0 && string(w.Poll) != "null" {
		s.Poll = w.Poll
	}
	return nil
}

type accountWire struct {
	ID              string            `json:"id"`
	Username        string            `json:"username"`
	Acct            string            `json:"acct"`
	DisplayName     string            `json:"display_name"`
	Locked          bool              `json:"locked"`
	Bot             bool              `json:"bot"`
	Discoverable    bool              `json:"discoverable"`
	Indexable       bool              `json:"indexable"`
	Group           bool              `json:"group"`
	CreatedAt       string            `json:"created_at"`
	Note            string            `json:"note"`
	URL             string            `json:"url"`
	URI             string            `json:"uri"`
	Avatar          string            `json:"avatar"`
	AvatarStatic    string            `json:"avatar_static"`
	Header          string            `json:"header"`
	HeaderStatic    string            `json:"header_static"`
	FollowersCount  int               `json:"followers_count"`
	FollowingCount  int               `json:"following_count"`
	StatusesCount   int               `json:"statuses_count"`
	LastStatusAt    *string           `json:"last_status_at"`
	HideCollections *bool             `json:"hide_collections"`
	NoIndex         *bool             `json:"noindex,omitempty"` // Mastodon sends it for local accounts only
	Emojis          []Emoji           `json:"emojis"`
	Roles           []json.RawMessage `json:"roles"`
	Fields          []Field           `json:"fields"`
}

// MarshalJSON writes the account in Mastodon's shape.
func (a Account) MarshalJSON() ([]byte, error) {
	return json.Marshal(accountWire{
		ID:             a.ID,
		Username:       a.Username,
		Acct:           a.Acct,
		DisplayName:    a.DisplayName,
		Locked:         a.Locked,
		Bot:            a.Bot,
		Discoverable:   a.Discoverable,
		Indexable:      a.Indexable,
		Group:          a.Group,
		CreatedAt:      formatTime(a.CreatedAt),
		Note:           a.Note,
		URL:            a.URL,
		URI:            a.URI,
		Avatar:         a.Avatar,
		AvatarStatic:   a.AvatarStatic,
		Header:         a.Header,
		HeaderStatic:   a.HeaderStatic,
		FollowersCount: a.FollowersCount,
		FollowingCount: a.FollowingCount,
		StatusesCount:  a.StatusesCount,
		LastStatusAt:   nullString(a.LastStatusAt),
		NoIndex:        localOnly(a.Acct, a.NoIndex),
		Emojis:         orEmpty(a.Emojis),
		Roles:          []json.RawMessage{},
		Fields:         orEmpty(a.Fields),
	})
}

// localOnly is noindex as Mastodon serves it: for the server's own accounts
// ("name"), absent for remote ones ("name@host"), whose setting it does not know.
func localOnly(acct string, noindex bool) *bool {
	if strings.Contains(acct, "@") {
		return nil
	}
	return &noindex
}

// UnmarshalJSON reads an account as served by Mastodon or GoToSocial.
func (a *Account) UnmarshalJSON(data []byte) error {
	var w accountWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	created, err := parseTime(w.CreatedAt)
	if err != nil {
		return fmt.Errorf("account %s created_at: %w", w.ID, err)
	}
	*a = Account{
		ID:             w.ID,
		Username:       w.Username,
		Acct:           w.Acct,
		DisplayName:    w.DisplayName,
		Locked:         w.Locked,
		Bot:            w.Bot,
		Discoverable:   w.Discoverable,
		Indexable:      w.Indexable,
		NoIndex:        w.NoIndex != nil && *w.NoIndex,
		Group:          w.Group,
		CreatedAt:      created,
		Note:           w.Note,
		URL:            w.URL,
		URI:            w.URI,
		Avatar:         w.Avatar,
		AvatarStatic:   w.AvatarStatic,
		Header:         w.Header,
		HeaderStatic:   w.HeaderStatic,
		FollowersCount: w.FollowersCount,
		FollowingCount: w.FollowingCount,
		StatusesCount:  w.StatusesCount,
		LastStatusAt:   deref(w.LastStatusAt),
		Emojis:         w.Emojis,
		Fields:         w.Fields,
	}
	return nil
}

type statusEditWire struct {
	Content          string            `json:"content"`
	SpoilerText      string            `json:"spoiler_text"`
	Sensitive        bool              `json:"sensitive"`
	CreatedAt        string            `json:"created_at"`
	Account          Account           `json:"account"`
	Poll             json.RawMessage   `json:"poll"`
	MediaAttachments []json.RawMessage `json:"media_attachments"`
	Emojis           []Emoji           `json:"emojis"`
}

// MarshalJSON writes the version in Mastodon's StatusEdit shape.
func (e StatusEdit) MarshalJSON() ([]byte, error) {
	return json.Marshal(statusEditWire{
		Content:          e.Content,
		SpoilerText:      e.SpoilerText,
		Sensitive:        e.Sensitive,
		CreatedAt:        formatTime(e.CreatedAt),
		Account:          e.Account,
		Poll:             nullRaw(e.Poll),
		MediaAttachments: orEmpty(e.MediaAttachments),
		Emojis:           orEmpty(e.Emojis),
	})
}

// UnmarshalJSON reads a StatusEdit.
func (e *StatusEdit) UnmarshalJSON(data []byte) error {
	var w statusEditWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	created, err := parseTime(w.CreatedAt)
	if err != nil {
		return fmt.Errorf("status edit created_at: %w", err)
	}
	*e = StatusEdit{Content: w.Content, SpoilerText: w.SpoilerText, Sensitive: w.Sensitive,
		CreatedAt: created, Account: w.Account, MediaAttachments: w.MediaAttachments, Emojis: w.Emojis}
	if len(w.Poll) > 0 && string(w.Poll) != "null" {
		e.Poll = w.Poll
	}
	return nil
}

// formatTime writes t as Mastodon does; the zero time becomes the epoch rather than year 1.
func formatTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(TimeLayout)
}

// parseTime accepts RFC 3339 with or without fractional seconds; empty is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

func nullRaw(r json.RawMessage) json.RawMessage {
	if len(strings.TrimSpace(string(r))) == 0 {
		return json.RawMessage("null")
	}
	return r
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// orEmpty makes nil slices marshal as [] like the real server, never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
