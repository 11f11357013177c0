package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Account is an account as the harvester hands it to the store.
type Account struct {
	Acct         string // user@host
	URI, URL     string
	Username     string
	DisplayName  string
	Note         string
	Bot          bool
	Discoverable *bool
	Indexable    *bool
	NoIndex      *bool
	OptOut       bool
	// Home: seen on the account's own server (Mastodon's acct without a
	// host). Its flags replace the stored ones; flags seen elsewhere can only
	// add an opt-out, never clear one, and never override the home's word.
	Home      bool
	CreatedAt time.Time
	Followers int64
	Following int64
	Statuses  int64
	Raw       []byte
}

// Link is a link found in a post's content or card.
type Link struct{ URL, Domain string }

// Post is a status as the harvester hands it to the store.
type Post struct {
	URI, URL         string
	LocalID          string // id on the instance it came from
	InReplyToLocalID string
	InReplyToAcct    string
	Account          Account
	CreatedAt        time.Time
	EditedAt         *time.Time
	Language         string
	Visibility       string
	Sensitive        bool
	SpoilerText      string
	Content          string
	Text             string
	Replies          int64
	Reblogs          int64
	Favourites       int64
	MediaCount       int
	CardURL          string
	Tags             []string
	Mentions         []string // accts, user@host
	Links            []Link
	Raw              []byte
}

// Cursor is where a tag timeline's paging stands on one instance.
type Cursor struct {
	Instance, Tag string
	Newest        string
	Oldest        string
	OldestAt      time.Time
	BackfillDone  bool
	UpdatedAt     time.Time
}

// WriteResult counts what a write changed.
type WriteResult struct {
	New, Updated int
}

func (w *WriteResult) add(o WriteResult) { w.New += o.New; w.Updated += o.Updated }

