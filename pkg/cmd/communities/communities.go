// Package communities is `copharvest communities`: groups of people, their
// measures, and which are genuine communities of practice and why.
package communities

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	By     string
	Window string
	Format string
	Seed   int64
}

// NewCmdCommunities builds the command.
func NewCmdCommunities(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "communities",
		Short: "Find communities and say which are genuine communities of practice, and why",
		Long: `Group the people of the stored posts — by the interaction graph (replies 1.0,
mentions 0.5, boosts 0.25; Louvain, seeded so runs agree), by tag or by
instance — measure each group over the window and give its verdict:
inactive, off-domain, network, community of interest, emerging CoP or
genuine CoP (first match wins), with every criterion and its numbers.

Thresholds come from the config file's "thresholds:" mapping.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest communities
  copharvest communities --by tag --window 6w --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := analysis.ParseGrouping(opts.By); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if _, err := cmdutil.ParseWeeks(opts.Window); err != nil {
				return cmdutil.FlagErrorf("--window: %v", err)
			}
			switch opts.Format {
			case "table", "markdown", "json", "csv":
			default:
				return cmdutil.FlagErrorf("--format must be table, markdown, json or csv")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.By, "by", "graph", "group by graph, tag or instance")
	cmd.Flags().StringVar(&opts.Window, "window", "12w", "weeks up to now to measure over")
	cmd.Flags().StringVar(&opts.Format, "format", "table", "table, markdown, json or csv")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "seed of the community detection (same seed, same groups)")
	return cmd
}

// Run analyses and prints.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	by, _ := analysis.ParseGrouping(opts.By)
	weeks, _ := cmdutil.ParseWeeks(opts.Window)
	st, err := store.OpenExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := analysis.Run(ctx, st, analysis.Options{By: by, Window: cmdutil.WindowWeeks(opts.Now(), weeks),
		Thresholds: thresholds, Seed: opts.Seed, Save: by == analysis.ByGraph})
	if err != nil {
		return err
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
		return writeCSV(opts.IO.Out, res)
	default:
		return Print(opts.IO.Out, res, opts.Format == "markdown")
	}
}

func pct(v float64) string { return strconv.Itoa(int(v*100+0.5)) + "%" }

// Columns of the table and CSV, in order.
var Columns = []string{"community", "verdict", "members", "authors", "posts", "domain", "community share", "practice",
	"reply share", "reciprocity", "active weeks", "returning", "recurring pairs", "core", "shared resources"}

func row(c analysis.Community) []string {
	m := c.Metrics
	return []string{c.ID, string(c.Verdict), strconv.Itoa(m.Members), strconv.Itoa(m.Authors), strconv.Itoa(m.Posts),
		pct(m.DomainShare), pct(m.CommunityShare), pct(m.PracticeShare), pct(m.ReplyShare), pct(m.Reciprocity),
		strconv.Itoa(m.ActiveWeeks), strconv.Itoa(m.ReturningMembers), strconv.Itoa(m.RecurringPairs),
		strconv.Itoa(m.CoreSize), strconv.Itoa(m.SharedRepertoire)}
}

// Print writes the table and, under it, why each community got its verdict.
func Print(w io.Writer, res analysis.Result, markdown bool) error {
	fmt.Fprintf(w, "%d communities by %s, %s to %s (%d posts)\n\n", len(res.Communities), res.By,
		res.Window.Start.Format("2006-01-02"), res.Window.End.Add(-time.Second).Format("2006-01-02"), res.Posts)
	var rows [][]string
	for _, c := range res.Communities {
		rows = append(rows, row(c))
	}
	if err := tableprinter.Render(w, markdown, Columns, rows); err != nil {
		return err
	}
	for _, c := range res.Communities {
		fmt.Fprintf(w, "\n%s — %s: %s\n", c.ID, c.Verdict, Why(c))
	}
	return nil
}

// Why summarises the reasons: the criterion that decided the verdict and the
// ones that passed before it.
func Why(c analysis.Community) string {
	var failed, passed []string
	for _, r := range c.Reasons {
		if r.Passed {
			passed = append(passed, r.Text)
		} else {
			failed = append(failed, r.Text)
		}
	}
	if c.Verdict == community.GenuineCoP {
		return "every criterion passed: " + strings.Join(passed, "; ")
	}
	if len(failed) == 0 {
		return "no criterion failed"
	}
	return "failed: " + strings.Join(failed, "; ")
}

func writeCSV(w io.Writer, res analysis.Result) error {
	cw := csv.NewWriter(w)
	cw.Write(append(append([]string{}, Columns...), "why"))
	for _, c := range res.Communities {
		cw.Write(append(row(c), Why(c)))
	}
	cw.Flush()
	return cw.Error()
}
