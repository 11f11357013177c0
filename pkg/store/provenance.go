package store

import (
	"context"
	"fmt"
	"time"
)

// HarvestInfo is what the database says about how its posts were gathered:
// the tag timelines harvested, the sync runs and the classifier versions
// that scored the stored posts. Exports record it beside their files.
type HarvestInfo struct {
	Timelines          []Timeline
	Runs               RunSpan
	ClassifierVersions []string
}

// Timeline is one tag timeline of one instance that sync has read.
type Timeline struct{ Instance, Tag string }

// RunSpan summarises the runs table: how many syncs, the first and the last.
type RunSpan struct {
	Count           int
	FirstID, LastID int64
	FirstStartedAt  time.Time
	LastStartedAt   time.Time
	LastEndedAt     time.Time // zero while running or when it never ended
	LastStatus      string
	LastOKEndedAt   time.Time // end of the last successful run
}

// HarvestInfo reads the HarvestInfo of the database.
func (s *Store) HarvestInfo(ctx context.Context) (HarvestInfo, error) {
	var h HarvestInfo
	rows, err := s.r.QueryContext(ctx, `SELECT instance, tag FROM cursors ORDER BY instance, tag`)
	if err != nil {
		return h, fmt.Errorf("read harvested timelines: %w", err)
	}
	for rows.Next() {
		var t Timeline
		if err := rows.Scan(&t.Instance, &t.Tag); err != nil {
			rows.Close()
			return h, fmt.Errorf("read harvested timelines: %w", err)
		}
		h.Timelines = append(h.Timelines, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return h, fmt.Errorf("read harvested timelines: %w", err)
	}
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(id), 0), COALESCE(MAX(id), 0),
			COALESCE((SELECT started_at FROM runs ORDER BY id LIMIT 1), ''),
			COALESCE((SELECT started_at FROM runs ORDER BY id DESC LIMIT 1), ''),
			COALESCE((SELECT ended_at FROM runs ORDER BY id DESC LIMIT 1), ''),
			COALESCE((SELECT status FROM runs ORDER BY id DESC LIMIT 1), ''),
			COALESCE((SELECT MAX(ended_at) FROM runs WHERE status = 'ok'), '')
		FROM runs`).Scan(&h.Runs.Count, &h.Runs.FirstID, &h.Runs.LastID, scanTime(&h.Runs.FirstStartedAt), scanTime(&h.Runs.LastStartedAt),
		scanTime(&h.Runs.LastEndedAt), &h.Runs.LastStatus, scanTime(&h.Runs.LastOKEndedAt))
	if err != nil {
		return h, fmt.Errorf("read sync runs: %w", err)
	}
	vrows, err := s.r.QueryContext(ctx, `SELECT DISTINCT version FROM classifications ORDER BY version`)
	if err != nil {
		return h, fmt.Errorf("read classifier versions: %w", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var v string
		if err := vrows.Scan(&v); err != nil {
			return h, fmt.Errorf("read classifier versions: %w", err)
		}
		h.ClassifierVersions = append(h.ClassifierVersions, v)
	}
	return h, vrows.Err()
}
