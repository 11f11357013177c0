// Package status is `copharvest status`: what is stored, the cursors, the
// last runs.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/lock"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
	"github.com/oeru/copharvest/pkg/text"
)

// Options are status's inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	Format string
	Runs   int
	Check  bool
}

// NewCmdStatus builds the command.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what is stored: posts per tag and instance, cursors, last runs",
		Long: `Show what the database holds: posts per tag and instance, the paging
cursors, conversations still to fetch, and the last sync runs. Warns when the
last successful sync is older than max_age (config; default 2h).

With --check, status is a monitoring probe: it exits 5 when the last
successful sync is older than max_age, the last run failed (or died without
recording an outcome), posts are unclassified, or the last run rejected
malformed posts; each problem is one line on stderr.

` + cmdutil.ExitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Format != "table" && opts.Format != "markdown" && opts.Format != "json" {
				return cmdutil.FlagErrorf("--format must be table, markdown or json")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output format: table, markdown or json")
	cmd.Flags().IntVar(&opts.Runs, "runs", 5, "how many recent runs to show")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "exit 5 when the harvest needs attention (for monitoring)")
	return cmd
}

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

// Run prints the status of the configured database.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DB, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := Collect(ctx, st, opts.Runs, time.Duration(cfg.MaxAge), opts.Now())
	if err != nil {
		return err
	}
	if opts.Check {
		for _, p := range rep.Problems {
			fmt.Fprintln(opts.IO.ErrOut, "check: "+p)
		}
	} else if rep.Warning != "" {
		fmt.Fprintln(opts.IO.ErrOut, "warning: "+rep.Warning)
	}
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	default:
		err = PrintWidth(opts.IO.Out, rep, opts.Format == "markdown", opts.IO.Width)
	}
	if err == nil && opts.Check && len(rep.Problems) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitCheck}
	}
	return err
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
	held, known := lock.Held(st.Path())
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
