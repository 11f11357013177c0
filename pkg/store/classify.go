package store

import (
	"context"
	"database/sql"
	"fmt"
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
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
	})
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
