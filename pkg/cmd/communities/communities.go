// Package communities is `copharvest communities`: groups of people, their
// measures, and which are genuine communities of practice and why.
package communities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmd/communities/shared"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of the command.
type Options struct {
	IO           *iostreams.IOStreams
	Config       func() (*config.Config, error)
	Now          func() time.Time
	By           analysis.Grouping
	Period       cmdutil.PeriodFlags
	Format       string
	Seed         int64
	Pseudonymize bool
	Salt         string
}

// NewCmdCommunities builds the command.
func NewCmdCommunities(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "communities",
		Short: "Find communities and say which are genuine communities of practice, and why",
		Long: `Group the people of the stored posts — by the interaction graph (replies 1.0,
mentions 0.5, boosts 0.25; Louvain, seeded so runs agree; people with no tie
form the group "unconnected"), by tag or by instance — measure each group
over the period and say what it is: off-domain, network, community of
interest, emerging CoP or genuine CoP (first match wins), with the criteria
and their numbers. Beside the verdict: its activity (active, quiet for N
weeks), health signals (core and periphery, newcomers, returning members),
how stable the group is across detection seeds, and its trajectory (the
verdict week by week).

The period is the 12 weeks (--window) ending with the week of the newest
stored post, so the same database gives the same answer on any day; --week,
--until and --since move it. Thresholds come from the config file's
"thresholds:" mapping.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest communities
  copharvest communities --window 6w --week 2026-W47 --format markdown
  copharvest communities --by tag --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Period.Check(); err != nil {
				return err
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
	cmdutil.EnumFlag(cmd, &opts.By, "by", "", analysis.ByGraph, cmdutil.Groupings, "group by")
	cmdutil.AddPeriodFlags(cmd.Flags(), &opts.Period, cmdutil.PeriodHelp{
		Week:   "end the period with this ISO week, e.g. 2026-W47 (default: the week of the newest stored post)",
		Window: "length of the period, in weeks (default 12w)",
	})
	cmdutil.EnumFlag(cmd, &opts.Format, "format", "", "table", []string{"table", "markdown", "json", "csv"}, "output format")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "seed of the community detection (same seed, same groups)")
	cmd.Flags().BoolVar(&opts.Pseudonymize, "pseudonymize", false, "replace accounts (members and group names) by keyed hashes")
	cmd.Flags().StringVar(&opts.Salt, "salt", "", "key for --pseudonymize (default: salt in the config file)")
	return cmd
}

// Run analyses and prints.
func Run(ctx context.Context, opts *Options) error {
	cmdutil.TightenGC()
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	loc, err := cmdutil.Location(opts.Period.TZ, cfg)
	if err != nil {
		return err
	}
	rename, err := cmdutil.AccountRenamer(opts.Pseudonymize, opts.Salt, cfg)
	if err != nil {
		return err
	}
	by := opts.By
	st, err := store.OpenForAnalysis(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	end, why, ok, err := analysis.DefaultEnd(ctx, st)
	if err != nil {
		return err
	}
	if !ok && opts.Period.Until == "" && opts.Period.Week == "" {
		return fmt.Errorf("no posts stored in %s yet: run copharvest sync first", store.Redact(cfg.DB))
	}
	p, err := cmdutil.ResolvePeriod(&opts.Period, loc, period.Anchor{Now: opts.Now(), DefaultEnd: end, DefaultEndReason: why, DefaultWeeks: shared.DefaultWeeks})
	if err != nil {
		return err
	}
	res, err := analysis.Run(ctx, st, analysis.Options{By: by, Period: p,
		Thresholds: thresholds, Seed: opts.Seed, Save: by == analysis.ByGraph})
	if err != nil {
		return err
	}
	if rename != nil {
		res.Rename(rename)
	}
	if res.Posts > 0 && res.Classified < res.Posts {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d of %d posts are not classified yet: run copharvest classify\n", res.Posts-res.Classified, res.Posts)
	}
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		return shared.WriteCSV(opts.IO.Out, res)
	default:
		return shared.Print(opts.IO.Out, res, opts.Format == "markdown")
	}
}
