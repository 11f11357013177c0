// Package explain is `copharvest explain POST`: which rules fired for a post,
// with the words that matched.
package explain

import (
	"context"
	"fmt"
	"io"
	"strings"

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
		Short: "Show why a post was classified as it was: the rules that fired and the words they matched",
		Long: `Show the classification of one post — given by its uri, url or id on any
instance — with every rule that fired, its weight and the words, tags, links
or structure that made it fire, scored by the current rules.

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
	res := c.Classify(analysis.Input(row))
	w := opts.IO.Out
	fmt.Fprintf(w, "%s by %s\n\n", row.URI, row.Author)
	for _, line := range strings.Split(text.FromHTML(row.HTML).Text, "\n") {
		fmt.Fprintf(w, "  > %s\n", line)
	}
	fmt.Fprintf(w, "\nrules version %s\n", res.Version)
	dims := []struct {
		name string
		d    classify.Dimension
	}{{"domain", res.Domain}, {"community", res.Community}, {"practice", res.Practice}}
	for _, x := range dims {
		writeDimension(w, x.name, x.d)
	}
	if stored != nil && stored.Version != res.Version {
		fmt.Fprintf(w, "\n(the database holds a classification by rules version %s: run copharvest classify)\n", stored.Version)
	}
	return nil
}

func writeDimension(w io.Writer, name string, d classify.Dimension) {
	verdict := "absent"
	if d.Present {
		verdict = "present"
	}
	fmt.Fprintf(w, "\n%-9s %s (score %.2f)\n", name, verdict, d.Score)
	if len(d.Hits) == 0 {
		fmt.Fprintln(w, "  no rule fired")
	}
	for _, h := range d.Hits {
		fmt.Fprintf(w, "  %-3s %+.2f  %s\n", h.Rule, h.Weight, strings.Join(h.Matched, ", "))
	}
}
