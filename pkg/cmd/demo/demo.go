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
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest"
	"github.com/oeru/copharvest/pkg/analysis"
	communities "github.com/oeru/copharvest/pkg/cmd/communities/shared"
	status "github.com/oeru/copharvest/pkg/cmd/status/shared"
	harvestrun "github.com/oeru/copharvest/pkg/cmd/sync/shared"
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
	Course string // an embedded coded course, or "all"
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
yet); otherwise a temporary database is used and removed. --course picks
another of the hand-coded courses of testdata/coded/courses (or all of them),
e.g. to evaluate or train the classifier on them.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest demo
  copharvest demo --course all --db coded.db
  copharvest eval --db coded.db --labels testdata/coded/labels.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Course != "all" && !slices.Contains(copharvest.CodedCourses(), opts.Course) {
				return cmdutil.FlagErrorf("--course must be all or one of %s", strings.Join(copharvest.CodedCourses(), ", "))
			}
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
	cmd.Flags().StringVar(&opts.Course, "course", copharvest.DemoCourseName, "hand-coded course to serve: "+strings.Join(copharvest.CodedCourses(), ", ")+" or all")
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
	// The fake is in-process: a rate limit would only make all courses at once wait.
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 100000})
	defer srv.Close()
	courses := []string{opts.Course}
	if opts.Course == "all" {
		courses = copharvest.CodedCourses()
	} else if opts.Course == "" {
		courses = []string{copharvest.DemoCourseName}
	}
	for _, name := range courses {
		data, err := copharvest.CodedCourse(name)
		if err == nil {
			err = srv.LoadStatuses(bytes.NewReader(data))
		}
		if err != nil {
			return fmt.Errorf("load the demo course: %w", err)
		}
	}
	cfg := config.Default()
	cfg.Tags = courseTags(srv.Statuses(), cfg.Tags)
	fmt.Fprintf(opts.IO.ErrOut, "Fake Mastodon instance at %s serving %d statuses; syncing #%s into %s\n",
		srv.URL, len(srv.Statuses()), strings.Join(cfg.Tags, " and #"), dbPath)
	cfg.Instances = []string{srv.URL}
	cfg.DB = dbPath
	if base, err := opts.Config(); err == nil {
		cfg.LogFormat, cfg.Quiet = base.LogFormat, base.Quiet
	}
	err := harvestrun.Run(ctx, &harvestrun.Options{
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
	rep, err := status.Collect(ctx, st, 5, 0, opts.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	if err := status.Print(opts.IO.Out, rep, false); err != nil {
		return err
	}
	// The point of it all: which groups are communities of practice, and why,
	// over the period copharvest communities takes by default (the twelve
	// weeks ending with the newest post, whatever today's date).
	end, why, _, err := analysis.DefaultEnd(ctx, st)
	if err != nil {
		return err
	}
	p, err := period.Resolve(period.Spec{}, period.Anchor{Now: opts.Now(), DefaultEnd: end, DefaultEndReason: why, DefaultWeeks: communities.DefaultWeeks})
	if err != nil {
		return err
	}
	res, err := analysis.Run(ctx, st, analysis.Options{By: analysis.ByGraph, Period: p,
		Thresholds: community.DefaultThresholds(), Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	return communities.Print(opts.IO.Out, res, false)
}

// courseTags returns the tags to sync so that every tagged top-level post of
// the course is harvested: the given ones, then for each post that carries
// none of them its first tag (the courses' writers chose their own tags).
func courseTags(statuses []mastodontest.Status, tags []string) []string {
	tags = slices.Clone(tags)
	for _, st := range statuses {
		if st.InReplyToID != "" || len(st.Tags) == 0 {
			continue
		}
		if !slices.ContainsFunc(st.Tags, func(t mastodontest.Tag) bool { return slices.Contains(tags, strings.ToLower(t.Name)) }) {
			tags = append(tags, strings.ToLower(st.Tags[0].Name))
		}
	}
	return tags
}
