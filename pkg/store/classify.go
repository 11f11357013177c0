package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"strings"
	"time"
)

// ClassifyRow is what the classifier needs of one post: its content and its
// place in the conversation.
type ClassifyRow struct {
	PostID         int64
	ThreadRoot     int64 // row id of the thread's first stored post (the post's own when top level)
	URI, Author    string
	URL            string
	CreatedAt      time.Time
	HTML, Spoiler  string
	Tags, Mentions []string
	CardURL        string
	MediaCount     int
	Language       string
	InReplyToURI   string // "" at top level; "unresolved:<uri>" when the parent is not stored
	ParentAuthor   string
	ParentHTML     string
	DirectRepliers int // distinct other authors who replied directly
	RootTags       []string
	RootHTML       string // "" for a top-level post
	// Fact is what the post's stored facts are made of, read with it when
	// a classification can write them in its own transaction (see
	// ClassifyBatches); nil otherwise. Its classification is filled in
	// when saved.
	Fact *FactSource
}

// UpdateThreadRoots sets posts.thread_root from the reply links: a post
// whose parent is not stored counts as the root of what hangs below it.
// Only threads with a post whose root is unknown are walked: the write path
// stores a top-level post with its root, a reply with its parent's, and
// clears the root of a post it links to a parent. A database written before
// that is walked whole once.
func (s *Store) UpdateThreadRoots(ctx context.Context) error {
	const metaKey = "thread_roots"
	done, err := s.Meta(ctx, metaKey)
	if err != nil {
		return err
	}
	// up: the unrooted posts and their ancestors; tops: the roots above
	// them (every top-level post when walking the whole database); down:
	// every post below those roots, with its root.
	tops := `up(id) AS (
				SELECT id FROM posts WHERE thread_root IS NULL
				UNION
				SELECT p.in_reply_to_post FROM up JOIN posts p ON p.id = up.id WHERE p.in_reply_to_post IS NOT NULL
			),
			tops(id) AS (SELECT up.id FROM up JOIN posts p ON p.id = up.id WHERE p.in_reply_to_post IS NULL)`
	if done != "incremental" {
		tops = `tops(id) AS (SELECT id FROM posts WHERE in_reply_to_post IS NULL)`
	}
	_, err = s.exec(ctx, `WITH RECURSIVE `+tops+`,
			down(id, root) AS (
				SELECT id, id FROM tops
				UNION ALL
				SELECT p.id, down.root FROM posts p JOIN down ON p.in_reply_to_post = down.id
			)
		UPDATE posts SET thread_root = down.root FROM down WHERE down.id = posts.id AND posts.thread_root IS NOT down.root`)
	if err != nil {
		return fmt.Errorf("thread roots: %w", err)
	}
	if done != "incremental" {
		return s.SetMeta(ctx, metaKey, "incremental")
	}
	return nil
}

