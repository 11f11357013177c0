// Package eval is `copharvest eval --labels FILE.csv`: agreement between the
// classifier and hand-coded posts.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Labels string
	Split  string
	Format string
}

// NewCmdEval builds the command.
func NewCmdEval(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "eval --labels FILE.csv",
		Short: "Compare the classifier with hand-coded posts: kappa, precision, recall, F1, rule precision",
		Long: `Score the hand-coded posts (CSV: uri,domain,community,practice[,split[,note]] with
0/1 codes, see docs/codebook.md) with the current rules and compare: per
dimension Cohen's kappa, precision, recall, F1 and the confusion matrix, and
for each rule how often the dimension was truly present when it fired. The
posts must be in the database (e.g. 'copharvest demo --db course.db' for the
project's own coded set in testdata/coded/).

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest demo --db coded.db
  copharvest eval --db coded.db --labels testdata/coded/labels.csv --split heldout`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Labels == "" {
				return cmdutil.FlagErrorf("--labels FILE.csv is required")
			}
			if opts.Format != "table" && opts.Format != "markdown" && opts.Format != "json" {
				return cmdutil.FlagErrorf("--format must be table, markdown or json")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Labels, "labels", "", "hand-coded posts (CSV)")
	cmd.Flags().StringVar(&opts.Split, "split", "", "only rows of this split (e.g. heldout)")
	cmd.Flags().StringVar(&opts.Format, "format", "table", "table, markdown or json")
	return cmd
}

// Run evaluates.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	f, err := os.Open(opts.Labels)
	if err != nil {
		return cmdutil.FlagErrorf("--labels: %v", err)
	}
	labels, err := classify.ReadLabels(f)
	f.Close()
	if err != nil {
		return cmdutil.FlagErrorf("%s: %v", opts.Labels, err)
	}
	if opts.Split != "" {
		kept := labels[:0]
		for _, l := range labels {
			if l.Split == opts.Split {
				kept = append(kept, l)
			}
		}
		labels = kept
		if len(labels) == 0 {
			return cmdutil.FlagErrorf("no rows of split %q in %s", opts.Split, opts.Labels)
		}
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, l := range labels {
		wanted[l.URI] = true
	}
	results := map[string]classify.Result{}
	err = st.ClassifyRows(ctx, "", false, func(r *store.ClassifyRow) error {
		if wanted[r.URI] {
			results[r.URI] = c.Classify(analysis.Input(r))
		}
		return nil
	})
	if err != nil {
		return err
	}
	rep := classify.Evaluate(labels, results)
	if len(rep.Missing) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d labelled posts are not in the database (first: %s)\n", len(rep.Missing), rep.Missing[0])
	}
	if rep.N == 0 {
		return fmt.Errorf("none of the %d labelled posts is in %s: sync them first", len(labels), cfg.DB)
	}
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return Print(opts.IO.Out, rep, opts.Format == "markdown")
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// Print writes the dimension table, then the rule table.
func Print(w io.Writer, rep classify.Report, markdown bool) error {
	fmt.Fprintf(w, "%d hand-coded posts, rules version %s\n\n", rep.N, classify.Version)
	var rows [][]string
	for _, d := range rep.Dimensions {
		rows = append(rows, []string{d.Name, f2(d.Kappa), f2(d.Precision), f2(d.Recall), f2(d.F1), f2(d.Accuracy),
			strconv.Itoa(d.TP), strconv.Itoa(d.FP), strconv.Itoa(d.FN), strconv.Itoa(d.TN)})
	}
	if err := tableprinter.Render(w, markdown, []string{"dimension", "kappa", "precision", "recall", "F1", "accuracy", "TP", "FP", "FN", "TN"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rows = nil
	for _, r := range rep.Rules {
		kind := "for"
		if r.Negative {
			kind = "against"
		}
		rows = append(rows, []string{r.Rule, r.Dimension, kind, strconv.Itoa(r.Fired), strconv.Itoa(r.Correct), f2(r.Precision)})
	}
	return tableprinter.Render(w, markdown, []string{"rule", "dimension", "evidence", "fired", "right", "precision"}, rows)
}
