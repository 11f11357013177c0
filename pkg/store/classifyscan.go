package store

import (
	"context"
	"database/sql"
	"errors"
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
// ClassifyBatches), in one read transaction so that the streams agree: on
// a connection of its own to the SQLite library (see rawReader), or, when
// the file cannot be read that way, on one of the pool's.
func (s *Store) classifyAllMerged(ctx context.Context, version string, fn func(*ClassifyRow) error) error {
	// The writer's data_version before the read begins: while it stays the
	// same, no other connection has written since, and the facts read here
	// are those of the posts as they are (see saveFacts).
	var dataVersion int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dataVersion); err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	if !s.noRawReader {
		src, err := rawClassifySource(ctx, s.path, version)
		if err == nil {
			delivered := false
			err = mergeClassify(ctx, src, dataVersion, version, func(r *ClassifyRow) error {
				delivered = true
				return fn(r)
			})
			failedEarly := !delivered && src.failed()
			src.close()
			if !failedEarly || ctx.Err() != nil {
				return err
			}
		} else if !errors.Is(err, errNoRawReader) {
			return err
		}
	}
	src, err := s.poolClassifySource(ctx, version)
	if err != nil {
		return err
	}
	defer src.close()
	return mergeClassify(ctx, src, dataVersion, version, fn)
}

// classifyPost is a row of qClassifyPosts.
type classifyPost struct {
	id, accountID, threadRoot                              int64
	uri, html, spoiler, cardURL, language, inReplyToURI    string
	mediaCount                                             int
	parentAccount                                          sql.NullInt64
	replyToAcct, parentHTML, rootTags, rootHTML, createdAt string
	parentID                                               int64
	isReply, hasStored                                     bool
	stored                                                 Classification // PostID and Version not set
}

// classifySource is what classifyAllMerged reads, opened in one read
// transaction.
type classifySource struct {
	accounts              map[int64]string
	posts                 func(*classifyPost) (bool, error)
	tags, mentions, links *stream[string]
	repliers              *stream[replier]
	interactions          *stream[interaction]
	close                 func()
	failed                func() bool // SQLite failed a statement (rawReader)
}