// Cursor returns the stored cursor, or a zero one for a new (instance, tag).
func (s *Store) Cursor(ctx context.Context, instance, tag string) (Cursor, error) {
	c := Cursor{Instance: instance, Tag: tag}
	var newest, oldest sql.NullString
	err := s.w.QueryRowContext(ctx, `SELECT newest_id, oldest_id, oldest_at, backfill_done, updated_at FROM cursors WHERE instance = ? AND tag = ?`, instance, tag).
		Scan(&newest, &oldest, scanTime(&c.OldestAt), &c.BackfillDone, scanTime(&c.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read cursor %s #%s: %w", instance, tag, err)
	}
	c.Newest, c.Oldest = newest.String, oldest.String
	return c, nil
}

// SavePage stores one timeline page and the cursor that follows from it in a
// single transaction: after a crash either both are there or neither is.
func (s *Store) SavePage(ctx context.Context, instance, tag string, posts []Post, cur Cursor) (WriteResult, error) {
	var res WriteResult
	err := s.inWriteTx(ctx, func(w *writer) error {
		var err error
		if res, err = w.upsertAll(instance, tag, posts, true); err != nil {
			return err
		}
		_, err = w.exec(qCursor, instance, tag, nullString(cur.Newest), nullString(cur.Oldest), nullTime(&cur.OldestAt), cur.BackfillDone, w.now)
		return err
	})
	if err != nil {
		return WriteResult{}, fmt.Errorf("save page of %s #%s: %w", instance, tag, err)
	}
	return res, nil
}

// PageOf is one timeline page of SavePages: its posts and the cursor that
// follows from it.
type PageOf struct {
	Posts  []Post
	Cursor Cursor
}

// SavePages stores consecutive timeline pages of one tag and the cursor of
// the last in a single transaction, as SavePage would one after the other:
// after a crash either all of them and the cursor are there or none. A
// harvester whose fetching runs ahead of its writes commits what has
// queued up at once. It returns what each page changed.
func (s *Store) SavePages(ctx context.Context, instance, tag string, pages []PageOf) ([]WriteResult, error) {
	if len(pages) == 0 {
		return nil, nil
	}
	res := make([]WriteResult, len(pages))
	err := s.inWriteTx(ctx, func(w *writer) error {
		for i, pg := range pages {
			// Each page writes its accounts as its own transaction would.
			w.newPage()
			var err error
			if res[i], err = w.upsertAll(instance, tag, pg.Posts, true); err != nil {
				return err
			}
		}
		cur := pages[len(pages)-1].Cursor
		_, err := w.exec(qCursor, instance, tag, nullString(cur.Newest), nullString(cur.Oldest), nullTime(&cur.OldestAt), cur.BackfillDone, w.now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("save %d pages of %s #%s: %w", len(pages), instance, tag, err)
	}
	return res, nil
}

// SaveThread stores the statuses of a conversation and clears the
// needs_context flag of every post in it, in one transaction.
func (s *Store) SaveThread(ctx context.Context, instance string, posts []Post, expanded []string) (WriteResult, error) {
	return s.saveMany(ctx, instance, "", false, posts, expanded)
}

// SaveSeen stores statuses re-read from a tag timeline (or one by one) by a
// refresh, without moving any cursor.
func (s *Store) SaveSeen(ctx context.Context, instance, tag string, posts []Post) (WriteResult, error) {
	return s.saveMany(ctx, instance, tag, tag != "", posts, nil)
}

func (s *Store) saveMany(ctx context.Context, instance, tag string, fromTimeline bool, posts []Post, expanded []string) (WriteResult, error) {
	var res WriteResult
	err := s.inWriteTx(ctx, func(w *writer) error {
		var err error
		if res, err = w.upsertAll(instance, tag, posts, fromTimeline); err != nil {
			return err
		}
		if len(expanded) == 0 {
			return nil
		}
		arg, err := jsonRows(expanded)
		if err != nil {
			return err
		}
		if _, err := w.exec(qMarkExpanded, arg); err != nil {
			return fmt.Errorf("clear needs_context of %d posts: %w", len(expanded), err)
		}
		return nil
	})
	if err != nil {
		return WriteResult{}, fmt.Errorf("save statuses from %s: %w", instance, err)
	}
	return res, nil
}

// writer holds the prepared statements of one transaction.
type writer struct {
	ctx      context.Context
	tx       *sql.Tx
	now      string
	stmts    map[string]*sql.Stmt
	accounts map[string]int64 // accounts already written for this page (or thread group)
	// written holds each account as this transaction last wrote it: a later
	// page bringing the same values again would change nothing.
	written map[string]writtenAccount
	cache   *stmtCache // statements prepared once for the store, if any
	// known: the accounts earlier transactions wrote, if the store keeps
	// them (see accountCache).
	known *accountCache
}

type writtenAccount struct {
	id int64
	a  Account
}

func newWriter(ctx context.Context, tx *sql.Tx, now string) *writer {
	return &writer{ctx: ctx, tx: tx, now: now, stmts: map[string]*sql.Stmt{}, accounts: map[string]int64{}, written: map[string]writtenAccount{}}
}

// newPage starts the next page of a transaction that stores several.
func (w *writer) newPage() { clear(w.accounts) }

// sameAccount: b holds exactly the values of a.
func sameAccount(a, b *Account) bool {
	return a.Acct == b.Acct && a.URI == b.URI && a.URL == b.URL && a.Username == b.Username &&
		a.DisplayName == b.DisplayName && a.Note == b.Note && a.Bot == b.Bot && sameBool(a.Discoverable, b.Discoverable) &&
		sameBool(a.Indexable, b.Indexable) && sameBool(a.NoIndex, b.NoIndex) && a.OptOut == b.OptOut && a.Home == b.Home &&
		a.CreatedAt.Equal(b.CreatedAt) && a.Followers == b.Followers && a.Following == b.Following &&
		a.Statuses == b.Statuses && bytes.Equal(a.Raw, b.Raw)
}

// sameFlags: b brings the opt-out flags a brought.
func sameFlags(a, b *Account) bool {
	return sameBool(a.Discoverable, b.Discoverable) && sameBool(a.Indexable, b.Indexable) && sameBool(a.NoIndex, b.NoIndex) &&
		a.OptOut == b.OptOut && a.Home == b.Home
}

func sameBool(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func (w *writer) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if parent := w.cache.get(q); parent != nil {
		st = w.tx.StmtContext(w.ctx, parent)
	} else {
		var err error
		if st, err = w.tx.PrepareContext(w.ctx, q); err != nil {
			return nil, err
		}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *writer) exec(q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.ctx, args...)
}

func (w *writer) queryRow(q string, args ...any) *sql.Row {
	st, err := w.stmt(q)
	if err != nil {
		// Surface the prepare error through Scan.
		return w.tx.QueryRowContext(w.ctx, q, args...)
	}
	return st.QueryRowContext(w.ctx, args...)
}

// qAccount writes an account. The opt-out flags: the home server's word
// replaces what is stored (a field it leaves out keeps its value); once the
// home has spoken, other instances' copies change nothing; before that, a
// copy can add an opt-out but never clear one, nor blank a known value.
const qAccount = `INSERT INTO accounts(acct, uri, url, username, display_name, note, bot, discoverable, indexable, noindex, optout,
			created_at, followers_count, following_count, statuses_count, raw, updated_at, flags_from_home)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(acct) DO UPDATE SET uri = excluded.uri, url = excluded.url, username = excluded.username,
			display_name = excluded.display_name, note = excluded.note, bot = excluded.bot,
			discoverable = CASE WHEN excluded.flags_from_home = 1 THEN COALESCE(excluded.discoverable, accounts.discoverable)
				WHEN accounts.flags_from_home = 1 THEN COALESCE(accounts.discoverable, excluded.discoverable)
				WHEN accounts.discoverable = 0 OR excluded.discoverable = 0 THEN 0
				ELSE COALESCE(excluded.discoverable, accounts.discoverable) END,
			indexable = CASE WHEN excluded.flags_from_home = 1 THEN COALESCE(excluded.indexable, accounts.indexable)
				WHEN accounts.flags_from_home = 1 THEN COALESCE(accounts.indexable, excluded.indexable)
				WHEN accounts.indexable = 0 OR excluded.indexable = 0 THEN 0
				ELSE COALESCE(excluded.indexable, accounts.indexable) END,
			noindex = CASE WHEN excluded.flags_from_home = 1 THEN COALESCE(excluded.noindex, accounts.noindex)
				WHEN accounts.flags_from_home = 1 THEN COALESCE(accounts.noindex, excluded.noindex)
				WHEN accounts.noindex = 1 OR excluded.noindex = 1 THEN 1
				ELSE COALESCE(excluded.noindex, accounts.noindex) END,
			optout = CASE WHEN excluded.flags_from_home = 1 THEN excluded.optout
				WHEN accounts.flags_from_home = 1 THEN accounts.optout
				ELSE MAX(accounts.optout, excluded.optout) END,
			flags_from_home = MAX(accounts.flags_from_home, excluded.flags_from_home),
			created_at = excluded.created_at, followers_count = excluded.followers_count,
			following_count = excluded.following_count, statuses_count = excluded.statuses_count,
			raw = excluded.raw, updated_at = excluded.updated_at
		RETURNING id`

// qAccountValues writes the columns of an account other than its opt-out
// flags, by id.
const qAccountValues = `UPDATE accounts SET uri = ?, url = ?, username = ?, display_name = ?, note = ?, bot = ?,
		created_at = ?, followers_count = ?, following_count = ?, statuses_count = ?, raw = ?, updated_at = ? WHERE id = ?`

func (w *writer) account(a *Account) (int64, error) {
	// A page holds many posts by few people: write each account once.
	if id, ok := w.accounts[a.Acct]; ok {
		return id, nil
	}
	// Written with these very values earlier in this transaction (or, if
	// not in this one, in an earlier one: see accountCache): the upsert is
	// idempotent (its merges of the flags included), so a second one would
	// leave the row as it is.
	prev, ok := w.written[a.Acct]
	if !ok && w.known != nil {
		prev, ok = w.known.get(a.Acct)
	}
	if ok && sameAccount(&prev.a, a) {
		w.accounts[a.Acct] = prev.id
		return prev.id, nil
	}
	id := prev.id
	var err error
	if ok && sameFlags(&prev.a, a) {
		// The same opt-out flags as the write that left the row: merged
		// again, they leave the row's as they are (the upsert's merges
		// are idempotent), so only the other columns change, as the
		// upsert would set them. (Each status carries its author as of
		// that status: the counts change from one post to the next.)
		_, err = w.exec(qAccountValues, a.URI, a.URL, a.Username, a.DisplayName, a.Note, a.Bot,
			nullTime(&a.CreatedAt), a.Followers, a.Following, a.Statuses, string(a.Raw), w.now, id)
	} else {
		err = w.queryRow(qAccount,
			a.Acct, a.URI, a.URL, a.Username, a.DisplayName, a.Note, a.Bot, a.Discoverable, a.Indexable, a.NoIndex, a.OptOut,
			nullTime(&a.CreatedAt), a.Followers, a.Following, a.Statuses, string(a.Raw), w.now, a.Home).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("account %s: %w", a.Acct, err)
	}
	w.accounts[a.Acct] = id
	kept := *a
	kept.Raw = bytes.Clone(a.Raw) // kept past the transaction: not the caller's buffer
	w.written[a.Acct] = writtenAccount{id, kept}
	return id, nil
}

const qSelectPost = `SELECT id, edited_at, deleted_at, content, spoiler_text, created_at, replies_count, reblogs_count, favourites_count FROM posts WHERE uri = ?`

// The row-at-a-time statements of upsert (posts already stored, as a
// conversation brings back its root), prepared once like the page's.
const (
	qKeepVersion  = `INSERT OR IGNORE INTO post_edits(post_id, version_at, content, spoiler_text) VALUES (?, ?, ?, ?)`
	qUpdateEdited = `UPDATE posts SET edited_at = ?, content = ?, text = ?, spoiler_text = ?, sensitive = ?, language = ?,
				media_count = ?, card_url = ?, raw = ? WHERE id = ?`
	qUnclassifyEdited = `DELETE FROM classifications WHERE post_id = ?1 OR post_id IN (SELECT id FROM posts WHERE in_reply_to_post = ?1)`
	qUpdateCounts     = `UPDATE posts SET replies_count = ?, reblogs_count = ?, favourites_count = ?,
				needs_context = MAX(needs_context, ?), needs_interactions = MAX(needs_interactions, ?) WHERE id = ?`
	qLastSeen = `UPDATE posts SET last_seen = ? WHERE id = ?`
	qInsertID = `INSERT INTO post_ids(instance, local_id, post_id, in_reply_to_local_id) VALUES (?, ?, ?, ?)
			ON CONFLICT(instance, local_id) DO NOTHING`
	qInsertSource = `INSERT OR IGNORE INTO post_sources(post_id, instance, tag) VALUES (?, ?, ?)`
	qLinkParent   = `UPDATE posts SET in_reply_to_post = i.post_id, thread_root = NULL FROM post_ids AS i
				WHERE i.instance = ? AND i.local_id = ? AND posts.id = ? AND posts.in_reply_to_post IS NULL`
	qLinkStoredChildren = `UPDATE posts SET in_reply_to_post = ?, thread_root = NULL WHERE in_reply_to_post IS NULL AND id IN
			(SELECT post_id FROM post_ids WHERE instance = ? AND in_reply_to_local_id = ?)`
	qUnclassifyNeighbour = `DELETE FROM classifications WHERE post_id IN
				(SELECT in_reply_to_post FROM posts WHERE id = ?1 UNION SELECT id FROM posts WHERE in_reply_to_post = ?1)`
	qInsertTag      = `INSERT OR IGNORE INTO post_tags(post_id, tag) VALUES (?, ?)`
	qInsertMention  = `INSERT OR IGNORE INTO post_mentions(post_id, acct) VALUES (?, ?)`
	qInsertLink     = `INSERT OR IGNORE INTO post_links(post_id, url, domain) VALUES (?, ?, ?)`
	qDeleteTags     = `DELETE FROM post_tags WHERE post_id = ?`
	qDeleteMentions = `DELETE FROM post_mentions WHERE post_id = ?`
	qDeleteLinks    = `DELETE FROM post_links WHERE post_id = ?`
)

// rowStatements are prepared with writeStatements.
var rowStatements = []string{qKeepVersion, qUpdateEdited, qUnclassifyEdited, qUpdateCounts, qLastSeen, qInsertID, qInsertSource, qLinkParent, qLinkStoredChildren, qUnclassifyNeighbour, qInsertTag, qInsertMention, qInsertLink, qDeleteTags, qDeleteMentions, qDeleteLinks}

// upsert stores one post. A post already stored (by uri, from any instance or
// tag) is updated in place: counts refreshed, an edit keeps the previous
// version in post_edits. A tombstoned post stays a tombstone.
func (w *writer) upsert(instance, tag string, p *Post, fromTimeline bool) (WriteResult, error) {
	if p.URI == "" || p.LocalID == "" || p.Account.Acct == "" || p.CreatedAt.IsZero() {
		return WriteResult{}, fmt.Errorf("status %q from %s lacks uri, id, account or created_at", p.LocalID, instance)
	}
	accountID, err := w.account(&p.Account)
	if err != nil {
		return WriteResult{}, err
	}
	var old storedPost
	err = w.queryRow(qSelectPost, p.URI).
		Scan(&old.id, &old.edited, &old.deleted, &old.content, &old.spoiler, &old.created, &old.replies, &old.reblogs, &old.favs)
	var res WriteResult
	postID := old.id
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if postID, err = w.insertPost(p, accountID, fromTimeline); err != nil {
			return res, err
		}
		res.New = 1
	case err != nil:
		return res, fmt.Errorf("look up %s: %w", p.URI, err)
	case old.deleted.Valid:
		// A tombstone: the post was deleted; do not bring content back.
	default:
		if res.Updated, err = w.updatePost(p, old); err != nil {
			return res, err
		}
	}
	return res, w.link(instance, tag, p, postID, res.New == 1)
}

// storedPost is what upsert compares a fetched post with.
type storedPost struct {
	id                     int64
	edited, deleted        sql.NullString
	content, spoiler       sql.NullString
	created                string
	replies, reblogs, favs int64
}

// insertPost stores a post seen for the first time, with its tags,
// mentions and links.
func (w *writer) insertPost(p *Post, accountID int64, fromTimeline bool) (int64, error) {
	needsContext := p.InReplyToLocalID != "" || p.Replies > 0
	needsInteractions := p.Reblogs > 0 || p.Favourites > 0
	var postID int64
	err := w.queryRow(`INSERT INTO posts(uri, url, account_id, created_at, edited_at, in_reply_to_acct, language, visibility, sensitive,
			spoiler_text, content, text, replies_count, reblogs_count, favourites_count, media_count, card_url, raw,
			first_seen, last_seen, needs_context, needs_interactions)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.URI, p.URL, accountID, FormatTime(p.CreatedAt), nullTime(p.EditedAt), nullString(p.InReplyToAcct), p.Language, p.Visibility, p.Sensitive,
		p.SpoilerText, p.Content, p.Text, p.Replies, p.Reblogs, p.Favourites, p.MediaCount, nullString(p.CardURL), string(p.Raw),
		w.now, w.now, needsContext && fromTimeline, needsInteractions).Scan(&postID)
	if err != nil {
		return 0, fmt.Errorf("insert %s: %w", p.URI, err)
	}
	return postID, w.children(postID, p)
}

// updatePost brings a stored post up to date: a new edit (keeping the
// previous version) and changed counts. It returns 1 when either changed.
func (w *writer) updatePost(p *Post, old storedPost) (int, error) {
	postID := old.id
	edited := p.EditedAt != nil && !p.EditedAt.IsZero() && FormatTime(*p.EditedAt) != old.edited.String
	countsChanged := p.Replies != old.replies || p.Reblogs != old.reblogs || p.Favourites != old.favs
	if edited {
		versionAt := old.created
		if old.edited.Valid {
			versionAt = old.edited.String
		}
		if _, err := w.exec(qKeepVersion,
			postID, versionAt, old.content.String, old.spoiler.String); err != nil {
			return 0, fmt.Errorf("keep previous version of %s: %w", p.URI, err)
		}
		if _, err := w.exec(qUpdateEdited,
			nullTime(p.EditedAt), p.Content, p.Text, p.SpoilerText, p.Sensitive, p.Language, p.MediaCount, nullString(p.CardURL), string(p.Raw), postID); err != nil {
			return 0, fmt.Errorf("update %s: %w", p.URI, err)
		}
		for _, q := range []string{qDeleteTags, qDeleteMentions, qDeleteLinks} {
			if _, err := w.exec(q, postID); err != nil {
				return 0, err
			}
		}
		if err := w.children(postID, p); err != nil {
			return 0, err
		}
		// The text changed: classify it again (its replies read it too).
		if _, err := w.exec(qUnclassifyEdited, postID); err != nil {
			return 0, err
		}
	}
	if countsChanged {
		// More replies than before: the conversation grew, fetch it again.
		needsInteractions := p.Reblogs > 0 || p.Favourites > 0
		moreReplies := p.Replies > old.replies
		moreBoostsOrFavs := p.Reblogs != old.reblogs || p.Favourites != old.favs
		if _, err := w.exec(qUpdateCounts,
			p.Replies, p.Reblogs, p.Favourites, moreReplies, moreBoostsOrFavs && needsInteractions, postID); err != nil {
			return 0, fmt.Errorf("update counts of %s: %w", p.URI, err)
		}
	}
	if _, err := w.exec(qLastSeen, w.now, postID); err != nil {
		return 0, err
	}
	if edited || countsChanged {
		return 1, nil
	}
	return 0, nil
}

// link records where the post was seen (its local id, the tag timeline)
// and links it to its parent and stored children, whichever arrived first.
func (w *writer) link(instance, tag string, p *Post, postID int64, isNew bool) error {
	if _, err := w.exec(qInsertID, instance, p.LocalID, postID, nullString(p.InReplyToLocalID)); err != nil {
		return fmt.Errorf("local id of %s: %w", p.URI, err)
	}
	if _, err := w.exec(qInsertSource, postID, instance, tag); err != nil {
		return err
	}
	// A post given a parent has its thread root (and its replies')
	// recomputed by UpdateThreadRoots.
	if p.InReplyToLocalID != "" {
		if _, err := w.exec(qLinkParent, instance, p.InReplyToLocalID, postID); err != nil {
			return err
		}
	}
	if _, err := w.exec(qLinkStoredChildren, postID, instance, p.LocalID); err != nil {
		return err
	}
	if isNew {
		// A new post changes how its parent reads (it drew a reply) and how
		// replies already stored read (their parent is now known): classify
		// those again.
		if _, err := w.exec(qUnclassifyNeighbour, postID); err != nil {
			return err
		}
	}
	return nil
}

// children writes a post's tags, mentions and links.
func (w *writer) children(postID int64, p *Post) error {
	for _, t := range p.Tags {
		if _, err := w.exec(qInsertTag, postID, t); err != nil {
			return fmt.Errorf("tags of %s: %w", p.URI, err)
		}
	}
	for _, m := range p.Mentions {
		if _, err := w.exec(qInsertMention, postID, m); err != nil {
			return fmt.Errorf("mentions of %s: %w", p.URI, err)
		}
	}
	for _, l := range p.Links {
		if _, err := w.exec(qInsertLink, postID, l.URL, l.Domain); err != nil {
			return fmt.Errorf("links of %s: %w", p.URI, err)
		}
	}
	return nil
}
