// Package classify is `copharvest classify`: score every post on domain,
// community and practice with the versioned rules.
package classify

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
)

// Options of the command.
type Options struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Now     func() time.Time
	Rebuild bool
}

// NewCmdClassify builds the command.
func NewCmdClassify(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "classify",
		Short: "Score posts on domain, community and practice (sync does it for new posts)",
		Long: `Score each stored post on the three elements of a community of practice —
domain, community, practice — with the learned model (built in, or the file
named by model: in the config; see 'copharvest train') over named features,
among them the rules (D1.., C1.., P1..). Each post keeps its probabilities,
decisions, the rules that fired with their matched words, and the model
version. Only posts not yet classified by this version are scored, unless
--rebuild. Word lists can be replaced without recompiling: put files named
like the built-in ones in the directory named by lexicon_dir in the config
(see 'copharvest explain' for what pushed a decision).

` + cmdutil.ExitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Rebuild, "rebuild", false, "score every post again, not only new or changed ones")
	return cmd
}

// Run classifies.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	start := opts.Now()
	n, err := analysis.ClassifyStore(ctx, st, c, opts.Rebuild)
	if err != nil {
		return err
	}
	took := opts.Now().Sub(start)
	fmt.Fprintf(opts.IO.ErrOut, "classified %d posts with %s in %s\n", n, c.Version(), took.Round(time.Millisecond))
	return nil
}