// ClassifyRows streams the posts to classify, oldest first: every live post,
// or (onlyStale) those not yet classified by version.
// Unclassified counts live posts without a classification by version.
func (s *Store) Unclassified(ctx context.Context, version string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts p WHERE p.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM classifications c WHERE c.post_id = p.id AND c.version = ?)`, version).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unclassified posts: %w", err)
	}
	return n, nil
}

func (s *Store) ClassifyRows(ctx context.Context, version string, onlyStale bool, fn func(*ClassifyRow) error) error {
	if onlyStale {
		return s.classifyRows(ctx, ` AND NOT EXISTS (SELECT 1 FROM classifications c WHERE c.post_id = p.id AND c.version = ?)`, []any{version}, fn)
	}
	return s.classifyRows(ctx, "", nil, fn)
}

func (s *Store) classifyRows(ctx context.Context, where string, args []any, fn func(*ClassifyRow) error) error {
	q := `SELECT p.id, COALESCE(p.thread_root, p.id), p.uri, COALESCE(p.url, ''), p.created_at, a.acct, COALESCE(p.content, ''), COALESCE(p.spoiler_text, ''), COALESCE(p.card_url, ''),
			p.media_count, COALESCE(p.language, ''),
			COALESCE(q.uri, CASE WHEN p.in_reply_to_acct IS NOT NULL OR EXISTS (SELECT 1 FROM post_ids i WHERE i.post_id = p.id AND i.in_reply_to_local_id IS NOT NULL)
				THEN 'unresolved:' || p.uri END, ''),
			COALESCE(qa.acct, p.in_reply_to_acct, ''), COALESCE(q.content, ''),
			(SELECT COUNT(DISTINCT c.account_id) FROM posts c WHERE c.in_reply_to_post = p.id AND c.account_id <> p.account_id),
			COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(acct, ' ') FROM post_mentions WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = rt.id), ''), COALESCE(rt.content, '')
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN posts rt ON rt.id = p.thread_root AND rt.id <> p.id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN accounts qa ON qa.id = q.account_id
		WHERE p.deleted_at IS NULL` + where + ` ORDER BY p.id`
	conn, release, err := s.mappedConn(ctx)
	if err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	defer release()
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read posts to classify: %w", err)
	}
	defer rows.Close()
	var tags, mentions, rootTags, createdAt string
	for rows.Next() {
		var r ClassifyRow
		if err := rows.Scan(&r.PostID, &r.ThreadRoot, &r.URI, &r.URL, &createdAt, &r.Author, &r.HTML, &r.Spoiler, &r.CardURL, &r.MediaCount, &r.Language,
			&r.InReplyToURI, &r.ParentAuthor, &r.ParentHTML, &r.DirectRepliers, &tags, &mentions, &rootTags, &r.RootHTML); err != nil {
			return err
		}
		r.Tags, r.Mentions, r.RootTags = strings.Fields(tags), strings.Fields(mentions), strings.Fields(rootTags)
		var err error
		if r.CreatedAt, err = ParseTime(createdAt); err != nil {
			return fmt.Errorf("read posts to classify: post %d: %w", r.PostID, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Classification is one post's stored result.
type Classification struct {
	PostID                                     int64
	Version                                    string
	DomainScore, CommunityScore, PracticeScore float64
	Domain, Community, Practice                bool
	Rules                                      string // JSON
}

// classificationsPerStatement is how many rows one INSERT carries (10
// parameters each, well under SQLite's limit of 32,766).
const classificationsPerStatement = 200

// SaveClassifications writes results in one transaction, many rows per
// statement.
func (s *Store) SaveClassifications(ctx context.Context, list []Classification) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.writeClassifications(ctx, tx, list) })
}

// FactsWriter writes the facts of classified posts in the transaction of
// their classification (see SaveClassificationsWithFacts); it keeps the
// fact terms across batches.
type FactsWriter struct {
	convert func(*FactSource) FactRow
	terms   factTerms
	stale   bool // another connection has written since the sources were read
}

// NewFactsWriter returns a writer of facts that convert makes of their
// sources, as BuildFacts does.
func NewFactsWriter(convert func(*FactSource) FactRow) *FactsWriter {
	return &FactsWriter{convert: convert}
}

// SaveClassificationsWithFacts writes results as SaveClassifications does
// and, in the same transaction, the facts of those of the posts that are
// queued for them, from the sources read with the posts (ClassifyRow.Fact,
// in the order of list; nil when not read) and the new classification:
// the facts need not be read again. A result equal to the classification
// read with its source is not written again: a rebuild that decides the
// same rewrites nothing (the row keeps its classified_at). It writes no
// facts, and every result, when another connection has written since the
// sources were read (the posts and classifications may have changed); the
// posts stay queued for BuildFacts then. Results must come in post order
// across calls, as ClassifyBatches reads them, for fact terms to be
// numbered as BuildFacts numbers them.
func (s *Store) SaveClassificationsWithFacts(ctx context.Context, list []Classification, sources []*FactSource, fw *FactsWriter) error {
	if fw == nil || len(sources) != len(list) || len(list) == 0 {
		return s.SaveClassifications(ctx, list)
	}
	err := s.inBulkTx(ctx, func(tx *sql.Tx) error {
		current, err := fw.current(ctx, tx, sources)
		if err != nil {
			return err
		}
		if !current {
			// The transaction does not check the posts' foreign keys
			// (see inBulkTx): one may have gone since it was read.
			if err := postsStored(ctx, tx, list); err != nil {
				return err
			}
			return s.writeClassifications(ctx, tx, list)
		}
		if err := s.writeClassifications(ctx, tx, changedClassifications(list, sources)); err != nil {
			return err
		}
		return fw.save(ctx, tx, list, sources)
	})
	if err != nil {
		fw.terms.ids = nil // it may hold terms that were rolled back
	}
	return err
}

// postsStored returns an error unless every post of list is stored.
func postsStored(ctx context.Context, tx *sql.Tx, list []Classification) error {
	ids := make([]any, 0, classificationsPerStatement)
	for start := 0; start < len(list); start += classificationsPerStatement {
		ids = ids[:0]
		for _, c := range list[start:min(start+classificationsPerStatement, len(list))] {
			ids = append(ids, c.PostID)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...).Scan(&n); err != nil {
			return fmt.Errorf("save classifications: %w", err)
		}
		if n != len(ids) {
			return fmt.Errorf("save classifications of posts %d to %d: a post was deleted meanwhile", ids[0], ids[len(ids)-1])
		}
	}
	return nil
}

// changedClassifications returns the results of list that differ from the
// classification read with their source (list itself when all do).
func changedClassifications(list []Classification, sources []*FactSource) []Classification {
	var out []Classification
	for i := range list {
		src := sources[i]
		same := src.hasStored && src.ID == list[i].PostID && sameClassification(&src.stored, &list[i])
		switch {
		case same && out == nil:
			out = append(make([]Classification, 0, len(list)), list[:i]...)
		case !same && out != nil:
			out = append(out, list[i])
		}
	}
	if out == nil {
		return list
	}
	return out
}

// sameClassification says whether a and b would be stored alike: the same
// bits in every column but the time.
func sameClassification(a, b *Classification) bool {
	return a.PostID == b.PostID && a.Version == b.Version && a.Rules == b.Rules &&
		a.Domain == b.Domain && a.Community == b.Community && a.Practice == b.Practice &&
		math.Float64bits(a.DomainScore) == math.Float64bits(b.DomainScore) &&
		math.Float64bits(a.CommunityScore) == math.Float64bits(b.CommunityScore) &&
		math.Float64bits(a.PracticeScore) == math.Float64bits(b.PracticeScore)
}

// inBulkTx runs fn in a write transaction set up for a classification's
// thousands of rows (on SQLite; other stores use inTx). Its statement
// journals stay in memory: each multi-row statement keeps the pages it
// changes there, to undo the statement alone, and past 64 KiB SQLite
// writes them to a temporary file, a write system call a page (a fifth of
// the cost of writing the facts). The setting is restored afterwards, as
// inWriteTx does, for statements that rewrite every post. The writer's
// page cache grows to 64 MiB and stays so: the facts' index by author
// takes each batch's posts at random places, and with the default 2 MiB
// a million posts' index no longer fits, so that every batch read and
// wrote most of its pages again. Foreign keys are not checked: every row
// written names a post read in the same snapshot of the database (fn
// checks the posts itself when another connection wrote since), and the
// checks looked up each row's post in the posts table, whose pages hold
// the posts' JSON (a quarter of the CPU time of a first classification of
// a million posts, most of it reading pages).
func (s *Store) inBulkTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.pg {
		return s.inTx(ctx, fn)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer func() {
		// A connection that kept foreign keys off must not be used again.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = DEFAULT; PRAGMA foreign_keys = ON`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	for _, pragma := range []string{`PRAGMA temp_store = MEMORY`, `PRAGMA cache_size = -65536`, `PRAGMA foreign_keys = OFF`} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return fmt.Errorf("set up the classification's transaction: %w", err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// writeClassifications upserts list, many rows per statement.
func (s *Store) writeClassifications(ctx context.Context, tx *sql.Tx, list []Classification) error {
	w := newWriter(ctx, tx, s.stamp())
	defer w.close()
	args := make([]any, 0, 10*classificationsPerStatement)
	for start := 0; start < len(list); start += classificationsPerStatement {
		chunk := list[start:min(start+classificationsPerStatement, len(list))]
		args = args[:0]
		for _, c := range chunk {
			args = append(args, c.PostID, c.Version, c.DomainScore, c.Domain, c.CommunityScore, c.Community, c.PracticeScore, c.Practice, c.Rules, w.now)
		}
		if _, err := w.exec(saveClassificationsQuery(len(chunk)), args...); err != nil {
			return fmt.Errorf("save classifications of posts %d to %d: %w", chunk[0].PostID, chunk[len(chunk)-1].PostID, err)
		}
	}
	return nil
}

// current says whether sources are what the posts and their
// classifications hold now: read on the writer's data_version that is
// still current. It must be called in the write transaction.
func (fw *FactsWriter) current(ctx context.Context, tx *sql.Tx, sources []*FactSource) (bool, error) {
	if fw.stale {
		return false, nil
	}
	for _, src := range sources {
		if src == nil {
			return false, nil
		}
	}
	// The write lock is held: if no other connection has committed since
	// the sources were read, they are what the posts hold now, and
	// nobody can change them before this transaction ends.
	var dataVersion int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dataVersion); err != nil {
		return false, fmt.Errorf("save facts: %w", err)
	}
	for _, src := range sources {
		if src.dataVersion != dataVersion {
			fw.stale = true
			return false, nil
		}
	}
	return true, nil
}

