// Package explain is `copharvest explain POST`: which rules fired for a post,
// with the words that matched.
package explain

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/text"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Post   string
}

// NewCmdExplain builds the command.
func NewCmdExplain(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	return &cobra.Command{
		Use:   "explain POST",
		Short: "Show why a post was classified as it was: the features that pushed each decision, with their words",
		Long: `Show the classification of one post — given by its uri, url or id on any
instance — as the current classifier makes it: per dimension the probability
and threshold, and the features that pushed the decision most, each with its
weight (added to the log-odds) and the words of the post, the rule that fired
or the conversation fact behind it. Without a model (none built in) the rules
that fired are listed with their weights.

` + cmdutil.ExitCodesHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Post = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Run explains one post.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	row, stored, err := st.ClassificationOf(ctx, opts.Post)
	if err != nil {
		return err
	}
	res, dims := c.Explain(analysis.Input(row))
	w := opts.IO.Out
	fmt.Fprintf(w, "%s by %s\n\n", safe(row.URI), safe(row.Author))
	for _, line := range strings.Split(text.FromHTML(row.HTML).Text, "\n") {
		fmt.Fprintf(w, "  > %s\n", safe(line))
	}
	if m := c.Model(); m != nil {
		fmt.Fprintf(w, "\nclassifier %s (rules %s), trained on %d coded posts\n", res.Version, classify.Version, m.Training.Examples)
	} else {
		fmt.Fprintf(w, "\nclassifier %s (no model: the rules decide)\n", res.Version)
	}
	for _, d := range dims {
		writeDimension(w, d, c.Model() != nil)
	}
	if stored != nil && stored.Version != res.Version {
		fmt.Fprintf(w, "\n(the database holds a classification by %s: run copharvest classify --rebuild)\n", stored.Version)
	}
	return nil
}

// shown is how many features explain lists per dimension.
const shown = 8

func writeDimension(w io.Writer, d classify.DimensionExplanation, model bool) {
	verdict := "absent"
	if d.Present {
		verdict = "present"
	}
	if !model {
		fmt.Fprintf(w, "\n%-9s %s (rules score %.2f)\n", d.Name, verdict, d.Probability)
		if len(d.Rules) == 0 {
			fmt.Fprintln(w, "  no rule fired")
		}
		for _, h := range d.Rules {
			fmt.Fprintf(w, "  %-3s %+.2f  %s\n", h.Rule, h.Weight, safe(strings.Join(h.Matched, ", ")))
		}
		return
	}
	cmp := ">="
	if !d.Present {
		cmp = "<"
	}
	fmt.Fprintf(w, "\n%-9s %s: probability %.2f %s threshold %.2f\n", d.Name, verdict, d.Probability, cmp, d.Threshold)
	rest := 0.0
	for i, c := range d.Contributions {
		if i >= shown {
			rest += c.Weight
			continue
		}
		fmt.Fprintf(w, "  %+6.2f  %-22s %s\n", c.Weight, safe(c.Feature), safe(c.Words))
	}
	if n := len(d.Contributions) - shown; n > 0 {
		fmt.Fprintf(w, "  %+6.2f  (%d more features)\n", rest, n)
	}
	fmt.Fprintf(w, "  %+6.2f  (bias)\n", d.Bias)
}

// safe drops control characters, so post text cannot steer the terminal.
func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
