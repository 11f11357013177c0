// Package root builds copharvest's command tree and runs it.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/build"
	classifyCmd "github.com/oeru/copharvest/pkg/cmd/classify"
	communitiesCmd "github.com/oeru/copharvest/pkg/cmd/communities"
	copyCmd "github.com/oeru/copharvest/pkg/cmd/copy"
	demoCmd "github.com/oeru/copharvest/pkg/cmd/demo"
	evalCmd "github.com/oeru/copharvest/pkg/cmd/eval"
	explainCmd "github.com/oeru/copharvest/pkg/cmd/explain"
	exportCmd "github.com/oeru/copharvest/pkg/cmd/export"
	initCmd "github.com/oeru/copharvest/pkg/cmd/initcmd"
	loginCmd "github.com/oeru/copharvest/pkg/cmd/login"
	reportCmd "github.com/oeru/copharvest/pkg/cmd/report"
	sampleCmd "github.com/oeru/copharvest/pkg/cmd/sample"
	statusCmd "github.com/oeru/copharvest/pkg/cmd/status"
	syncCmd "github.com/oeru/copharvest/pkg/cmd/sync"
	trainCmd "github.com/oeru/copharvest/pkg/cmd/train"
	versionCmd "github.com/oeru/copharvest/pkg/cmd/version"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/interrupt"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/text"
)

// NewCmdRoot builds the root command and every subcommand on f. It fills
// f.Config from the root's persistent flags.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	flags := &cmdutil.GlobalFlags{}
	getenv := f.Env()
	cmd := &cobra.Command{
		Use:   "copharvest",
		Short: "Harvest Mastodon hashtag communities and tell which are communities of practice",
		Long: `copharvest harvests Mastodon hashtag timelines (by default #cop and #ds4oers on
https://mastodon.oeru.org) with the whole conversation around each post, stores
them in SQLite, classifies posts on the community-of-practice triad (domain,
community, practice), and reports and exports the results.

Settings come from flags, then COPHARVEST_* environment variables, then the
config file (` + config.DefaultPathIn(getenv) + `), then the defaults.

` + cmdutil.ExitCodesHelp,
		Version:       build.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	pf := cmd.PersistentFlags()
	pf.StringVar(&flags.DB, "db", "", "database: a SQLite file, or a postgres://user@host/db URL (default "+config.DefaultDBPathIn(getenv)+")")
	pf.StringSliceVar(&flags.Instances, "instance", nil, "Mastodon instance URL; repeatable (default https://mastodon.oeru.org)")
	pf.StringSliceVar(&flags.Tags, "tag", nil, "hashtag to harvest, with or without #; repeatable (default cop, ds4oers)")
	pf.StringVar(&flags.Token, "token", "", "access token (better: COPHARVEST_TOKEN or copharvest login; never printed)")
	pf.StringVar(&flags.ConfigPath, "config", "", "config file (default "+config.DefaultPathIn(getenv)+")")
	pf.BoolVarP(&flags.Quiet, "quiet", "q", false, "print one summary line instead of progress")
	pf.StringVar(&flags.LogFormat, "log-format", "text", "messages on stderr as text or json")
	flags.Changed = func(name string) bool { return pf.Changed(name) }
	f.Config = cmdutil.ConfigResolver(flags, getenv)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: err}
	})

	cmd.AddCommand(
		initCmd.NewCmdInit(f, nil),
		syncCmd.NewCmdSync(f, nil),
		statusCmd.NewCmdStatus(f, nil),
		demoCmd.NewCmdDemo(f, nil),
		classifyCmd.NewCmdClassify(f, nil),
		explainCmd.NewCmdExplain(f, nil),
		communitiesCmd.NewCmdCommunities(f, nil),
		evalCmd.NewCmdEval(f, nil),
		sampleCmd.NewCmdSample(f, nil),
		trainCmd.NewCmdTrain(f, nil),
		reportCmd.NewCmdReport(f, nil),
		exportCmd.NewCmdExport(f, nil),
		copyCmd.NewCmdCopy(f, nil),
		loginCmd.NewCmdLogin(f, nil),
		loginCmd.NewCmdLogout(f, nil),
		versionCmd.NewCmdVersion(f),
	)
	usageArgs(cmd)
	return cmd
}

// usageArgs makes every command's argument check a usage error (exit 2),
// as it is for flags.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

// Execute runs the command tree. Cobra reports an unknown subcommand of the
// root with an untyped error; it is a usage error like any other. Hints
// about flags and commands are added here, once, for every command.
func Execute(ctx context.Context, cmd *cobra.Command) error {
	err := cmd.ExecuteContext(ctx)
	var flagErr *cmdutil.FlagError
	if err != nil && !errors.As(err, &flagErr) && strings.HasPrefix(err.Error(), "unknown command ") {
		return &cmdutil.FlagError{Err: err}
	}
	return cmdutil.Explain(err)
}

// Main runs copharvest with the process's arguments and returns the exit status.
func Main() int {
	io := iostreams.System()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// First Ctrl-C: finish the page in flight, keep it, stop (exit 3).
	// Second: stop at once (what was committed is still kept).
	soft := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		close(soft)
		fmt.Fprintln(io.ErrOut, "copharvest: stopping after the current page (Ctrl-C again to stop now)")
		<-sigs
		cancel()
	}()
	ctx = interrupt.WithSoftStop(ctx, soft)
	f := &cmdutil.Factory{IOStreams: io, Now: time.Now, Getenv: os.Getenv}
	cmd := NewCmdRoot(f)
	err := Execute(ctx, cmd)
	PrintError(f, err)
	return cmdutil.ExitCode(err)
}

// PrintError writes the error that ends the command on stderr: a
// "copharvest: ..." line, or with --log-format json one JSON object like
// every other message, carrying the exit status.
func PrintError(f *cmdutil.Factory, err error) {
	var silent *cmdutil.SilentError
	if err == nil || errors.As(err, &silent) {
		return
	}
	msg := text.ForTerminal(err.Error())
	if cfg, cerr := f.Config(); cerr == nil && cfg.LogFormat == "json" {
		cmdutil.NewLogger(f.IOStreams.ErrOut, "json").Error(msg, "exit_code", cmdutil.ExitCode(err))
		return
	}
	var flagErr *cmdutil.FlagError
	if errors.As(err, &flagErr) && !errors.Is(err, context.Canceled) {
		msg += "\nRun 'copharvest --help' for usage."
	}
	fmt.Fprintln(f.IOStreams.ErrOut, "copharvest: "+msg)
}