// save writes the facts of the queued posts of list and takes them off
// the queue (the classifications just written queued those they changed);
// the sources must be current.
func (fw *FactsWriter) save(ctx context.Context, tx *sql.Tx, list []Classification, sources []*FactSource) error {
	lo, hi := list[0].PostID, list[len(list)-1].PostID
	queued := map[int64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT post_id FROM post_facts_pending WHERE post_id BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return fmt.Errorf("read queued facts: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("read queued facts: %w", err)
		}
		queued[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read queued facts: %w", err)
	}
	var write []*FactSource
	var ids []any
	for i, src := range sources {
		c := &list[i]
		if !queued[c.PostID] || src.ID != c.PostID {
			continue
		}
		src.Classified, src.Domain, src.Community, src.Practice = true, c.Domain, c.Community, c.Practice
		src.Rules, src.PracticeScore = c.Rules, c.PracticeScore
		write = append(write, src)
		ids = append(ids, c.PostID)
	}
	// A post's facts replace its old ones (found by the unique post_id).
	if err := writeFacts(ctx, tx, &fw.terms, fw.convert, write, true); err != nil {
		return err
	}
	for start := 0; start < len(ids); start += classificationsPerStatement {
		chunk := ids[start:min(start+classificationsPerStatement, len(ids))]
		if _, err := tx.ExecContext(ctx, `DELETE FROM post_facts_pending WHERE post_id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, chunk...); err != nil {
			return fmt.Errorf("clear queued facts: %w", err)
		}
	}
	return nil
}

func saveClassificationsQuery(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO classifications(post_id, version, domain_score, domain, community_score, community,
			practice_score, practice, rules, classified_at) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT(post_id) DO UPDATE SET version = excluded.version, domain_score = excluded.domain_score,
			domain = excluded.domain, community_score = excluded.community_score, community = excluded.community,
			practice_score = excluded.practice_score, practice = excluded.practice, rules = excluded.rules,
			classified_at = excluded.classified_at`)
	return b.String()
}

// ClassificationOf returns the stored result for a post given by uri, url or
// a local id on any instance.
func (s *Store) ClassificationOf(ctx context.Context, ref string) (*ClassifyRow, *Classification, error) {
	var postID int64
	err := s.r.QueryRowContext(ctx, `SELECT id FROM posts WHERE uri = ?1 OR url = ?1
		UNION SELECT post_id FROM post_ids WHERE local_id = ?1 LIMIT 1`, ref).Scan(&postID)
	if err == sql.ErrNoRows {
		return nil, nil, fmt.Errorf("no stored post has uri, url or id %q", ref)
	}
	if err != nil {
		return nil, nil, err
	}
	var row *ClassifyRow
	err = s.classifyRows(ctx, ` AND p.id = ?`, []any{postID}, func(r *ClassifyRow) error {
		c := *r
		row = &c
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if row == nil {
		return nil, nil, fmt.Errorf("post %q was deleted", ref)
	}
	c := Classification{PostID: postID}
	err = s.r.QueryRowContext(ctx, `SELECT version, domain_score, domain, community_score, community, practice_score, practice, rules
		FROM classifications WHERE post_id = ?`, postID).Scan(&c.Version, &c.DomainScore, &c.Domain, &c.CommunityScore, &c.Community,
		&c.PracticeScore, &c.Practice, &c.Rules)
	if err == sql.ErrNoRows {
		return row, nil, nil
	}
	return row, &c, err
}

// mappedConn is a read connection for a scan of the whole posts table:
// through SQLite's page cache every page costs a read system call, through
// a memory map none does. The map is capped so that the peak memory stays
// bounded (pages past the cap are read as before); release drops it and
// returns the connection.
func (s *Store) mappedConn(ctx context.Context) (conn *sql.Conn, release func(), err error) {
	conn, err = s.r.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA mmap_size = 268435456`); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, func() {
		conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA mmap_size = 0`)
		conn.Close()
	}, nil
}
