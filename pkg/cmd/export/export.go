// Package export is `copharvest export`: research exports of posts,
// accounts, edges, communities and the interaction graph.
package export

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/atomicfile"
	"github.com/oeru/copharvest/pkg/build"
	"github.com/oeru/copharvest/pkg/classify"
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
	CSVRaw              bool
	GEXFVersion         string
	SelfLoops           bool
	NoDataPackage       bool
	// CommandLine is recorded in datapackage.json, secrets redacted.
	CommandLine string
}

// NewCmdExport builds the command.
func NewCmdExport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "export posts|accounts|edges|communities|graph",
		Short: "Export posts, accounts, interactions, communities (CSV, JSONL, Parquet) or the network (GEXF, GraphML)",
		Long: `Export the stored data for your own tools. Tables (posts, accounts, edges,
communities) as CSV, JSONL or Parquet with stable, documented columns
(docs/columns.md): ids as text, UTC ISO 8601 times; raw JSON in JSONL.
CSV is spreadsheet-safe: text that would run as a formula gets a leading '
(--csv-raw writes text unaltered, for analysis pipelines). Parquet has typed
columns (timestamps, booleans, integers, lists) for pandas, R, Polars, DuckDB.
The graph as GEXF 1.2draft (Gephi, networkx; --gexf-version 1.3) or GraphML
(NodeXL, igraph, vosonSML): accounts with community and verdict, and one edge
per (source, target, kind) with weight, first and last time; self-loops only
with --self-loops.

With -o FILE, datapackage.json in FILE's directory describes the file (a
Frictionless Data Package: columns and types, and how it was made: instances,
tags, period, sync runs, versions, thresholds, the command); exports into one
directory share it. Standard output gets none (--no-datapackage: never).

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
			opts.CommandLine = cmdutil.CommandLine(cmd, args)
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
	fl.StringVar(&opts.Format, "format", "", "csv, jsonl or parquet for tables (default csv); gexf or graphml for graph (default gexf)")
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
	fl.BoolVar(&opts.CSVRaw, "csv-raw", false, "CSV with text unaltered (no leading ' before formula-like cells): for analysis, not spreadsheets")
	fl.StringVar(&opts.GEXFVersion, "gexf-version", "1.2draft", "GEXF version: 1.2draft (Gephi, networkx, igraph) or 1.3 (Gephi 0.9.3+)")
	fl.BoolVar(&opts.SelfLoops, "self-loops", false, "keep accounts' replies to and mentions of themselves in the graph")
	fl.BoolVar(&opts.NoDataPackage, "no-datapackage", false, "do not write or update datapackage.json beside the -o file")
	return cmd
}

func validate(opts *Options) error {
	graph := opts.Dataset == "graph"
	formats := export.Formats(opts.Dataset)
	if opts.Format == "" {
		opts.Format = formats[0]
	}
	if opts.GEXFVersion == "" {
		opts.GEXFVersion = export.GEXFVersions[0]
	}
	switch {
	case !slices.Contains(formats, opts.Format):
		return cmdutil.FlagErrorf("export %s: --format must be %s", opts.Dataset, strings.Join(formats, " or "))
	case opts.MinInstanceAccounts < 1:
		return cmdutil.FlagErrorf("--min-instance-accounts must be 1 or more")
	case opts.CSVRaw && opts.Format != "csv":
		return cmdutil.FlagErrorf("--csv-raw applies to CSV only")
	case opts.CSVRaw && opts.Excel:
		return cmdutil.FlagErrorf("--csv-raw and --excel do not go together: --excel makes a spreadsheet-safe file, --csv-raw one for analysis")
	case opts.Format == "parquet" && (opts.Output == "" || opts.Output == "-") && opts.IO != nil && opts.IO.StdoutTTY:
		return cmdutil.FlagErrorf("Parquet is binary: give -o FILE, or redirect standard output")
	case !slices.Contains(export.GEXFVersions, opts.GEXFVersion):
		return cmdutil.FlagErrorf("--gexf-version must be %s", strings.Join(export.GEXFVersions, " or "))
	case opts.GEXFVersion != "1.2draft" && opts.Format != "gexf":
		return cmdutil.FlagErrorf("--gexf-version applies to export graph --format gexf")
	case opts.SelfLoops && !graph:
		return cmdutil.FlagErrorf("--self-loops applies to export graph")
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
		MinInstanceAccounts: opts.MinInstanceAccounts, Location: loc, Now: now,
		CSVRaw: opts.CSVRaw, GEXFVersion: opts.GEXFVersion, SelfLoops: opts.SelfLoops}

	toFile := opts.Output != "" && opts.Output != "-"
	var dpPath string
	if toFile && !opts.NoDataPackage {
		dpPath = filepath.Join(filepath.Dir(opts.Output), export.DataPackageName)
		if err := export.CheckDataPackage(dpPath); err != nil {
			return err
		}
	}
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
	if !toFile {
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
		if dpPath != "" {
			if err := writeDataPackage(ctx, st, cfg, opts, dpPath, eo, stats); err != nil {
				return fmt.Errorf("%s is written, but its description is not: %w", opts.Output, err)
			}
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
		if dpPath != "" {
			fmt.Fprintf(opts.IO.ErrOut, "described it in %s\n", dpPath)
		}
		if stats.SelfLoops > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "left out %d self-loops (an account replying to or mentioning itself); --self-loops keeps them\n", stats.SelfLoops)
		}
		if stats.Neutralized > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "note: %d text cells start like a spreadsheet formula (=, +, -, @) and got a leading ' so spreadsheets show them as text; --csv-raw (or --format jsonl/parquet) keeps text unaltered\n", stats.Neutralized)
		}
	}
	if opts.Dataset == "communities" && stats.Rows == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "warning: no communities are stored yet: run copharvest communities first")
	}
	return nil
}

// writeDataPackage describes the written file in the data package beside it.
func writeDataPackage(ctx context.Context, st *store.Store, cfg *config.Config, opts *Options, path string, eo export.Options, stats export.Stats) error {
	harvest, err := st.HarvestInfo(ctx)
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	prov := export.Provenance{
		CopharvestVersion: build.String(), Command: opts.CommandLine, ExportedAt: eo.Now.UTC(),
		Dataset: opts.Dataset, Format: opts.Format, Rows: stats.Rows, Period: export.NewPeriod(eo.Filter),
		ClassifierVersion: classify.Version,
		ClassifierThresholds: map[string]float64{"domain": classify.DefaultThresholds.Domain,
			"community": classify.DefaultThresholds.Community, "practice": classify.DefaultThresholds.Practice},
		CommunityThresholds: thresholds, ExcludeOptedOut: opts.ExcludeOptedOut, Pseudonymized: opts.Pseudonymize,
	}
	prov.SetHarvest(harvest)
	var columns []export.Column
	if opts.Dataset == "graph" {
		prov.Edges = &stats.Edges
	} else {
		if columns, err = export.SelectedColumns(opts.Dataset, opts.Format, opts.Columns); err != nil {
			return err
		}
	}
	if opts.Format == "csv" {
		neutralized := !opts.CSVRaw
		prov.CSVFormulasNeutralized = &neutralized
		prov.CSVListSeparator = export.ListSeparator
	}
	return export.WriteDataPackage(path, opts.Output, columns, prov, opts.Excel)
}
