// Package cmdtest runs one command the way tests want it: fixed config and
// clock, buffered streams, the error returned rather than printed.
package cmdtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
)

// Run builds the command with newCmd on a Factory holding cfg and a clock
// stopped at now, runs it with args and returns what it wrote.
func Run(cfg *config.Config, now time.Time, newCmd func(*cmdutil.Factory) *cobra.Command, args ...string) (stdout, stderr string, err error) {
	io, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Config: func() (*config.Config, error) { return cfg, nil }, Now: func() time.Time { return now }}
	cmd := newCmd(f)
	cmd.SetArgs(args)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} }) // as the root's
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	// As root.Execute does: hints about flags and commands are added once.
	err = cmdutil.Explain(cmd.ExecuteContext(context.Background()))
	return out.String(), errOut.String(), err
}

// Parse builds the command with newCmd, its run replaced by one that keeps
// the Options, and runs it with args: the Options the flags produced (nil
// when the command refused them), and its error. What TestNewCmdX tables
// check, without opening anything.
func Parse[O any](cfg *config.Config, now time.Time, newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command, args ...string) (*O, error) {
	var got *O
	_, _, err := Run(cfg, now, func(f *cmdutil.Factory) *cobra.Command {
		return newCmd(f, func(_ context.Context, o *O) error { got = o; return nil })
	}, args...)
	return got, err
}

// ParseCase is one row of a TestNewCmdX table: the arguments, and either
// what the Options must satisfy or that they are a usage error.
type ParseCase[O any] struct {
	Args       []string
	Want       func(*O) bool
	UsageError bool
}

// CheckParse runs each case through Parse: a usage error must stop the
// command before its run; otherwise the Options must satisfy Want.
func CheckParse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cobra.Command, cases []ParseCase[O]) {
	t.Helper()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range cases {
		opts, err := Parse(config.Default(), now, newCmd, c.Args...)
		if c.UsageError {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || opts != nil {
				t.Errorf("%q: exit %d (%v), ran %v; want a usage error before the run", c.Args, cmdutil.ExitCode(err), err, opts != nil)
			}
			continue
		}
		if err != nil || opts == nil || !c.Want(opts) {
			t.Errorf("%q: %v, options %+v", c.Args, err, opts)
		}
	}
}
