package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// stmtCache holds statements prepared on the write pool. A transaction uses
// them through Tx.StmtContext, which reuses the statement already prepared
// on the (single) write connection: a page costs no parsing or planning.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

// prepare makes sure every statement of qs is prepared. It must be called
// outside a transaction: preparing on the pool needs the connection free.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, qs []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	for _, q := range qs {
		if c.m[q] != nil {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare write statement: %w", err)
		}
		c.m[q] = st
	}
	return nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

// writer returns a transaction's writer that reuses the store's prepared
// statements.
func (s *Store) writer(ctx context.Context, tx *sql.Tx) *writer {
	w := newWriter(ctx, tx, s.stamp())
	w.cache = &s.writeStmts
	return w
}

// inWriteTx runs fn in a write transaction whose writer reuses the prepared
// statements of the post write path.
func (s *Store) inWriteTx(ctx context.Context, fn func(*writer) error) error {
	if err := s.writeStmts.prepare(ctx, s.w, writeStatements); err != nil {
		return err
	}
	if err := s.writeStmts.prepare(ctx, s.w, rowStatements); err != nil {
		return err
	}
	if s.pg {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			w := s.writer(ctx, tx)
			defer w.close()
			return fn(w)
		})
	}
	// SQLite keeps each statement's undo record (the statement journal) in
	// memory up to 64 KiB, then in a temporary file. Nearly every statement
	// of a page spills (triggers and multi-row writes), costing a write
	// call per page touched: four in five of a sync's write calls. This
	// transaction's statements touch a bounded number of pages, so their
	// journal stays in memory; other transactions (a statement that
	// rewrites every post) keep the default. The setting is read when the
	// transaction begins, on a connection held for the purpose.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return fmt.Errorf("statement journal in memory: %w", err)
	}
	// Restored even on Ctrl-C: the connection goes back to the pool.
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = DEFAULT`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w := s.writer(ctx, tx)
	if err := s.accounts.begin(ctx, conn, tx); err != nil {
		w.close()
		tx.Rollback()
		return err
	}
	w.known = &s.accounts
	err = fn(w)
	w.close()
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.accounts.committed(w.written)
	return nil
}

// accountCache holds the accounts as this process's write transactions
// last wrote them (SQLite only). The account upsert is idempotent: written
// again with the same values onto the same row it changes nothing, so a
// later transaction skips it. Nearly every post brings its author, and a
// course has few authors: without the cache a sync writes an account for
// nine posts in ten (a server serving each author as it is now; the
// loopback fake serves each as of its status, whose counts differ, then
// written by id: see writer.account). The row is
// the same as long as no one else wrote it: the cache is emptied when
// another connection has committed (PRAGMA data_version moves), when the
// write connection is a new one, and by every other write transaction of
// this process (inTx), which may write accounts. Only updated_at differs:
// it keeps the time of the write that set the values, not of the last
// sight of them (no reader uses it).
type accountCache struct {
	mu      sync.Mutex
	m       map[string]writtenAccount
	conn    any   // the driver connection version was read on
	version int64 // PRAGMA data_version when m was known to be current
}

// begin makes the cache current for a transaction just begun on conn: with
// the write lock held (BEGIN IMMEDIATE), no one else commits until it ends.
func (c *accountCache) begin(ctx context.Context, conn *sql.Conn, tx *sql.Tx) error {
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&version); err != nil {
		return fmt.Errorf("read data_version: %w", err)
	}
	var dc any
	if err := conn.Raw(func(d any) error { dc = d; return nil }); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if dc != c.conn || version != c.version {
		clear(c.m)
		c.conn, c.version = dc, version
	}
	return nil
}

// get returns the account as last written, if the cache holds it.
func (c *accountCache) get(acct string) (writtenAccount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[acct]
	return a, ok
}

// committed records what a committed transaction wrote.
func (c *accountCache) committed(written map[string]writtenAccount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]writtenAccount, len(written))
	}
	for k, v := range written {
		c.m[k] = v
	}
}

// reset empties the cache: a write it did not see may have changed an
// account.
func (c *accountCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.conn = nil
}

// The statements of a page. Rows of the child tables travel as one JSON
// array each (json_each), so one statement inserts them all whatever their
// number, and its plan is made once.
const (
	qStoredURIs = `SELECT j.value FROM json_each(?) AS j JOIN posts p ON p.uri = j.value`
	qMaxPostID  = `SELECT COALESCE(MAX(id), 0) FROM posts`
	qInsertPost = `INSERT INTO posts(id, uri, url, account_id, created_at, edited_at, in_reply_to_acct, language, visibility, sensitive,
			spoiler_text, content, text, replies_count, reblogs_count, favourites_count, media_count, card_url, raw,
			first_seen, last_seen, needs_context, needs_interactions, in_reply_to_post, thread_root)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
			(SELECT q.id FROM post_ids i JOIN posts q ON q.id = i.post_id WHERE i.instance = ?24 AND i.local_id = ?25),
			CASE WHEN ?25 IS NULL THEN ?1 ELSE (SELECT q.thread_root FROM post_ids i JOIN posts q ON q.id = i.post_id
				WHERE i.instance = ?24 AND i.local_id = ?25) END)`
	qInsertTags     = `INSERT OR IGNORE INTO post_tags(post_id, tag) SELECT value->>0, value->>1 FROM json_each(?)`
	qInsertMentions = `INSERT OR IGNORE INTO post_mentions(post_id, acct) SELECT value->>0, value->>1 FROM json_each(?)`
	qInsertLinks    = `INSERT OR IGNORE INTO post_links(post_id, url, domain) SELECT value->>0, value->>1, value->>2 FROM json_each(?)`
	qInsertIDs      = `INSERT INTO post_ids(instance, local_id, post_id, in_reply_to_local_id)
		SELECT ?1, value->>0, value->>1, value->>2 FROM json_each(?2) WHERE true
		ON CONFLICT(instance, local_id) DO NOTHING`
	qInsertSources = `INSERT OR IGNORE INTO post_sources(post_id, instance, tag) SELECT value, ?1, ?2 FROM json_each(?3)`
	// Stored replies whose parent just arrived are linked to it; their
	// thread root is then unknown until UpdateThreadRoots.
	// (Materialised first, and the unary + keeps SQLite from the index on
	// in_reply_to_post: otherwise it walks every top-level post, a page
	// costing more the more posts are stored.)
	qLinkChildren = `WITH m(parent, child) AS MATERIALIZED (
			SELECT j.value->>0, c.post_id FROM json_each(?2) AS j
			CROSS JOIN post_ids AS c ON c.instance = ?1 AND c.in_reply_to_local_id = j.value->>1)
		UPDATE posts SET in_reply_to_post = m.parent, thread_root = NULL FROM m
		WHERE posts.id = m.child AND +posts.in_reply_to_post IS NULL`
	// A new post changes how its parent reads (it drew a reply) and how
	// replies already stored read (their parent is now known): classify
	// those again.
	qUnclassifyNeighbours = `DELETE FROM classifications WHERE post_id IN
		(SELECT in_reply_to_post FROM posts WHERE id IN (SELECT value FROM json_each(?1))
		 UNION SELECT id FROM posts WHERE in_reply_to_post IN (SELECT value FROM json_each(?1)))`
	qAnyClassified = `SELECT EXISTS (SELECT 1 FROM classifications)`
	// Only the rows still flagged: rewriting a post (a few kB) to store
	// the 0 it holds costs as much as the flag's own change.
	qMarkExpanded = `UPDATE posts SET needs_context = 0 WHERE uri IN (SELECT value FROM json_each(?)) AND needs_context <> 0`
	qCursor       = `INSERT INTO cursors(instance, tag, newest_id, oldest_id, oldest_at, backfill_done, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(instance, tag) DO UPDATE SET newest_id = excluded.newest_id, oldest_id = excluded.oldest_id,
			oldest_at = excluded.oldest_at, backfill_done = excluded.backfill_done, updated_at = excluded.updated_at`
)

var writeStatements = []string{qStoredURIs, qMaxPostID, qInsertPost, qInsertTags, qInsertMentions, qInsertLinks,
	qInsertIDs, qInsertSources, qLinkChildren, qUnclassifyNeighbours, qAnyClassified, qMarkExpanded, qCursor, qAccount, qAccountValues, qSelectPost}

// jsonRows encodes rows for json_each.
func jsonRows(rows any) (string, error) {
	b, err := json.Marshal(rows)
	return string(b), err
}

// upsertAll stores a page or a thread. Posts not stored yet are inserted
// with one statement each and their tags, mentions, links, ids and sources
// with one statement per table for the whole batch; stored posts (and a
// uri repeated within the batch) take the row-at-a-time path of upsert,
// which compares versions.
func (w *writer) upsertAll(instance, tag string, posts []Post, fromTimeline bool) (WriteResult, error) {
	var res WriteResult
	uris := make([]string, len(posts))
	for i := range posts {
		p := &posts[i]
		if p.URI == "" || p.LocalID == "" || p.Account.Acct == "" || p.CreatedAt.IsZero() {
			return res, fmt.Errorf("status %q from %s lacks uri, id, account or created_at", p.LocalID, instance)
		}
		uris[i] = p.URI
	}
	stored, err := w.storedURIs(uris)
	if err != nil {
		return res, err
	}
	var fresh, rest []int
	for i := range posts {
		if stored[posts[i].URI] {
			rest = append(rest, i)
			continue
		}
		stored[posts[i].URI] = true // a repeat in this batch updates the first
		fresh = append(fresh, i)
	}
	if len(fresh) > 0 {
		if err := w.insertNew(instance, tag, posts, fresh, fromTimeline); err != nil {
			return res, err
		}
		res.New = len(fresh)
	}
	for _, i := range rest {
		r, err := w.upsert(instance, tag, &posts[i], fromTimeline)
		if err != nil {
			return res, err
		}
		res.add(r)
	}
	return res, nil
}

func (w *writer) storedURIs(uris []string) (map[string]bool, error) {
	arg, err := jsonRows(uris)
	if err != nil {
		return nil, err
	}
	st, err := w.stmt(qStoredURIs)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(w.ctx, arg)
	if err != nil {
		return nil, fmt.Errorf("look up stored posts: %w", err)
	}
	defer rows.Close()
	stored := make(map[string]bool, len(uris))
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		stored[u] = true
	}
	return stored, rows.Err()
}

// insertNew inserts the posts at idx, none of them stored yet. Ids are given
// here (the next free rowids, as SQLite would) so that a top-level post's
// thread root is written with the row rather than by a second write of it.
func (w *writer) insertNew(instance, tag string, posts []Post, idx []int, fromTimeline bool) error {
	var maxID int64
	if err := w.queryRow(qMaxPostID).Scan(&maxID); err != nil {
		return fmt.Errorf("next post id: %w", err)
	}
	var (
		ids                             = make([]int64, 0, len(idx))
		tags, mentions, links, localIDs [][]any
		withParent                      [][]any
	)
	for n, i := range idx {
		p := &posts[i]
		accountID, err := w.account(&p.Account)
		if err != nil {
			return err
		}
		postID := maxID + 1 + int64(n)
		needsContext := p.InReplyToLocalID != "" || p.Replies > 0
		needsInteractions := p.Reblogs > 0 || p.Favourites > 0
		if _, err := w.exec(qInsertPost,
			postID, p.URI, p.URL, accountID, FormatTime(p.CreatedAt), nullTime(p.EditedAt), nullString(p.InReplyToAcct), p.Language, p.Visibility, p.Sensitive,
			p.SpoilerText, p.Content, p.Text, p.Replies, p.Reblogs, p.Favourites, p.MediaCount, nullString(p.CardURL), string(p.Raw),
			w.now, w.now, needsContext && fromTimeline, needsInteractions, instance, nullString(p.InReplyToLocalID)); err != nil {
			return fmt.Errorf("insert %s: %w", p.URI, err)
		}
		ids = append(ids, postID)
		for _, t := range p.Tags {
			tags = append(tags, []any{postID, t})
		}
		for _, m := range p.Mentions {
			mentions = append(mentions, []any{postID, m})
		}
		for _, l := range p.Links {
			links = append(links, []any{postID, l.URL, l.Domain})
		}
		localIDs = append(localIDs, []any{p.LocalID, postID, nullString(p.InReplyToLocalID)})
		withParent = append(withParent, []any{postID, p.LocalID})
	}
	batches := []struct {
		what, q string
		rows    any
		args    []any
	}{
		{"tags", qInsertTags, tags, nil},
		{"mentions", qInsertMentions, mentions, nil},
		{"links", qInsertLinks, links, nil},
		{"local ids", qInsertIDs, localIDs, []any{instance}},
		{"sources", qInsertSources, ids, []any{instance, tag}},
		{"replies", qLinkChildren, withParent, []any{instance}},
		{"classifications", qUnclassifyNeighbours, ids, nil},
	}
	// Nothing classified yet (a first sync): nothing to unclassify.
	var classified bool
	if err := w.queryRow(qAnyClassified).Scan(&classified); err != nil {
		return fmt.Errorf("look for classifications: %w", err)
	}
	for _, b := range batches {
		if rows, ok := b.rows.([][]any); ok && len(rows) == 0 {
			continue
		}
		if b.q == qUnclassifyNeighbours && !classified {
			continue
		}
		arg, err := jsonRows(b.rows)
		if err != nil {
			return err
		}
		if _, err := w.exec(b.q, append(b.args, arg)...); err != nil {
			return fmt.Errorf("%s of %d new posts: %w", b.what, len(idx), err)
		}
	}
	return nil
}