// mergeClassify reads the posts of src, each with its values from the
// other streams, and hands them to fn.
func mergeClassify(ctx context.Context, src *classifySource, dataVersion int64, version string, fn func(*ClassifyRow) error) error {
	acctIDs := make(map[string]int64, len(src.accounts))
	for id, acct := range src.accounts {
		acctIDs[acct] = id
	}
	var p classifyPost
	var accounts, live []int64
	for {
		more, err := src.posts(&p)
		if err != nil {
			return fmt.Errorf("read posts to classify: %w", err)
		}
		if !more {
			break
		}
		r := ClassifyRow{PostID: p.id, ThreadRoot: p.threadRoot, URI: p.uri, HTML: p.html, Spoiler: p.spoiler, CardURL: p.cardURL,
			MediaCount: p.mediaCount, Language: p.language, InReplyToURI: p.inReplyToURI, ParentHTML: p.parentHTML, RootHTML: p.rootHTML}
		f := &FactSource{dataVersion: dataVersion}
		f.ParentID, f.IsReply, f.hasStored, f.stored = p.parentID, p.isReply, p.hasStored, p.stored
		var ok bool
		if r.Author, ok = src.accounts[p.accountID]; !ok {
			continue // as the join in classifyRows drops it
		}
		r.ParentAuthor = p.replyToAcct
		if a, ok := src.accounts[p.parentAccount.Int64]; ok && p.parentAccount.Valid {
			r.ParentAuthor = a
		}
		r.RootTags = strings.Fields(p.rootTags)
		// Split as classifyRows splits the group_concat of the values.
		for _, t := range src.tags.of(r.PostID) {
			r.Tags = append(r.Tags, strings.Fields(t)...)
		}
		postMentions := src.mentions.of(r.PostID)
		for _, m := range postMentions {
			r.Mentions = append(r.Mentions, strings.Fields(m)...)
		}
		// Distinct other authors among the direct replies (deleted ones
		// included, as in classifyRows; the facts count live ones).
		accounts, live = accounts[:0], live[:0]
		for _, a := range src.repliers.of(r.PostID) {
			if a.account == p.accountID {
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
		f.ID, f.AuthorID, f.OtherRepliers = r.PostID, p.accountID, len(live)
		f.At, _ = ParseTime(p.createdAt)
		if p.parentAccount.Valid {
			f.ReplyToID = p.parentAccount.Int64
		} else {
			f.ReplyToAcct = p.replyToAcct
		}
		f.Tags, f.ThreadTags = r.Tags, r.RootTags
		for _, l := range src.links.of(r.PostID) {
			f.Links = append(f.Links, strings.Fields(l)...)
		}
		for _, m := range postMentions {
			if id, ok := acctIDs[m]; ok {
				f.Acts = append(f.Acts, Act{Kind: ActMention, Account: id, At: f.At.UnixNano()})
			}
		}
		for _, i := range src.interactions.of(r.PostID) {
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
	for _, err := range []error{src.tags.err, src.mentions.err, src.repliers.err, src.links.err, src.interactions.err} {
		if err != nil {
			return fmt.Errorf("read posts to classify: %w", err)
		}
	}
	return nil
}

// poolClassifySource opens classifyAllMerged's streams on a connection of
// the pool.
func (s *Store) poolClassifySource(ctx context.Context, version string) (_ *classifySource, err error) {
	conn, release, err := s.mappedConn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read posts to classify: %w", err)
	}
	var closers []func()
	src := &classifySource{failed: func() bool { return false }, close: func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}}
	closers = append(closers, release)
	defer func() {
		if err != nil {
			src.close()
		}
	}()
	// BEGIN by hand: the pool's transactions are BEGIN IMMEDIATE, which
	// would take the write lock from the writer of the classifications.
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, fmt.Errorf("read posts to classify: %w", err)
	}
	closers = append(closers, func() { conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) })

	// The accounts, a few per hundred posts, are read once rather than
	// looked up for every post and parent; the posts share their names.
	src.accounts = map[int64]string{}
	rows, err := conn.QueryContext(ctx, qClassifyAccounts)
	if err != nil {
		return nil, fmt.Errorf("read the accounts of posts to classify: %w", err)
	}
	for rows.Next() {
		var id int64
		var acct string
		if err := rows.Scan(&id, &acct); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read the accounts of posts to classify: %w", err)
		}
		src.accounts[id] = acct
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the accounts of posts to classify: %w", err)
	}

	posts, err := conn.QueryContext(ctx, qClassifyPosts, version)
	if err != nil {
		return nil, fmt.Errorf("read posts to classify: %w", err)
	}
	closers = append(closers, func() { posts.Close() })
	src.posts = func(p *classifyPost) (bool, error) {
		if !posts.Next() {
			return false, posts.Err()
		}
		return true, posts.Scan(&p.id, &p.accountID, &p.threadRoot, &p.uri, &p.html, &p.spoiler, &p.cardURL, &p.mediaCount, &p.language,
			&p.inReplyToURI, &p.parentAccount, &p.replyToAcct, &p.parentHTML, &p.rootTags, &p.rootHTML,
			&p.createdAt, &p.parentID, &p.isReply,
			&p.hasStored, &p.stored.DomainScore, &p.stored.Domain, &p.stored.CommunityScore, &p.stored.Community,
			&p.stored.PracticeScore, &p.stored.Practice, &p.stored.Rules)
	}
	if src.tags, err = poolStream(ctx, conn, qClassifyTags, scanValue[string], &closers); err != nil {
		return nil, fmt.Errorf("read the tags of posts to classify: %w", err)
	}
	if src.mentions, err = poolStream(ctx, conn, qClassifyMentions, scanValue[string], &closers); err != nil {
		return nil, fmt.Errorf("read the mentions of posts to classify: %w", err)
	}
	if src.repliers, err = poolStream(ctx, conn, qClassifyRepliers, func(rows *sql.Rows, id *int64, r *replier) error {
		return rows.Scan(id, &r.account, &r.live)
	}, &closers); err != nil {
		return nil, fmt.Errorf("read the replies of posts to classify: %w", err)
	}
	if src.links, err = poolStream(ctx, conn, qClassifyLinks, scanValue[string], &closers); err != nil {
		return nil, fmt.Errorf("read the links of posts to classify: %w", err)
	}
	if src.interactions, err = poolStream(ctx, conn, qClassifyInteractions, func(rows *sql.Rows, id *int64, i *interaction) error {
		return rows.Scan(id, &i.kind, &i.account, &i.seen)
	}, &closers); err != nil {
		return nil, fmt.Errorf("read the interactions of posts to classify: %w", err)
	}
	return src, nil
}

