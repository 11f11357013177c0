package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// PostFact is one live post with what community analysis needs.
type PostFact struct {
	ID                    int64 // the row id: a compact key for in-memory work
	ParentID              int64 // 0 when the parent is not stored
	IsReply               bool  // a reply, even when its parent is not stored
	URI, Author, Instance string
	Tags                  []string
	ThreadTags            []string // tags of the thread root, when that is another post
	At                    time.Time
	InReplyToURI          string
	InReplyToAuthor       string
	Classified            bool
	Domain                bool
	Community             bool
	Practice              bool
	Rules                 string // classification rules JSON ("" when not classified)
	Links                 []string
	OtherRepliers         int // distinct other authors who replied directly
}

// EdgeFact is one interaction between two accounts.
type EdgeFact struct {
	Kind     string // reply, mention, boost, favourite
	From, To string // accts
	At       time.Time
	PostURI  string
	PostID   int64     // the row id of that post
	PostAt   time.Time // when the post it is on was written
}

// tagsLinksRepliers selects, for post p, its tags and links (space-separated)
// and how many other people replied to it directly (deleted replies do not
// count): what both the community analysis and the weekly report need.
const tagsLinksRepliers = `COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.id), ''),
			COALESCE((SELECT group_concat(url, ' ') FROM post_links WHERE post_id = p.id), ''),
			(SELECT COUNT(DISTINCT r.account_id) FROM posts r WHERE r.in_reply_to_post = p.id AND r.account_id <> p.account_id AND r.deleted_at IS NULL)`

// PostFacts streams the live posts created in [since, until) (zero = open).
func (s *Store) PostFacts(ctx context.Context, since, until time.Time, fn func(*PostFact) error) error {
	where, args := timeRange("p.created_at", since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, COALESCE(p.in_reply_to_post, 0), p.in_reply_to_post IS NOT NULL OR p.in_reply_to_acct IS NOT NULL,
			p.uri, a.acct, p.created_at, COALESCE(q.uri, ''), COALESCE(qa.acct, p.in_reply_to_acct, ''),
			c.post_id IS NOT NULL, COALESCE(c.domain, 0), COALESCE(c.community, 0), COALESCE(c.practice, 0), COALESCE(c.rules, ''),
			`+tagsLinksRepliers+`,
			CASE WHEN p.thread_root IS NOT NULL AND p.thread_root <> p.id
				THEN COALESCE((SELECT group_concat(tag, ' ') FROM post_tags WHERE post_id = p.thread_root), '') ELSE '' END
		FROM posts p JOIN accounts a ON a.id = p.account_id
		LEFT JOIN posts q ON q.id = p.in_reply_to_post
		LEFT JOIN accounts qa ON qa.id = q.account_id
		LEFT JOIN classifications c ON c.post_id = p.id
		WHERE p.deleted_at IS NULL`+where+` ORDER BY p.created_at, p.id`, args...)
	if err != nil {
		return fmt.Errorf("read posts: %w", err)
	}
	defer rows.Close()
	var at, tags, links, rootTags string
	for rows.Next() {
		var f PostFact
		if err := rows.Scan(&f.ID, &f.ParentID, &f.IsReply, &f.URI, &f.Author, &at, &f.InReplyToURI, &f.InReplyToAuthor, &f.Classified, &f.Domain, &f.Community,
			&f.Practice, &f.Rules, &tags, &links, &f.OtherRepliers, &rootTags); err != nil {
			return err
		}
		f.ThreadTags = strings.Fields(rootTags)
		f.At, _ = ParseTime(at)
		if i := strings.LastIndexByte(f.Author, '@'); i >= 0 {
			f.Instance = f.Author[i+1:]
		}
		f.Tags, f.Links = strings.Fields(tags), strings.Fields(links)
		if err := fn(&f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// NewestPostAt returns when the newest live post was written (zero when
// there is none): what anchors default periods, so that the same database
// gives the same answer on any day.
func (s *Store) NewestPostAt(ctx context.Context) (time.Time, error) {
	var newest sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT MAX(created_at) FROM posts WHERE deleted_at IS NULL`).Scan(&newest); err != nil {
		return time.Time{}, fmt.Errorf("newest post: %w", err)
	}
	if !newest.Valid {
		return time.Time{}, nil
	}
	return ParseTime(newest.String)
}

// EdgeFacts streams the interactions whose post was created in [since, until).
func (s *Store) EdgeFacts(ctx context.Context, since, until time.Time, fn func(*EdgeFact) error) error {
	// The window is applied inside each branch (windowEdges): filtering the
	// edges view from outside makes SQLite read every edge ever stored.
	edges, args := windowEdges(since, until)
	rows, err := s.r.QueryContext(ctx, `SELECT e.kind, fa.acct, ta.acct, e.at, p.uri, p.id, p.created_at
		FROM `+edges+` e JOIN posts p ON p.id = e.post_id
		JOIN accounts fa ON fa.id = e.source_id JOIN accounts ta ON ta.id = e.target_id`, args...)
	if err != nil {
		return fmt.Errorf("read interactions: %w", err)
	}
	defer rows.Close()
	var at, postAt string
	for rows.Next() {
		var e EdgeFact
		if err := rows.Scan(&e.Kind, &e.From, &e.To, &at, &e.PostURI, &e.PostID, &postAt); err != nil {
			return err
		}
		e.At, _ = ParseTime(at)
		e.PostAt, _ = ParseTime(postAt)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func timeRange(col string, since, until time.Time) (string, []any) {
	var where string
	var args []any
	if !since.IsZero() {
		where += " AND " + col + " >= ?"
		args = append(args, FormatTime(since))
	}
	if !until.IsZero() {
		where += " AND " + col + " < ?"
		args = append(args, FormatTime(until))
	}
	return where, args
}

// CommunityAssignment is an account's community and its verdict.
type CommunityAssignment struct {
	Acct, Community, Verdict string
}

// SaveCommunities replaces the stored account → community assignment.
func (s *Store) SaveCommunities(ctx context.Context, list []CommunityAssignment) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM account_communities`); err != nil {
			return err
		}
		w := newWriter(ctx, tx, s.stamp())
		defer w.close()
		for _, a := range list {
			if _, err := w.exec(`INSERT INTO account_communities(account_id, community, verdict, computed_at)
				SELECT id, ?, ?, ? FROM accounts WHERE acct = ?`, a.Community, a.Verdict, w.now, a.Acct); err != nil {
				return fmt.Errorf("save community of %s: %w", a.Acct, err)
			}
		}
		return nil
	})
}
