// Package export is `copharvest export`: research exports of posts,
// accounts, edges, communities and the interaction graph.
package export

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/atomicfile"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of the command.
type Options struct {
	IO              *iostreams.IOStreams
	Config          func() (*config.Config, error)
	Now             func() time.Time
	Dataset         string
	Format          string
	Columns         []string
	Period          cmdutil.PeriodFlags
	Output          string
	Excel           bool
	Pseudonymize    bool
	Salt            string
	ExcludeOptedOut bool
	// MinInstanceAccounts: with --pseudonymize, smaller instances are "other".
	MinInstanceAccounts int
}

// NewCmdExport builds the command.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "export posts|accounts|edges|communities|graph",
		Short: "Export posts, accounts, interactions, communities (CSV, JSONL) or the network (GEXF, GraphML)",
		Long: `Export the stored data for your own tools. Tables (posts, accounts, edges,
communities) as CSV or JSONL with stable, documented columns (docs/columns.md):
ids as text, UTC ISO 8601 times, cells that would run as spreadsheet formulas
neutralised; raw JSON only in JSONL. The graph as GEXF 1.3 (Gephi) or GraphML
(NodeXL, igraph, vosonSML): accounts with community and verdict, and one edge
per (source, target, kind) with weight, first and last time.

--since/--until take a date (2026-11-01), an RFC 3339 time, or an age (30d)
and select posts by creation time (edges and graph: by their post).
--pseudonymize replaces accounts, @mentions, display names and links to
profiles and posts in text, and post uris with keyed hashes (key: the
config's salt or --salt; same key, same pseudonyms), drops names, urls,
notes and raw JSON, and writes instances with fewer than
--min-instance-accounts accounts as "other". --exclude-opted-out leaves out
accounts that opted out of indexing, their posts and their edges, and
replaces their handles, names, links and reply-to fields in other people's
posts by [opted-out].

Exports stream: a million posts need no more memory than a hundred.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest export posts -o posts.csv
  copharvest export posts --format jsonl --since 2026-11-01 --pseudonymize -o posts.jsonl
  copharvest export posts --columns uri,created_at,author,text --excel -o posts.csv
  copharvest export graph --format gexf --exclude-opted-out -o network.gexf`,
		ValidArgs: []string{"posts", "accounts", "edges", "communities", "graph"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(cmd.ValidArgs, args[0]) {
				return cmdutil.FlagErrorf("say what to export: posts, accounts, edges, communities or graph")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dataset = args[0]
			if err := validate(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", "", "csv or jsonl for tables (default csv); gexf or graphml for graph (default gexf)")
	fl.StringSliceVar(&opts.Columns, "columns", nil, "columns to write, in this order (default: all; see docs/columns.md)")
	cmdutil.AddPeriodFlags(fl, &opts.Period, cmdutil.PeriodHelp{
		Week:   "only the posts of this ISO week (or of the --window weeks ending with it), e.g. 2026-W47",
		Window: "only the posts of this many weeks ending with --until, --week or the newest stored post's week",
	})
	fl.StringVarP(&opts.Output, "output", "o", "", "write to FILE instead of standard output")
	fl.BoolVar(&opts.Excel, "excel", false, "CSV for Excel: UTF-8 byte order mark, CRLF, long numeric ids kept whole")
	fl.BoolVar(&opts.Pseudonymize, "pseudonymize", false, "replace accounts and post uris by keyed hashes")
	fl.StringVar(&opts.Salt, "salt", "", "key for --pseudonymize (default: salt in the config file)")
	fl.BoolVar(&opts.ExcludeOptedOut, "exclude-opted-out", false, "leave out accounts that opted out (#nobot, #noindex, #nosearch, noindex, not indexable)")
	fl.IntVar(&opts.MinInstanceAccounts, "min-instance-accounts", export.DefaultMinInstanceAccounts,
		"with --pseudonymize, write instances with fewer accounts in the data as \""+export.SmallInstance+"\"")
	return cmd
}

func validate(opts *Options) error {
	graph := opts.Dataset == "graph"
	formats := export.Formats(opts.Dataset)
	if opts.Format == "" {
		opts.Format = formats[0]
	}
	switch {
	case !slices.Contains(formats, opts.Format):
		return cmdutil.FlagErrorf("export %s: --format must be %s", opts.Dataset, strings.Join(formats, " or "))
	case opts.MinInstanceAccounts < 1:
		return cmdutil.FlagErrorf("--min-instance-accounts must be 1 or more")
	case graph && len(opts.Columns) > 0:
		return cmdutil.FlagErrorf("--columns applies to posts, accounts, edges and communities")
	case opts.Excel && opts.Format != "csv":
		return cmdutil.FlagErrorf("--excel applies to CSV only")
	case opts.Salt != "" && !opts.Pseudonymize:
		return cmdutil.FlagErrorf("--salt is the key of --pseudonymize; give both")
	}
	if !graph {
		if _, err := export.SelectColumns(opts.Dataset, opts.Format, opts.Columns); err != nil {
			return cmdutil.FlagErrorf("--columns: %v", err)
		}
	}
	return opts.Period.Check()
}

// Run writes the export.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	loc, err := cmdutil.Location(opts.Period.TZ, cfg)
	if err != nil {
		return err
	}
	now := opts.Now()
	st, err := store.Open(ctx, cfg.DB, true)
	if err != nil {
		return err
	}
	defer st.Close()
	// No flag: every stored post. A window alone ends with the newest
	// stored post's week, as communities does, never with today.
	anchor := period.Anchor{Now: now}
	if opts.Period.Window != "" && opts.Period.Until == "" && opts.Period.Week == "" {
		if anchor.DefaultEnd, anchor.DefaultEndReason, _, err = analysis.DefaultEnd(ctx, st); err != nil {
			return err
		}
	}
	p, err := cmdutil.ResolvePeriod(&opts.Period, loc, anchor)
	if err != nil {
		return err
	}
	filter := store.ExportFilter{Since: p.Since, Until: p.Until}
	filter.ExcludeOptedOut = opts.ExcludeOptedOut
	eo := export.Options{Filter: filter, Format: opts.Format, Columns: opts.Columns, Excel: opts.Excel,
		MinInstanceAccounts: opts.MinInstanceAccounts, Location: loc, Now: now}
	if opts.Pseudonymize {
		key := opts.Salt
		if key == "" {
			key = cfg.Salt
		}
		if eo.Pseudonymizer, err = export.NewPseudonymizer(key); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
	}
	write := func(w io.Writer) (export.Stats, error) {
		if opts.Dataset == "graph" {
			return export.Graph(ctx, st, w, eo)
		}
		return export.Table(ctx, st, opts.Dataset, w, eo)
	}
	var stats export.Stats
	if opts.Output == "" || opts.Output == "-" {
		if stats, err = write(opts.IO.Out); err != nil {
			return err
		}
	} else {
		out, err := atomicfile.Create(opts.Output)
		if err != nil {
			return err
		}
		defer out.Abort()
		if stats, err = write(out); err != nil {
			return err
		}
		if err := out.Commit(); err != nil {
			return err
		}
	}
	dest := opts.Output
	if dest == "" || dest == "-" {
		dest = "standard output"
	}
	what := fmt.Sprintf("%d %s rows", stats.Rows, opts.Dataset)
	if opts.Dataset == "graph" {
		what = fmt.Sprintf("%d nodes and %d edges", stats.Rows, stats.Edges)
	}
	if !cfg.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "exported %s to %s; period %s (%s)\n", what, dest, p.Label, p.Reason)
	}
	if opts.Dataset == "communities" && stats.Rows == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "warning: no communities are stored yet: run copharvest communities first")
	}
	return nil
}
