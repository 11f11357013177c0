// Package train is `copharvest train --labels FILE.csv`: fit the learned
// classifier on hand-coded posts.
package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
)

// Options of the command.
type Options struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Labels   string
	Output   string
	Split    string
	Folds    int
	MinCount int
}

// NewCmdTrain builds the command.
func NewCmdTrain(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "train --labels FILE.csv [-o model.json]",
		Short: "Fit the classifier on hand-coded posts and write the model file",
		Long: `Fit the learned classifier — per dimension an L2-regularised logistic
regression over named features: the rules that fired, words and word pairs,
conversation context — on hand-coded posts (the CSV 'copharvest eval' reads;
the posts must be in the database). The penalty and the decision threshold of
each dimension are chosen by cross-validation, grouped by course when the
labels have a course column with three or more courses, else by thread. The
model file records its version, features, the training-set hash and the
cross-validated figures. Rows of the split 'heldout' are never used unless
--split heldout asks for them.

Use the model by naming it in the config file ('model: model.json'), then
'copharvest classify --rebuild'.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest train --labels coded.csv -o model.json
  copharvest demo --course all --db coded.db
  copharvest train --db coded.db --labels testdata/coded/labels.csv -o pkg/classify/model/builtin.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Labels == "" {
				return cmdutil.FlagErrorf("--labels FILE.csv is required")
			}
			if opts.Folds == 1 || opts.Folds < 0 {
				return cmdutil.FlagErrorf("--cv must be 0 (automatic) or at least 2")
			}
			if opts.MinCount < 1 {
				return cmdutil.FlagErrorf("--min-count must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Labels, "labels", "", "hand-coded posts (CSV)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "model.json", "model file to write (- for standard output)")
	cmd.Flags().StringVar(&opts.Split, "split", "", "only rows of this split (default: every row but heldout)")
	cmd.Flags().IntVar(&opts.Folds, "cv", 0, "cross-validation folds (0: one per course with 3+ courses, else 5)")
	cmd.Flags().IntVar(&opts.MinCount, "min-count", 3, "keep features found in at least this many posts")
	return cmd
}

// Run trains.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	labels, skipped, err := cmdutil.ReadLabelsFile(opts.Labels)
	if err != nil {
		return err
	}
	kept, left := labels[:0:0], 0
	for _, l := range labels {
		if (opts.Split == "" && l.Split != "heldout") || (opts.Split != "" && l.Split == opts.Split) {
			kept = append(kept, l)
		} else {
			left++
		}
	}
	if len(kept) == 0 {
		return cmdutil.FlagErrorf("no coded rows to train on in %s (split %q; %d rows without codes)", opts.Labels, opts.Split, skipped)
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, false) // thread roots are brought up to date
	if err != nil {
		return err
	}
	defer st.Close()
	inputs, threads, err := cmdutil.LabelledInputs(ctx, st, kept)
	if err != nil {
		return err
	}
	ex, missing := c.Examples(kept, inputs, threads)
	if len(missing) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d labelled posts are not in the database (first: %s)\n", len(missing), missing[0])
	}
	if len(ex) == 0 {
		return fmt.Errorf("none of the %d labelled posts is in %s: sync them first", len(kept), store.Redact(cfg.DB))
	}
	m, err := classify.Train(ex, classify.TrainOptions{MinCount: opts.MinCount, Folds: opts.Folds})
	if err != nil {
		return err
	}
	if err := write(opts, m); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "trained %s on %d posts (%d not coded yet, %d of other splits left out); %d-fold cross-validation by %s:\n",
		m.Version, len(ex), skipped, left, m.Training.CVFolds, m.Training.CVGroups)
	for _, d := range m.Dimensions {
		fmt.Fprintf(opts.IO.ErrOut, "  %-9s kappa %.2f [%.2f, %.2f]  precision %.2f  recall %.2f  (lambda %g, threshold %.2f, %d weights)\n",
			d.Name, d.CV.Kappa, d.CV.KappaLow, d.CV.KappaHigh, d.CV.Precision, d.CV.Recall, d.Lambda, d.Threshold, len(d.Weights))
	}
	return nil
}

// write writes the model atomically (a temporary file renamed into place).
func write(opts *Options, m *classify.Model) error {
	if opts.Output == "-" {
		return m.Write(opts.IO.Out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(opts.Output), ".model-*.json")
	if err != nil {
		return cmdutil.FlagErrorf("-o: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil { // a model is shared, not a secret
		tmp.Close()
		return fmt.Errorf("write %s: %w", opts.Output, err)
	}
	if err := m.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", opts.Output, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", opts.Output, err)
	}
	if err := os.Rename(tmp.Name(), opts.Output); err != nil {
		return fmt.Errorf("write %s: %w", opts.Output, err)
	}
	return nil
}
