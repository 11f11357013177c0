// Package demo is `copharvest demo`: the whole harvest against an in-process
// fake Mastodon instance seeded with the embedded course, no network needed.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest"
	"github.com/oeru/copharvest/pkg/analysis"
	communitiesCmd "github.com/oeru/copharvest/pkg/cmd/communities"
	statusCmd "github.com/oeru/copharvest/pkg/cmd/status"
	syncCmd "github.com/oeru/copharvest/pkg/cmd/sync"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Options are demo's inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Now    func() time.Time
	DB     string // "" = a temporary file, removed afterwards
}

// NewCmdDemo builds the command.
func NewCmdDemo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Sync an embedded sample course from a local fake Mastodon and show the result",
		Long: `Start an in-process fake Mastodon instance serving the embedded sample course
(#cop and #ds4oers posts of OER learners), sync it into a fresh database exactly
as 'copharvest sync' would (classifying every post), and print what
'copharvest status' and 'copharvest communities' print.

No network is used. With --db the database is kept there (it must not exist
yet); otherwise a temporary database is used and removed.

` + cmdutil.ExitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("db") {
				cfg, err := opts.Config()
				if err != nil {
					return err
				}
				opts.DB = cfg.DB
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	return cmd
}

// Run performs the demo.
func Run(ctx context.Context, opts *Options) error {
	dbPath := opts.DB
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "copharvest-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbPath = filepath.Join(dir, "demo.db")
	} else if _, err := os.Stat(dbPath); !errors.Is(err, fs.ErrNotExist) {
		return cmdutil.FlagErrorf("demo wants a fresh database, and %s already exists", dbPath)
	}
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	if err := srv.LoadStatuses(bytes.NewReader(copharvest.DemoCourse)); err != nil {
		return fmt.Errorf("load the demo course: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Fake Mastodon instance at %s serving %d statuses; syncing #cop and #ds4oers into %s\n",
		srv.URL, len(srv.Statuses()), dbPath)
	cfg := config.Default()
	cfg.Instances = []string{srv.URL}
	cfg.DB = dbPath
	if base, err := opts.Config(); err == nil {
		cfg.LogFormat, cfg.Quiet = base.LogFormat, base.Quiet
	}
	err := syncCmd.Run(ctx, &syncCmd.Options{
		IO:     opts.IO,
		Config: func() (*config.Config, error) { return cfg, nil },
		Now:    opts.Now,
	})
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, dbPath, true)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := statusCmd.Collect(ctx, st, 5, 0, opts.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	if err := statusCmd.Print(opts.IO.Out, rep, false); err != nil {
		return err
	}
	// The point of it all: which groups are communities of practice, and why,
	// over the period copharvest communities takes by default (the twelve
	// weeks ending with the newest post, whatever today's date).
	end, why, _, err := analysis.DefaultEnd(ctx, st)
	if err != nil {
		return err
	}
	p, err := period.Resolve(period.Spec{}, period.Anchor{Now: opts.Now(), DefaultEnd: end, DefaultEndReason: why, DefaultWeeks: communitiesCmd.DefaultWeeks})
	if err != nil {
		return err
	}
	res, err := analysis.Run(ctx, st, analysis.Options{By: analysis.ByGraph, Period: p,
		Thresholds: community.DefaultThresholds(), Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	return communitiesCmd.Print(opts.IO.Out, res, false)
}
