// Package classify is `copharvest classify`: score every post on domain,
// community and practice with the versioned rules.
package classify

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	classifier "github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
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
	if os.Getenv("GOGC") == "" {
		// The live heap stays a few MB while every post's text, words and
		// rules pass through it (about 13 KB a post): at the default of
		// 100 the collector ran every ~8 MB, some 180 times per 100,000
		// posts, for a tenth of the CPU time. Fewer, larger cycles cost a
		// few tens of MB.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	start := opts.Now()
	n, err := analysis.ClassifyStore(ctx, st, c, opts.Rebuild)
	if err != nil {
		return err
	}
	took := opts.Now().Sub(start)
	fmt.Fprintf(opts.IO.ErrOut, "classified %d posts with %s in %s\n", n, c.Version(), took.Round(time.Millisecond))
	return warnUnfamiliarLanguages(ctx, opts, c, st)
}

// warnUnfamiliarLanguages says when a fifth or more of the posts are in
// languages the model barely learned: their practice is under-detected,
// and verdicts lean towards "community of interest".
func warnUnfamiliarLanguages(ctx context.Context, opts *Options, c *classifier.Classifier, st *store.Store) error {
	langs, err := st.PostLanguages(ctx)
	if err != nil {
		return err
	}
	counts, total := map[string]int{}, 0
	for _, l := range langs {
		counts[l.Language] += l.Posts
		total += l.Posts
	}
	unfamiliar := c.Model().UnfamiliarLanguages(counts)
	n := 0
	var names []string
	for _, u := range unfamiliar {
		n += u.Posts
		if len(names) < 5 {
			names = append(names, fmt.Sprintf("%s %d", u.Language, u.Posts))
		}
	}
	if total == 0 || n*5 < total {
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "note: %d of %d posts (%.0f%%) are in languages the model learned from fewer than %d posts of (%s): practice is under-detected there; check with 'copharvest eval --by-language' on posts you code\n",
		n, total, 100*float64(n)/float64(total), classifier.MinTrainingPostsPerLanguage, strings.Join(names, ", "))
	return nil
}
