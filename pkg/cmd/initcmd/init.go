// Package initcmd is `copharvest init`: write a starting config file.
package initcmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
)

// Options of the command.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Path   string // where to write; "" = DefaultPath
	// DefaultPath is the config file of the Factory's environment.
	DefaultPath string
	Force       bool
}

// NewCmdInit builds the command.
func NewCmdInit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, DefaultPath: config.DefaultPathIn(f.Env())}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a config file with the instance, tags and database to use",
		Long: `Write a commented config file (YAML, mode 0600) from the current settings:
--instance, --tag and --db on this command line, COPHARVEST_* variables, or
the defaults (https://mastodon.oeru.org, #cop and #ds4oers). It never
overwrites an existing file unless --force. Tokens are not written here:
use 'copharvest login'.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest init
  copharvest init --instance https://mastodon.social --tag oer --tag cop --db ~/oer.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("config") {
				opts.Path, _ = cmd.Flags().GetString("config")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing config file")
	return cmd
}

// Run writes the file.
func Run(ctx context.Context, opts *Options) error {
	path := opts.Path
	if path == "" {
		path = opts.DefaultPath
	}
	if path == "" {
		path = config.DefaultPath()
	}
	if _, err := os.Stat(path); err == nil && !opts.Force {
		return cmdutil.FlagErrorf("%s exists already; use --force to replace it", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// Read flags and environment, not the file about to be replaced.
	cfg, err := opts.Config()
	var ferr *config.FileError
	if errors.As(err, &ferr) && opts.Force {
		cfg, err = config.Default(), nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(Render(cfg)), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %s\nnext: copharvest login --instance %s (if the server wants a token), then copharvest sync\n", path, cfg.Instances[0])
	return nil
}

// Render is the config file for cfg, with a comment per key.
func Render(cfg *config.Config) string {
	quote := func(list []string) string {
		q := make([]string, len(list))
		for i, v := range list {
			q[i] = fmt.Sprintf("%q", v)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return fmt.Sprintf(`# copharvest configuration. Flags and COPHARVEST_* variables override it.
# Instances to harvest (several are fine; each keeps its own token and rate limit).
instances: %s
# Hashtags, without '#'.
tags: %s
# The SQLite database.
db: %q
# Backfill no further back than this date (2026-09-01) or age (90d); empty = everything.
since: ""
# Re-read posts younger than this for edits, deletions and counts, at most every refresh_every.
refresh: 7d
refresh_every: 24h
# Concurrent conversation requests per instance.
workers: 4
# Fetch who boosted and favourited posts (costs requests).
interactions: true
# status warns when the last successful sync is older than this.
max_age: 2h
# Messages on stderr: text or json.
log_format: text
# Directory of word lists replacing the classifier's built-in ones (see pkg/classify/lexicon).
# lexicon_dir: /path/to/lexicon

# A classifier model trained on your own coded posts (copharvest train), or "rules" for the rules alone.
# model: /path/to/model.json
# Key for export --pseudonymize (keep it secret, keep it the same across exports).
# salt: change-me
# Time zone for reports (IANA name); default: the system's.
# timezone: Pacific/Auckland
# Community verdict thresholds (see README); only the ones you change.
# thresholds:
#   min_practice_share: 0.3
`, quote(cfg.Instances), quote(cfg.Tags), cfg.DB)
}
