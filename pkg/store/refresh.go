package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LivePost is a stored, not deleted post with its local id on one instance.
type LivePost struct {
	URI, LocalID     string
	InReplyToLocalID string
	CreatedAt        time.Time
	Replies          int64
}

// LivePosts lists the live posts of instance created at or after since.
func (s *Store) LivePosts(ctx context.Context, instance string, since time.Time) ([]LivePost, error) {
	return queryAll(ctx, s.r, "posts to refresh on "+instance, `SELECT p.uri, i.local_id, COALESCE(i.in_reply_to_local_id, ''), p.created_at, p.replies_count
		FROM posts p JOIN post_ids i ON i.post_id = p.id AND i.instance = ?
		WHERE p.deleted_at IS NULL AND p.created_at >= ? ORDER BY p.created_at`, []any{instance, FormatTime(since)},
		func(rows *sql.Rows) (LivePost, error) {
			var p LivePost
			err := rows.Scan(&p.URI, &p.LocalID, &p.InReplyToLocalID, scanTime(&p.CreatedAt), &p.Replies)
			return p, err
		})
}

// Tombstone marks posts deleted and drops everything they said: content,
// text, raw JSON, links, mentions, earlier versions and classification. The
// uri, ids, author, times and tags stay. With secure_delete on and the WAL
// checkpointed afterwards, the dropped bytes are gone from the file too.
func (s *Store) Tombstone(ctx context.Context, uris []string) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w := newWriter(ctx, tx, s.stamp())
		defer w.close()
		for _, uri := range uris {
			var id int64
			err := w.queryRow(`UPDATE posts SET deleted_at = ?, content = NULL, text = NULL, spoiler_text = NULL, raw = NULL,
					card_url = NULL, media_count = 0, needs_context = 0, needs_interactions = 0
				WHERE uri = ? AND deleted_at IS NULL RETURNING id`, w.now, uri).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return fmt.Errorf("tombstone %s: %w", uri, err)
			}
			for _, q := range []string{`DELETE FROM post_links WHERE post_id = ?`, `DELETE FROM post_mentions WHERE post_id = ?`,
				`DELETE FROM post_edits WHERE post_id = ?`, `DELETE FROM classifications WHERE post_id = ?`} {
				if _, err := w.exec(q, id); err != nil {
					return fmt.Errorf("tombstone %s: %w", uri, err)
				}
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		// Move the change into the main file and empty the WAL, which still
		// holds the pages as they were before.
		if _, err := s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return n, fmt.Errorf("checkpoint after deleting: %w", err)
		}
	}
	return n, nil
}
