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
	"github.com/oeru/copharvest/pkg/cmd/communities/shared"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/report"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	Period cmdutil.PeriodFlags
	Format string
	Output string
	By     analysis.Grouping
	// CommunityWeeks is --window read once: the weeks the communities are
	// measured over.
	CommunityWeeks int
	Seed           int64
	Pseudonymize   bool
	Salt           string
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
stored times stay UTC. --since and --until take a date, an RFC 3339 time or
an age, as export does. When the period holds no post, the report says so
and names the newest week with posts. Communities are measured over
--window weeks (UTC ISO weeks) ending with the report's last week, with the
same verdicts and explanations as copharvest communities --week.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest report
  copharvest report --week 2026-W47 --format html -o week47.html
  copharvest report --since 7d --format markdown --tz Pacific/Auckland`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The report's --window is the communities' and goes with any period.
			reportPeriod := opts.Period
			reportPeriod.Window = ""
			if err := reportPeriod.Check(); err != nil {
				return err
			}
			opts.CommunityWeeks = shared.DefaultWeeks
			if opts.Period.Window != "" {
				weeks, err := period.ParseWindow(opts.Period.Window)
				if err != nil {
					return cmdutil.FlagErrorf("--window: %v", err)
				}
				opts.CommunityWeeks = weeks
			}
			if opts.Period.Week != "" && opts.Period.Since != "" {
				return cmdutil.FlagErrorf("give --week or --since, not both")
			}
			if opts.Salt != "" && !opts.Pseudonymize {
				return cmdutil.FlagErrorf("--salt is the key of --pseudonymize; give both")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddPeriodFlags(fl, &opts.Period, cmdutil.PeriodHelp{
		Week:   "ISO week to report, e.g. 2026-W47 (default: the last full week)",
		Window: "weeks the communities are measured over, ending with the report's week (default 12w)",
	})
	cmdutil.EnumFlag(cmd, &opts.Format, "format", "", "table", []string{"table", "markdown", "json", "html"}, "output format")
	fl.StringVarP(&opts.Output, "output", "o", "", "write to FILE instead of standard output")
	cmdutil.EnumFlag(cmd, &opts.By, "by", "", analysis.ByGraph, cmdutil.Groupings, "group communities by")
	fl.Int64Var(&opts.Seed, "seed", 1, "seed of the community detection")
	fl.BoolVar(&opts.Pseudonymize, "pseudonymize", false, "replace accounts and post addresses by keyed hashes and leave post text out")
	fl.StringVar(&opts.Salt, "salt", "", "key for --pseudonymize (default: salt in the config file)")
	fl.BoolVar(&opts.IncludeOptedOut, "include-opted-out", false, "name people who opted out (#nobot, noindex...) too; by default they are left out of every list")
	return cmd
}

// ReportPeriod resolves the report's period: --week, or --since/--until
// (an age counts back from now; a missing --until is now), else the last
// full week before now in loc.
func ReportPeriod(pf cmdutil.PeriodFlags, now time.Time, loc *time.Location) (report.Period, error) {
	pf.Window = "" // the report's --window is the communities'
	if pf.Since == "" && pf.Until == "" && pf.Week == "" {
		return report.LastFullWeek(now, loc), nil
	}
	end := now.Truncate(time.Minute)
	p, err := cmdutil.ResolvePeriod(&pf, loc, period.Anchor{Now: now, DefaultEnd: end,
		DefaultEndReason: "up to now (" + end.In(loc).Format("2006-01-02 15:04") + ")"})
	if err != nil {
		return report.Period{}, err
	}
	return report.FromPeriod(p), nil
}

// Run builds and writes the report.
func Run(ctx context.Context, opts *Options) error {
	cmdutil.TightenGC()
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	loc, err := cmdutil.Location(opts.Period.TZ, cfg)
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	now := opts.Now()
	p, err := ReportPeriod(opts.Period, now, loc)
	if err != nil {
		return err
	}
	by := opts.By
	var pseudonyms report.Pseudonyms
	if opts.Pseudonymize {
		key := opts.Salt
		if key == "" {
			key = cfg.Salt
		}
		ps, err := export.NewPseudonymizer(key)
		if err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		pseudonyms = ps
	}
	st, err := store.Open(ctx, cfg.DB, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := report.Build(ctx, st, report.Options{Period: p, Location: loc, CommunityWeeks: opts.CommunityWeeks, By: by,
		Thresholds: thresholds, Seed: opts.Seed, IncludeOptedOut: opts.IncludeOptedOut, Now: now, Pseudonyms: pseudonyms})
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