// rawClassifySource opens classifyAllMerged's streams on a rawReader of
// the file at path: errNoRawReader when it cannot be read that way.
func rawClassifySource(ctx context.Context, path, version string) (_ *classifySource, err error) {
	r, err := openRawReader(path)
	if err != nil {
		return nil, err
	}
	var stmts []*rawStmt
	src := &classifySource{failed: func() bool { return r.failed }, close: func() {
		for _, st := range stmts {
			st.close()
		}
		r.exec(`ROLLBACK`)
		r.close()
	}}
	defer func() {
		if err != nil {
			src.close()
		}
	}()
	prepare := func(q string) (*rawStmt, error) {
		st, err := r.prepare(q)
		if err == nil {
			stmts = append(stmts, st)
		}
		return st, err
	}
	// The pages of the posts' table are read through a memory map, as on
	// the pool's connection (see mappedConn); then the read transaction.
	// Before any row, a failure means the file cannot be read this way.
	if err := r.exec(`PRAGMA mmap_size = 268435456`); err != nil {
		return nil, errNoRawReader
	}
	if err := r.exec(`BEGIN`); err != nil {
		return nil, errNoRawReader
	}
	accounts, err := prepare(qClassifyAccounts)
	if err != nil {
		return nil, errNoRawReader
	}
	src.accounts = map[int64]string{}
	for {
		more, err := accounts.next()
		if err != nil {
			return nil, errNoRawReader
		}
		if !more {
			break
		}
		id, ok := accounts.int64At(0)
		if !ok {
			return nil, fmt.Errorf("read the accounts of posts to classify: account id %q is not an integer", accounts.textAt(0))
		}
		src.accounts[id] = accounts.textAt(1)
	}

	posts, err := prepare(qClassifyPosts)
	if err != nil {
		return nil, fmt.Errorf("read posts to classify: %w", err)
	}
	if err := posts.bindText(1, version); err != nil {
		return nil, fmt.Errorf("read posts to classify: %w", err)
	}
	src.posts = func(p *classifyPost) (bool, error) {
		if posts.rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		more, err := posts.next()
		if err != nil || !more {
			return false, err
		}
		var ok [3]bool
		p.id, ok[0] = posts.int64At(0)
		p.accountID, ok[1] = posts.int64At(1)
		p.threadRoot, ok[2] = posts.int64At(2)
		if !ok[0] || !ok[1] || !ok[2] {
			return false, fmt.Errorf("post %q: ids that are not integers", posts.textAt(0))
		}
		p.uri, p.html, p.spoiler, p.cardURL = posts.textAt(3), posts.textAt(4), posts.textAt(5), posts.textAt(6)
		mediaCount, _ := posts.int64At(7)
		p.mediaCount = int(mediaCount)
		p.language, p.inReplyToURI = posts.textAt(8), posts.textAt(9)
		p.parentAccount.Int64, p.parentAccount.Valid = posts.int64At(10)
		p.replyToAcct, p.parentHTML, p.rootTags, p.rootHTML, p.createdAt = posts.textAt(11), posts.textAt(12), posts.textAt(13), posts.textAt(14), posts.textAt(15)
		p.parentID, _ = posts.int64At(16)
		p.isReply, p.hasStored = posts.float64At(17) != 0, posts.float64At(18) != 0
		p.stored.DomainScore, p.stored.Domain = posts.float64At(19), posts.float64At(20) != 0
		p.stored.CommunityScore, p.stored.Community = posts.float64At(21), posts.float64At(22) != 0
		p.stored.PracticeScore, p.stored.Practice = posts.float64At(23), posts.float64At(24) != 0
		p.stored.Rules = posts.textAt(25)
		return true, nil
	}
	text := func(st *rawStmt, id *int64, v *string) error {
		var ok bool
		if *id, ok = st.int64At(0); !ok {
			return fmt.Errorf("post id %q is not an integer", st.textAt(0))
		}
		*v = st.textAt(1)
		return nil
	}
	for _, s := range []struct {
		q    string
		to   **stream[string]
		what string
	}{{qClassifyTags, &src.tags, "tags"}, {qClassifyMentions, &src.mentions, "mentions"}, {qClassifyLinks, &src.links, "links"}} {
		st, err := prepare(s.q)
		if err != nil {
			return nil, fmt.Errorf("read the %s of posts to classify: %w", s.what, err)
		}
		*s.to = rawStream(st, text)
	}
	st, err := prepare(qClassifyRepliers)
	if err != nil {
		return nil, fmt.Errorf("read the replies of posts to classify: %w", err)
	}
	src.repliers = rawStream(st, func(st *rawStmt, id *int64, r *replier) error {
		var ok1, ok2 bool
		*id, ok1 = st.int64At(0)
		r.account, ok2 = st.int64At(1)
		if !ok1 || !ok2 {
			return fmt.Errorf("reply to %q: ids that are not integers", st.textAt(0))
		}
		r.live = st.float64At(2) != 0
		return nil
	})
	if st, err = prepare(qClassifyInteractions); err != nil {
		return nil, fmt.Errorf("read the interactions of posts to classify: %w", err)
	}
	src.interactions = rawStream(st, func(st *rawStmt, id *int64, i *interaction) error {
		var ok1, ok2, ok3 bool
		*id, ok1 = st.int64At(0)
		i.kind, ok2 = st.int64At(1)
		i.account, ok3 = st.int64At(2)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("interaction with %q: ids that are not integers", st.textAt(0))
		}
		i.seen = st.textAt(3)
		return nil
	})
	return src, nil
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
	next func(id *int64, v *T) (bool, error) // reads the next row
	id   int64                               // of the row read ahead
	val  T
	ok   bool // a row was read ahead
	err  error
	vals []T // of returns it; reused
}

// scanValue scans a stream's row of (post id, value).
func scanValue[T any](rows *sql.Rows, id *int64, v *T) error { return rows.Scan(id, v) }

// poolStream opens a stream on a connection of the pool; its rows are
// closed by the closers.
func poolStream[T any](ctx context.Context, conn *sql.Conn, query string, scan func(*sql.Rows, *int64, *T) error, closers *[]func()) (*stream[T], error) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, func() { rows.Close() })
	s := &stream[T]{next: func(id *int64, v *T) (bool, error) {
		if !rows.Next() {
			return false, rows.Err()
		}
		return true, scan(rows, id, v)
	}}
	s.advance()
	return s, nil
}

// rawStream is a stream of a statement of a rawReader.
func rawStream[T any](st *rawStmt, read func(*rawStmt, *int64, *T) error) *stream[T] {
	s := &stream[T]{next: func(id *int64, v *T) (bool, error) {
		more, err := st.next()
		if err != nil || !more {
			return false, err
		}
		return true, read(st, id, v)
	}}
	s.advance()
	return s
}

func (s *stream[T]) advance() {
	s.ok, s.err = s.next(&s.id, &s.val)
	if s.err != nil {
		s.ok = false
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
