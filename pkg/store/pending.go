package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Pending is a stored post that still needs a follow-up request on an instance.
type Pending struct {
	URI              string
	LocalID          string
	InReplyToLocalID string
	// RootLocalID is the local id of the conversation's root when the stored
	// parent chain reaches a top-level post; "" otherwise.
	RootLocalID string
	Reblogs     int64
	Favourites  int64
}

// PendingThreads lists posts of instance whose conversation is still to be
// fetched, top-level posts first (one context call on a root covers its
// whole thread).
func (s *Store) PendingThreads(ctx context.Context, instance string) ([]Pending, error) {
	rows, err := s.w.QueryContext(ctx, `
		WITH RECURSIVE chain(start, cur, depth) AS (
			SELECT p.id, p.id, 0 FROM posts p WHERE p.needs_context = 1
			UNION ALL
			SELECT chain.start, q.in_reply_to_post, chain.depth + 1
			FROM chain JOIN posts q ON q.id = chain.cur
			WHERE q.in_reply_to_post IS NOT NULL AND chain.depth < 200
		),
		roots AS (
			SELECT c.start, c.cur AS root FROM chain c
			JOIN (SELECT start, MAX(depth) AS depth FROM chain GROUP BY start) top ON top.start = c.start AND top.depth = c.depth
		)
		SELECT p.uri, pi.local_id, COALESCE(pi.in_reply_to_local_id, ''),
			CASE WHEN rp.in_reply_to_local_id IS NULL THEN COALESCE(rp.local_id, '') ELSE '' END
		FROM posts p
		JOIN post_ids pi ON pi.post_id = p.id AND pi.instance = ?
		LEFT JOIN roots r ON r.start = p.id
		LEFT JOIN post_ids rp ON rp.post_id = r.root AND rp.instance = pi.instance
		WHERE p.needs_context = 1
		ORDER BY (pi.in_reply_to_local_id IS NOT NULL), p.id`, instance)
	if err != nil {
		return nil, fmt.Errorf("pending threads on %s: %w", instance, err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var p Pending
		if err := rows.Scan(&p.URI, &p.LocalID, &p.InReplyToLocalID, &p.RootLocalID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PendingRoots returns, of the posts of uris, the local ids on instance of
// those that are top-level and still need their conversation: the roots
// PendingThreads will list, known as soon as the page bringing them is
// committed, so their conversations can be asked while paging goes on.
func (s *Store) PendingRoots(ctx context.Context, instance string, uris []string) ([]string, error) {
	if len(uris) == 0 {
		return nil, nil
	}
	arg, err := jsonRows(uris)
	if err != nil {
		return nil, err
	}
	rows, err := s.w.QueryContext(ctx, qPendingRoots, arg, instance)
	if err != nil {
		return nil, fmt.Errorf("pending roots on %s: %w", instance, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// The page's uris drive the join, each looked up by uri and post id (CROSS
// JOIN keeps SQLite's order, the unary + keeps it from the needs_context
// and instance indexes): otherwise it walks every flagged or top-level
// post for each uri, a page costing more the more are stored.
const qPendingRoots = `SELECT pi.local_id FROM json_each(?) AS j
	CROSS JOIN posts p ON p.uri = j.value
	CROSS JOIN post_ids pi ON pi.post_id = p.id AND +pi.instance = ?
	WHERE +p.needs_context = 1 AND +pi.in_reply_to_local_id IS NULL
	ORDER BY p.id`

// PendingInteractions lists posts of instance whose boosts or favourites are
// still to be fetched.
func (s *Store) PendingInteractions(ctx context.Context, instance string) ([]Pending, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT p.uri, pi.local_id, p.reblogs_count, p.favourites_count
		FROM posts p JOIN post_ids pi ON pi.post_id = p.id AND pi.instance = ?
		WHERE p.needs_interactions = 1 AND p.deleted_at IS NULL ORDER BY p.id`, instance)
	if err != nil {
		return nil, fmt.Errorf("pending interactions on %s: %w", instance, err)
	}
	defer rows.Close()
	var out []Pending
	for rows.Next() {
		var p Pending
		if err := rows.Scan(&p.URI, &p.LocalID, &p.Reblogs, &p.Favourites); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkExpanded clears needs_context for posts whose conversation cannot be
// fetched (deleted meanwhile) so they are not retried forever.
func (s *Store) MarkExpanded(ctx context.Context, uris []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, u := range uris {
			if _, err := tx.ExecContext(ctx, `UPDATE posts SET needs_context = 0 WHERE uri = ?`, u); err != nil {
				return fmt.Errorf("mark %s expanded: %w", u, err)
			}
		}
		return nil
	})
}

// SaveInteractions stores who boosted and who favourited a post and clears
// its needs_interactions flag, in one transaction.
func (s *Store) SaveInteractions(ctx context.Context, postURI string, boosters, favouriters []Account) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w := newWriter(ctx, tx, s.stamp())
		defer w.close()
		var postID int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM posts WHERE uri = ?`, postURI).Scan(&postID); err != nil {
			return err
		}
		for kind, list := range map[string][]Account{"boost": boosters, "favourite": favouriters} {
			for i := range list {
				accID, err := w.account(&list[i])
				if err != nil {
					return err
				}
				if _, err := w.exec(`INSERT OR IGNORE INTO interactions(kind, account_id, post_id, seen_at) VALUES (?, ?, ?, ?)`,
					kind, accID, postID, w.now); err != nil {
					return err
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE posts SET needs_interactions = 0 WHERE id = ?`, postID)
		return err
	})
	if err != nil {
		return fmt.Errorf("save boosts/favourites of %s: %w", postURI, err)
	}
	return nil
}
