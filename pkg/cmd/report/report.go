// Package report is `copharvest report`: the facilitator's weekly report.
package report

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/atomicfile"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/report"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	Week   string
	Since  string
	Format string
	Output string
	TZ     string
	By     string
	Window string
	Seed   int64
	// IncludeOptedOut names people who opted out in the lists too.
	IncludeOptedOut bool
}

// NewCmdReport builds the command.
func NewCmdReport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Weekly report for facilitators: activity, members, unanswered questions, communities",
		Long: `Report what happened in the course community over one ISO week (default: the
last full week in your time zone) or the last --since span: posts per day;
active, new and returning members; threads started and answered; questions
nobody answered yet, with links so you can step in; the most shared resources
and tools; tags used together; each community with its verdict and the change
since a week earlier; the posts that best show practice being shared; ideas
for practice proposed.

Formats: table (terminal), markdown (paste-ready), json (the same data for
scripts), html (one self-contained file with charts: works offline and as an
e-mail attachment).

Days are counted in --tz (default: the config's timezone, else the system's);
stored times stay UTC. Communities are measured over --window weeks (UTC ISO
weeks) ending with the report's last week, as in copharvest communities.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest report
  copharvest report --week 2026-W47 --format html -o week47.html
  copharvest report --since 7d --format markdown --tz Pacific/Auckland`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Week != "" && opts.Since != "" {
				return cmdutil.FlagErrorf("give --week or --since, not both")
			}
			switch opts.Format {
			case "table", "markdown", "json", "html":
			default:
				return cmdutil.FlagErrorf("--format must be table, markdown, json or html")
			}
			if opts.TZ != "" {
				if _, err := time.LoadLocation(opts.TZ); err != nil {
					return cmdutil.FlagErrorf("--tz %q: not a time zone name such as Pacific/Auckland", opts.TZ)
				}
			}
			if opts.Week != "" {
				if _, err := report.ParseWeek(opts.Week, time.UTC); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if opts.Since != "" {
				if _, err := report.SincePeriod(opts.Since, time.Now(), time.UTC); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if _, err := analysis.ParseGrouping(opts.By); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if _, err := cmdutil.ParseWeeks(opts.Window); err != nil {
				return cmdutil.FlagErrorf("--window: %v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Week, "week", "", "ISO week to report, e.g. 2026-W47 (default: the last full week)")
	fl.StringVar(&opts.Since, "since", "", "report the span up to now instead, e.g. 7d or 36h")
	fl.StringVar(&opts.Format, "format", "table", "table, markdown, json or html")
	fl.StringVarP(&opts.Output, "output", "o", "", "write to FILE instead of standard output")
	fl.StringVar(&opts.TZ, "tz", "", "time zone the days are counted in (default: config timezone, else the system's)")
	fl.StringVar(&opts.By, "by", "graph", "group communities by graph, tag or instance")
	fl.StringVar(&opts.Window, "window", "12w", "weeks the communities are measured over")
	fl.Int64Var(&opts.Seed, "seed", 1, "seed of the community detection")
	fl.BoolVar(&opts.IncludeOptedOut, "include-opted-out", false, "name people who opted out (#nobot, noindex...) too; by default they are left out of every list")
	return cmd
}

// Location resolves --tz, then the config's timezone, then the system's.
func Location(flag string, cfg *config.Config) (*time.Location, error) {
	name := flag
	if name == "" {
		name = cfg.Timezone
	}
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, cmdutil.FlagErrorf("time zone %q: %v", name, err)
	}
	return loc, nil
}

// Run builds and writes the report.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	loc, err := Location(opts.TZ, cfg)
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	now := opts.Now()
	period := report.LastFullWeek(now, loc)
	switch {
	case opts.Week != "":
		period, err = report.ParseWeek(opts.Week, loc)
	case opts.Since != "":
		period, err = report.SincePeriod(opts.Since, now, loc)
	}
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	by, _ := analysis.ParseGrouping(opts.By)
	weeks, _ := cmdutil.ParseWeeks(opts.Window)
	st, err := store.Open(ctx, cfg.DB, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := report.Build(ctx, st, report.Options{Period: period, Location: loc, CommunityWeeks: weeks, By: by,
		Thresholds: thresholds, Seed: opts.Seed, IncludeOptedOut: opts.IncludeOptedOut, Now: now})
	if err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(opts.IO.ErrOut, "warning: "+n)
	}
	write := func(w io.Writer) error {
		switch opts.Format {
		case "json":
			return report.WriteJSON(w, rep)
		case "html":
			return report.WriteHTML(w, rep)
		default:
			return report.WriteText(w, rep, opts.Format == "markdown")
		}
	}
	if opts.Output == "" || opts.Output == "-" {
		return write(opts.IO.Out)
	}
	out, err := atomicfile.Create(opts.Output)
	if err != nil {
		return err
	}
	defer out.Abort()
	if err := write(out); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "report %s (%d posts) written to %s\n", rep.Period.Label, rep.Totals.Posts, opts.Output)
	return nil
}
