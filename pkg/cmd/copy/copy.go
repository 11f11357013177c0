// Package copy is `copharvest copy`: move a database between SQLite and
// PostgreSQL (either direction), verified by row counts and a checksum.
package copy

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// Options are copy's inputs.
type Options struct {
	IO      *iostreams.IOStreams
	From    string
	To      string
	Replace bool
}

// NewCmdCopy builds the command.
func NewCmdCopy(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "copy --from SRC --to DST",
		Short: "Copy a database between SQLite and PostgreSQL, verified",
		Long: `Copy every row of one database into another, keeping ids: a SQLite file
into PostgreSQL when a team outgrows one file, or PostgreSQL back into a file
to take a snapshot away. SRC and DST are each a file path or a
postgres://user@host/db URL (the password from PGPASSWORD or ~/.pgpass rather
than the URL keeps it out of shell history).

DST is created and migrated if needed and must be empty unless --replace,
which deletes what it holds first. The copy is one transaction; afterwards the
rows of every table are counted on both sides and the posts are checksummed
on both sides: copy prints both and fails unless they agree.

` + cmdutil.ExitCodesHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.From == "" || opts.To == "" {
				return cmdutil.FlagErrorf("give both --from and --to")
			}
			if opts.From == opts.To {
				return cmdutil.FlagErrorf("--from and --to name the same database")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the database to copy: a file path or a postgres:// URL")
	cmd.Flags().StringVar(&opts.To, "to", "", "the database to copy into: a file path or a postgres:// URL")
	cmd.Flags().BoolVar(&opts.Replace, "replace", false, "delete what the destination holds before copying")
	return cmd
}

// Run copies and prints the verification.
func Run(ctx context.Context, opts *Options) error {
	src, err := store.Open(ctx, opts.From, true)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, opts.To, false)
	if err != nil {
		return err
	}
	defer dst.Close()
	res, err := src.CopyTo(ctx, dst, opts.Replace)
	var notEmpty *store.NotEmptyError
	if errors.As(err, &notEmpty) {
		return cmdutil.FlagErrorf("%v: give --replace to overwrite it", err)
	}
	if res.Tables != nil {
		var rows [][]string
		for _, t := range res.Tables {
			rows = append(rows, []string{t.Table, fmt.Sprint(t.From), fmt.Sprint(t.To)})
		}
		if perr := tableprinter.RenderWidth(opts.IO.Out, false, opts.IO.Width, []string{"table", "rows (from)", "rows (to)"}, rows); perr != nil {
			return perr
		}
		fmt.Fprintf(opts.IO.Out, "posts checksum (SHA-256) %s: %s\n", src.Path(), res.FromChecksum)
		fmt.Fprintf(opts.IO.Out, "posts checksum (SHA-256) %s: %s\n", dst.Path(), res.ToChecksum)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "copied %s to %s: counts and checksum agree\n", src.Path(), dst.Path())
	return nil
}
