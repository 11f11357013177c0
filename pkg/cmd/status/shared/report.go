// Package shared is what `copharvest status` collects and prints, shared
// with the commands that show the status too (demo).
package shared

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
	"github.com/oeru/copharvest/pkg/text"
)

// Report is status's data, also its JSON output.
type Report struct {
	Database     string        `json:"database"`
	Summary      store.Summary `json:"summary"`
	Unclassified int           `json:"unclassified"`
	Runs         []store.Run   `json:"runs"`
	Warning      string        `json:"warning,omitempty"`
	// Problems are what --check fails on; Warning is the first of them
	// about sync freshness.
	Problems []string `json:"problems,omitempty"`
}

// Collect gathers the report; demo uses it too.
func Collect(ctx context.Context, st *store.Store, runs int, maxAge time.Duration, now time.Time) (Report, error) {
	sum, err := st.Summarize(ctx)
	if err != nil {
		return Report{}, err
	}
	last, err := st.LastRuns(ctx, runs)
	if err != nil {
		return Report{}, err
	}
	unclassified, err := st.Unclassified(ctx, classify.Version)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Database: st.Path(), Summary: sum, Unclassified: unclassified, Runs: last}
	switch {
	case len(last) == 0:
		rep.Warning = "no sync has run on this database yet"
	case sum.LastSuccess.IsZero():
		rep.Warning = "no sync has succeeded yet on this database"
	case maxAge > 0 && now.Sub(sum.LastSuccess) > maxAge:
		rep.Warning = fmt.Sprintf("the last successful sync ended %s ago (at %s), longer than max_age %s", now.Sub(sum.LastSuccess).Round(time.Minute), sum.LastSuccess.Format(time.RFC3339), maxAge)
	}
	if rep.Warning != "" {
		rep.Problems = append(rep.Problems, rep.Warning)
	}
	// A run still "running" whose process no longer holds the lock died.
	held, known := st.HarvestRunning(ctx)
	for i := range rep.Runs {
		if rep.Runs[i].Status == "running" && known && !held {
			rep.Runs[i].Status, rep.Runs[i].Error = "failed", store.DeadRunError
		}
	}
	if r := lastFinished(rep.Runs); r != nil {
		switch {
		case r.Status == "failed":
			rep.Problems = append(rep.Problems, fmt.Sprintf("the last run (%d, %s) failed: %s", r.ID, r.StartedAt.Format(time.RFC3339), text.ForTerminal(r.Error)))
		case r.Rejected > 0:
			rep.Problems = append(rep.Problems, fmt.Sprintf("the last run (%d) rejected %d malformed posts (see the rejected table)", r.ID, r.Rejected))
		}
	}
	if unclassified > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%d posts are unclassified: run copharvest classify (or sync)", unclassified))
	}
	return rep, nil
}

// lastFinished is the newest run that is not running.
func lastFinished(runs []store.Run) *store.Run {
	for i := range runs {
		if runs[i].Status != "running" {
			return &runs[i]
		}
	}
	return nil
}

// Print writes the report as tables.
func Print(w io.Writer, rep Report, markdown bool) error {
	return PrintWidth(w, rep, markdown, 0)
}

// PrintWidth writes the report as tables that fit width columns (0: any).
func PrintWidth(w io.Writer, rep Report, markdown bool, width int) error {
	render := func(headers []string, rows [][]string) error {
		return tableprinter.RenderWidth(w, markdown, width, headers, rows)
	}
	s := rep.Summary
	span := "-"
	if !s.Oldest.IsZero() {
		span = s.Oldest.Format("2006-01-02") + " .. " + s.Newest.Format("2006-01-02")
	}
	fmt.Fprintf(w, "Database %s\n\n", rep.Database)
	if err := render([]string{"posts", "accounts", "threads", "replies", "deleted", "boosts", "favourites", "pending conversations", "rejected", "span"},
		[][]string{{itoa(s.Posts), itoa(s.Accounts), itoa(s.Threads), itoa(s.Replies), itoa(s.Deleted), itoa(s.Boosts), itoa(s.Favourites), itoa(s.PendingThreads), itoa(s.Rejected), span}}); err != nil {
		return err
	}
	fmt.Fprintln(w)
	var rows [][]string
	for _, t := range s.Tags {
		backfill := "in progress"
		if t.Cursor.BackfillDone {
			backfill = "complete"
		} else if !t.Cursor.OldestAt.IsZero() {
			backfill = "back to " + t.Cursor.OldestAt.Format("2006-01-02")
		}
		rows = append(rows, []string{t.Instance, "#" + t.Tag, itoa(t.Posts), t.Cursor.Newest, t.Cursor.Oldest, backfill})
	}
	if err := render([]string{"instance", "tag", "posts", "newest id", "oldest id", "backfill"}, rows); err != nil {
		return err
	}
	if len(s.Instances) > 1 {
		fmt.Fprintln(w)
		rows = nil
		for _, in := range s.Instances {
			rows = append(rows, []string{in.Instance, itoa(in.Posts)})
		}
		if err := render([]string{"instance", "posts"}, rows); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	rows = nil
	for _, r := range rep.Runs {
		took := "-"
		if !r.EndedAt.IsZero() {
			took = r.EndedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.StartedAt.Format(time.RFC3339), took, r.Status,
			itoa(r.New), itoa(r.Updated), strconv.FormatInt(r.Requests, 10), itoa(r.Waits), text.ForTerminal(r.Error)})
	}
	return render([]string{"run", "started (UTC)", "took", "status", "new", "updated", "requests", "waits", "error"}, rows)
}

func itoa(n int) string { return strconv.Itoa(n) }
