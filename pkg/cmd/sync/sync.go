// Package sync is `copharvest sync`: harvest tag timelines and their
// conversations into the database.
package sync

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmd/sync/shared"
	"github.com/oeru/copharvest/pkg/cmdutil"
)

// Options are sync's inputs; tests fill them directly.
type Options = shared.Options

// Run performs one sync, or with --watch one every interval.
func Run(ctx context.Context, opts *Options) error { return shared.Run(ctx, opts) }

// NewCmdSync builds the command; runF replaces the run in tests.
func NewCmdSync(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Transport: f.Transport, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Harvest tag timelines and whole conversations into the database",
		Long: `Harvest the tag timelines of every instance and tag into the database.

The first run pages back to the beginning of each timeline (or --since); later
runs fetch only what is new, starting from the newest stored post. The whole
conversation around every new post is fetched too, because replies often do
not repeat the hashtag and some servers leave replies out of tag timelines.
Each page is committed together with its cursor: Ctrl-C or a crash loses
nothing, and the next run continues without gap or duplicate.

Requests are paced from the server's rate-limit headers, so a normal run
never meets a 429; every wait is reported.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest sync
  copharvest sync --tag cop --tag ds4oers --instance https://mastodon.oeru.org
  copharvest sync --since 2026-09-01 --quiet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Watch < 0 || (opts.Watch > 0 && opts.Watch < time.Second) {
				return cmdutil.FlagErrorf("--watch must be at least 1s")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "", "backfill no further back than this date (2026-09-01) or age (30d)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "concurrent conversation requests per instance (default 4)")
	cmd.Flags().DurationVar(&opts.MaxDuration, "max-duration", 0, "stop cleanly after this long (exit 3); the next run continues")
	cmd.Flags().BoolVar(&opts.NoInteractions, "no-interactions", false, "do not fetch who boosted or favourited posts")
	cmd.Flags().StringVar(&opts.Refresh, "refresh", "", "re-read posts younger than this for edits, deletions and counts (e.g. 14d; 0 = off; default from config, 7d)")
	cmd.Flags().DurationVar(&opts.Wait, "wait", 0, "wait this long for another sync on the same database to finish (default: exit 4 at once)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Second, "give up on a request attempt after this long (then retry)")
	cmd.Flags().DurationVar(&opts.Watch, "watch", 0, "sync again every interval (e.g. 15m) until interrupted")
	return cmd
}
