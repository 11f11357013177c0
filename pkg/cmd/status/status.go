// Package status is `copharvest status`: what is stored, the cursors, the
// last runs.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmd/status/shared"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
)

// Options are status's inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	Format string
	Runs   int
	Check  bool
}

// NewCmdStatus builds the command.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what is stored: posts per tag and instance, cursors, last runs",
		Long: `Show what the database holds: posts per tag and instance, the paging
cursors, conversations still to fetch, and the last sync runs. Warns when the
last successful sync is older than max_age (config; default 2h).

With --check, status is a monitoring probe: it exits 5 when the last
successful sync is older than max_age, the last run failed (or died without
recording an outcome), posts are unclassified, or the last run rejected
malformed posts; each problem is one line on stderr.

` + cmdutil.ExitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.EnumFlag(cmd, &opts.Format, "format", "", "table", []string{"table", "markdown", "json"}, "output format")
	cmd.Flags().IntVar(&opts.Runs, "runs", 5, "how many recent runs to show")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "exit 5 when the harvest needs attention (for monitoring)")
	return cmd
}

// Run prints the status of the configured database.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DB, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := shared.Collect(ctx, st, opts.Runs, time.Duration(cfg.MaxAge), opts.Now())
	if err != nil {
		return err
	}
	if opts.Check {
		for _, p := range rep.Problems {
			fmt.Fprintln(opts.IO.ErrOut, "check: "+p)
		}
	} else if rep.Warning != "" {
		fmt.Fprintln(opts.IO.ErrOut, "warning: "+rep.Warning)
	}
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	default:
		err = shared.PrintWidth(opts.IO.Out, rep, opts.Format == "markdown", opts.IO.Width)
	}
	if err == nil && opts.Check && len(rep.Problems) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitCheck}
	}
	return err
}
