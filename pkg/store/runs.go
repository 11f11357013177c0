package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Run is one sync, as recorded in the runs table.
type Run struct {
	ID        int64
	StartedAt time.Time
	EndedAt   time.Time
	Status    string // running, ok, partial, failed
	Instances []string
	Tags      []string
	Requests  int64
	New       int
	Updated   int
	Deleted   int
	Waits     int
	Waited    time.Duration
	Rejected  int // malformed statuses recorded in the rejected table
	Error     string
}

// StartRun records a sync that has begun.
func (s *Store) StartRun(ctx context.Context, instances, tags []string) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO runs(started_at, status, instances, tags) VALUES (?, 'running', ?, ?) RETURNING id`,
			s.stamp(), strings.Join(instances, " "), strings.Join(tags, " ")).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("record run start: %w", err)
	}
	return id, nil
}

// DeadRunError is what a run left "running" by a process that died says.
const DeadRunError = "the process was killed or crashed before recording how the run ended; what it stored is kept"

// CloseDeadRuns marks runs still "running" as failed. Call it only while
// holding the sync lock: then no live process owns such a run.
func (s *Store) CloseDeadRuns(ctx context.Context) (int, error) {
	if s.pg {
		return s.closeDeadRunsPG(ctx)
	}
	res, err := s.exec(ctx, `UPDATE runs SET status = 'failed', error = ? WHERE status = 'running'`, DeadRunError)
	if err != nil {
		return 0, fmt.Errorf("close dead runs: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// FinishRun records how a sync ended. It uses its own context so that an
// interrupted run is still recorded.
func (s *Store) FinishRun(r Run) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.exec(ctx, `UPDATE runs SET ended_at = ?, status = ?, requests = ?, new_posts = ?, updated_posts = ?,
			deleted_posts = ?, waits = ?, waited_ms = ?, rejected = ?, error = ? WHERE id = ?`,
		s.stamp(), r.Status, r.Requests, r.New, r.Updated, r.Deleted, r.Waits, r.Waited.Milliseconds(), r.Rejected, nullString(r.Error), r.ID)
	if err != nil {
		return fmt.Errorf("record run end: %w", err)
	}
	return nil
}

// LastRuns returns the most recent runs, newest first.
func (s *Store) LastRuns(ctx context.Context, n int) ([]Run, error) {
	return queryAll(ctx, s.r, "read runs", `SELECT id, started_at, COALESCE(ended_at, ''), status, instances, tags, requests,
		new_posts, updated_posts, deleted_posts, waits, waited_ms, rejected, COALESCE(error, '') FROM runs ORDER BY id DESC LIMIT ?`, []any{n},
		func(rows *sql.Rows) (Run, error) {
			var r Run
			var inst, tags string
			var waitedMS int64
			err := rows.Scan(&r.ID, scanTime(&r.StartedAt), scanTime(&r.EndedAt), &r.Status, &inst, &tags, &r.Requests, &r.New, &r.Updated, &r.Deleted, &r.Waits, &waitedMS, &r.Rejected, &r.Error)
			r.Instances, r.Tags = strings.Fields(inst), strings.Fields(tags)
			r.Waited = time.Duration(waitedMS) * time.Millisecond
			return r, err
		})
}

// TagCount is how many posts a tag timeline of an instance contributed.
type TagCount struct {
	Instance, Tag string
	Posts         int
	Cursor        Cursor
}

// Summary is what `status` shows.
type Summary struct {
	Posts, Accounts, Threads, Replies, Deleted int
	Boosts, Favourites                         int
	PendingThreads, PendingInteractions        int
	Rejected                                   int // malformed statuses kept aside
	Oldest, Newest                             time.Time
	Tags                                       []TagCount
	Instances                                  []InstanceCount
	LastSuccess                                time.Time
}

// InstanceCount is the posts known through one instance.
type InstanceCount struct {
	Instance string
	Posts    int
}

// Summarize collects the figures of Summary.
func (s *Store) Summarize(ctx context.Context) (Summary, error) {
	var sum Summary
	var oldest, newest, lastOK sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM posts),
			(SELECT COUNT(*) FROM accounts),
			(SELECT COUNT(*) FROM posts WHERE in_reply_to_post IS NULL AND id IN (SELECT in_reply_to_post FROM posts)),
			(SELECT COUNT(*) FROM posts WHERE in_reply_to_acct IS NOT NULL),
			(SELECT COUNT(*) FROM posts WHERE deleted_at IS NOT NULL),
			(SELECT COUNT(*) FROM interactions WHERE kind = 'boost'),
			(SELECT COUNT(*) FROM interactions WHERE kind = 'favourite'),
			(SELECT COUNT(*) FROM posts WHERE needs_context = 1),
			(SELECT COUNT(*) FROM posts WHERE needs_interactions = 1),
			(SELECT MIN(created_at) FROM posts),
			(SELECT MAX(created_at) FROM posts),
			(SELECT MAX(ended_at) FROM runs WHERE status = 'ok'),
			(SELECT COUNT(*) FROM rejected)`).
		Scan(&sum.Posts, &sum.Accounts, &sum.Threads, &sum.Replies, &sum.Deleted, &sum.Boosts, &sum.Favourites,
			&sum.PendingThreads, &sum.PendingInteractions, &oldest, &newest, &lastOK, &sum.Rejected)
	if err != nil {
		return sum, fmt.Errorf("summarize %s: %w", s.path, err)
	}
	for _, c := range []struct {
		text sql.NullString
		t    *time.Time
	}{{oldest, &sum.Oldest}, {newest, &sum.Newest}, {lastOK, &sum.LastSuccess}} {
		if err := scanTime(c.t).Scan(c.text.String); err != nil {
			return sum, fmt.Errorf("summarize %s: %w", s.path, err)
		}
	}
	sum.Tags, err = queryAll(ctx, s.r, "summarize tags", `SELECT c.instance, c.tag, (SELECT COUNT(*) FROM post_sources ps WHERE ps.instance = c.instance AND ps.tag = c.tag),
			COALESCE(c.newest_id, ''), COALESCE(c.oldest_id, ''), COALESCE(c.oldest_at, ''), c.backfill_done, c.updated_at
		FROM cursors c ORDER BY c.instance, c.tag`, nil, func(rows *sql.Rows) (TagCount, error) {
		var tc TagCount
		err := rows.Scan(&tc.Instance, &tc.Tag, &tc.Posts, &tc.Cursor.Newest, &tc.Cursor.Oldest, scanTime(&tc.Cursor.OldestAt), &tc.Cursor.BackfillDone, scanTime(&tc.Cursor.UpdatedAt))
		tc.Cursor.Instance, tc.Cursor.Tag = tc.Instance, tc.Tag
		return tc, err
	})
	if err != nil {
		return sum, err
	}
	irows, err := s.r.QueryContext(ctx, `SELECT instance, COUNT(DISTINCT post_id) FROM post_ids GROUP BY instance ORDER BY instance`)
	if err != nil {
		return sum, fmt.Errorf("summarize instances: %w", err)
	}
	defer irows.Close()
	for irows.Next() {
		var ic InstanceCount
		if err := irows.Scan(&ic.Instance, &ic.Posts); err != nil {
			return sum, err
		}
		sum.Instances = append(sum.Instances, ic)
	}
	return sum, irows.Err()
}

// Meta returns a stored fact ("" when unset).
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}

// SetMeta stores a fact.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
