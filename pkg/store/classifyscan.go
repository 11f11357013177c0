package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ClassifyBatches reads the posts to classify, oldest first, as
// ClassifyRows does (all but URL and CreatedAt, which the classifier does
// not read), and hands them to fn in batches of up to size rows; fn may
// keep each batch.
//
// Reading every post (not onlyStale, or no post is classified by version
// yet) on SQLite takes the posts, their tags, their mentions and their
// replies as streams in post order, merged here, rather than running three subqueries for every post: the per-post
// subqueries cost more than the scan itself. A run that reads only the
// stale posts (a few after a sync) keeps the subqueries, which touch only
// those posts; so does PostgreSQL, which cannot step several results on
// one connection.
//
// The merged read also gives each row the sources of its facts (Fact), so
// that SaveClassificationsWithFacts writes them with the classification
// instead of BuildFacts reading every post a second time; the other paths
// leave Fact nil.
func (s *Store) ClassifyBatches(ctx context.Context, version string, onlyStale bool, size int, fn func([]ClassifyRow) error) error {
	size = max(size, 1)
	batch := make([]ClassifyRow, 0, size)
	add := func(r *ClassifyRow) error {
		batch = append(batch, *r)
		if len(batch) < size {
			return nil
		}
		full := batch
		batch = make([]ClassifyRow, 0, size)
		return fn(full)
	}
	if onlyStale && !s.pg {
		// No post classified by this version yet (a first classification,
		// or the first after the model changed): every live post is stale,
		// and the merged read is the faster way to read them all.
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM classifications WHERE version = ? LIMIT 1)`, version).Scan(&n); err != nil {
			return fmt.Errorf("read posts to classify: %w", err)
		}
		onlyStale = n > 0
	}
	var err error
	if onlyStale || s.pg {
		err = s.ClassifyRows(ctx, version, onlyStale, add)
	} else {
		err = s.classifyAllMerged(ctx, version, add)
	}
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// The streams of classifyAllMerged. The tags and mentions come in the
// order of their primary keys, which is the order group_concat gives them
// in classifyRows. The posts come with their stored classification (c)
// when it is by the version being written (?1), so that a rebuild
// rewrites only those that change (see SaveClassificationsWithFacts):
// joined, it costs less than a stream of its own, and the rules of
// another version, which differ anyway, are not read.
const (
	qClassifyPosts = `SELECT p.id, p.account_id, COALESCE(p.thread_root, p.id), p.uri, COALESCE(p.content, ''), COALESCE(p.spoiler_text, ''),
			COALESCE(p.card_url, ''), p.media_count, COALESCE(p.language, ''),
			COALESCE(q.uri, CASE WHEN p.in_reply_to_acct IS NOT NULL OR EXISTS (SELECT 1 FROM post_ids i WHERE i.post_id = p.id AND i.in_reply_to_local_id IS NOT NULL)
				THEN 'unresolved:' || p.uri END, ''),
			q.account_id, COALESCE(p.in_reply_to_acct, ''), COALESCE(q.content, ''),
			CASE WHEN rt.id IS NULL THEN '' ELSE COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = rt.id), '') END,
			COALESCE(rt.content, ''),
			p.created_at, COALESCE(p.in_reply_to_post, 0), p.in_reply_to_post IS NOT NULL OR p.in_reply_to_acct IS NOT NULL,
			c.version IS ?1, COALESCE(c.domain_score, 0), COALESCE(c.domain, 0), COALESCE(c.community_score, 0),
			COALESCE(c.community, 0), COALESCE(c.practice_score, 0), COALESCE(c.practice, 0), CASE WHEN c.version IS ?1 THEN c.rules ELSE '' END
		FROM posts p
		LEFT JOIN posts rt ON rt.id = p.thread_root AND rt.id <> p.id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN classifications c ON c.post_id = p.id
		WHERE p.deleted_at IS NULL ORDER BY p.id`
	qClassifyAccounts = `SELECT id, acct FROM accounts`
	qClassifyTags     = `SELECT post_id, tag FROM post_tags ORDER BY post_id, tag`
	qClassifyMentions = `SELECT post_id, acct FROM post_mentions ORDER BY post_id, acct`
	qClassifyRepliers = `SELECT in_reply_to_post, account_id, deleted_at IS NULL FROM posts WHERE in_reply_to_post IS NOT NULL ORDER BY in_reply_to_post`
	// What the facts read besides (as buildFactsChunk and readActs read
	// them): the links in url order, the boosts then favourites by account.
	qClassifyLinks        = `SELECT post_id, url FROM post_links ORDER BY post_id, url`
	qClassifyInteractions = `SELECT post_id, CASE kind WHEN 'boost' THEN 1 ELSE 2 END, account_id, seen_at FROM interactions ORDER BY 1, 2, 3`
)

// replier is a direct reply's author, and whether the reply is live.
type replier struct {
	account int64
	live    bool
}

// interaction is a boost (kind 1) or favourite (2) of a post.
type interaction struct {
	kind, account int64
	seen          string
}

// classifyAllMerged reads every live post for the classifier (see
// ClassifyBatches), in one read transaction so that the streams agree.
func (s *Store) classifyAllMerged(ctx context.Context, version string, fn func(*ClassifyRow) error) error {
	conn, release, err := s.mappedConn(ctx)
	if err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	defer release()
	// The writer's data_version before the read begins: while it stays the
	// same, no other connection has written since, and the facts read here
	// are those of the posts as they are (see saveFacts).
	var dataVersion int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dataVersion); err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	// BEGIN by hand: the pool's transactions are BEGIN IMMEDIATE, which
	// would take the write lock from the writer of the classifications.
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)

	// The accounts, a few per hundred posts, are read once rather than
	// looked up for every post and parent; the posts share their names.
	accts := map[int64]string{}
	acctIDs := map[string]int64{}
	rows, err := conn.QueryContext(ctx, qClassifyAccounts)
	if err != nil {
		return fmt.Errorf("read the accounts of posts to classify: %w", err)
	}
	for rows.Next() {
		var id int64
		var acct string
		if err := rows.Scan(&id, &acct); err != nil {
			rows.Close()
			return fmt.Errorf("read the accounts of posts to classify: %w", err)
		}
		accts[id] = acct
		acctIDs[acct] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the accounts of posts to classify: %w", err)
	}

	posts, err := conn.QueryContext(ctx, qClassifyPosts, version)
	if err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	defer posts.Close()
	tags, err := openStream(ctx, conn, qClassifyTags, scanValue[string])
	if err != nil {
		return fmt.Errorf("read the tags of posts to classify: %w", err)
	}
	defer tags.close()
	mentions, err := openStream(ctx, conn, qClassifyMentions, scanValue[string])
	if err != nil {
		return fmt.Errorf("read the mentions of posts to classify: %w", err)
	}
	defer mentions.close()
	repliers, err := openStream(ctx, conn, qClassifyRepliers, func(rows *sql.Rows, id *int64, r *replier) error {
		return rows.Scan(id, &r.account, &r.live)
	})
	if err != nil {
		return fmt.Errorf("read the replies of posts to classify: %w", err)
	}
	defer repliers.close()
	links, err := openStream(ctx, conn, qClassifyLinks, scanValue[string])
	if err != nil {
		return fmt.Errorf("read the links of posts to classify: %w", err)
	}
	defer links.close()
	interactions, err := openStream(ctx, conn, qClassifyInteractions, func(rows *sql.Rows, id *int64, i *interaction) error {
		return rows.Scan(id, &i.kind, &i.account, &i.seen)
	})
	if err != nil {
		return fmt.Errorf("read the interactions of posts to classify: %w", err)
	}
	defer interactions.close()

	var accountID int64
	var parentAccount sql.NullInt64
	var rootTags, replyToAcct, createdAt string
	var accounts, live []int64
	for posts.Next() {
		var r ClassifyRow
		f := &FactSource{dataVersion: dataVersion}
		if err := posts.Scan(&r.PostID, &accountID, &r.ThreadRoot, &r.URI, &r.HTML, &r.Spoiler, &r.CardURL, &r.MediaCount, &r.Language,
			&r.InReplyToURI, &parentAccount, &replyToAcct, &r.ParentHTML, &rootTags, &r.RootHTML,
			&createdAt, &f.ParentID, &f.IsReply,
			&f.hasStored, &f.stored.DomainScore, &f.stored.Domain, &f.stored.CommunityScore, &f.stored.Community,
			&f.stored.PracticeScore, &f.stored.Practice, &f.stored.Rules); err != nil {
			return fmt.Errorf("read posts to classify: %w", err)
		}
		var ok bool
		if r.Author, ok = accts[accountID]; !ok {
			continue // as the join in classifyRows drops it
		}
		r.ParentAuthor = replyToAcct
		if a, ok := accts[parentAccount.Int64]; ok && parentAccount.Valid {
			r.ParentAuthor = a
		}
		r.RootTags = strings.Fields(rootTags)
		// Split as classifyRows splits the group_concat of the values.
		for _, t := range tags.of(r.PostID) {
			r.Tags = append(r.Tags, strings.Fields(t)...)
		}
		postMentions := mentions.of(r.PostID)
		for _, m := range postMentions {
			r.Mentions = append(r.Mentions, strings.Fields(m)...)
		}
		// Distinct other authors among the direct replies (deleted ones
		// included, as in classifyRows; the facts count live ones).
		accounts, live = accounts[:0], live[:0]
		for _, a := range repliers.of(r.PostID) {
			if a.account == accountID {
				continue
			}
			if !containsInt(accounts, a.account) {
				accounts = append(accounts, a.account)
			}
			if a.live && !containsInt(live, a.account) {
				live = append(live, a.account)
			}
		}
		r.DirectRepliers = len(accounts)

		// The facts, as buildFactsChunk reads them.
		f.ID, f.AuthorID, f.OtherRepliers = r.PostID, accountID, len(live)
		f.At, _ = ParseTime(createdAt)
		if parentAccount.Valid {
			f.ReplyToID = parentAccount.Int64
		} else {
			f.ReplyToAcct = replyToAcct
		}
		f.Tags, f.ThreadTags = r.Tags, r.RootTags
		for _, l := range links.of(r.PostID) {
			f.Links = append(f.Links, strings.Fields(l)...)
		}
		for _, m := range postMentions {
			if id, ok := acctIDs[m]; ok {
				f.Acts = append(f.Acts, Act{Kind: ActMention, Account: id, At: f.At.UnixNano()})
			}
		}
		for _, i := range interactions.of(r.PostID) {
			kind := ActBoost
			if i.kind == 2 {
				kind = ActFavourite
			}
			t, err := ParseTime(i.seen)
			if err != nil {
				return fmt.Errorf("read the interactions of post %d: %w", r.PostID, err)
			}
			f.Acts = append(f.Acts, Act{Kind: kind, Account: i.account, At: t.UnixNano()})
		}
		if f.hasStored {
			f.stored.PostID, f.stored.Version = r.PostID, version
		}
		r.Fact = f
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := posts.Err(); err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	for _, err := range []error{tags.err, mentions.err, repliers.err, links.err, interactions.err} {
		if err != nil {
			return fmt.Errorf("read posts to classify: %w", err)
		}
	}
	return nil
}

func containsInt(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// stream is a query of (post id, value) rows in post id order, read
// alongside the posts.
type stream[T any] struct {
	rows *sql.Rows
	scan func(*sql.Rows, *int64, *T) error
	id   int64 // of the row read ahead
	val  T
	ok   bool // a row was read ahead
	err  error
	vals []T // of returns it; reused
}

// scanValue scans a stream's row of (post id, value).
func scanValue[T any](rows *sql.Rows, id *int64, v *T) error { return rows.Scan(id, v) }

func openStream[T any](ctx context.Context, conn *sql.Conn, query string, scan func(*sql.Rows, *int64, *T) error) (*stream[T], error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &stream[T]{rows: rows, scan: scan}
	s.advance()
	return s, nil
}

func (s *stream[T]) advance() {
	if s.ok = s.rows.Next(); !s.ok {
		s.err = s.rows.Err()
		return
	}
	if err := s.scan(s.rows, &s.id, &s.val); err != nil {
		s.ok, s.err = false, err
	}
}

// of returns the values of post id, skipping those of lower ids (posts
// not read: deleted ones). Ids must come in increasing order; the slice
// is valid until the next call.
func (s *stream[T]) of(id int64) []T {
	s.vals = s.vals[:0]
	for s.ok && s.id < id {
		s.advance()
	}
	for s.ok && s.id == id {
		s.vals = append(s.vals, s.val)
		s.advance()
	}
	return s.vals
}

func (s *stream[T]) close() { s.rows.Close() }
