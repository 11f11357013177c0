// Package login is `copharvest login` and `copharvest logout`: the OAuth
// out-of-band flow with scope read, the token saved with mode 0600.
package login

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/mastodon"
)

// Options of login and logout.
type Options struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	Transport  http.RoundTripper
	TokensPath string
	Code       string // the authorization code, when not read from stdin
}

// NewCmdLogin builds `login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Transport: f.Transport, TokensPath: config.TokensPathIn(f.Env())}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Authorize copharvest (read-only) on an instance and save the token",
		Long: `Register copharvest on the instance with scope "read" only, print the address
where you authorize it, read the code the instance shows you, and save the
token in ` + config.TokensPathIn(f.Env()) + ` (mode 0600). The token is never printed.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest login --instance https://mastodon.oeru.org
  copharvest login --instance mastodon.social --code 8jT...   # code pasted as a flag`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Login(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Code, "code", "", "authorization code (otherwise read from standard input)")
	return cmd
}

// NewCmdLogout builds `logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Transport: f.Transport, TokensPath: config.TokensPathIn(f.Env())}
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the saved token of an instance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Logout(cmd.Context(), opts)
		},
	}
}

func oneInstance(cfg *config.Config) (string, error) {
	if len(cfg.Instances) != 1 {
		return "", cmdutil.FlagErrorf("give exactly one --instance (have %d)", len(cfg.Instances))
	}
	return cfg.Instances[0], nil
}

// Login runs the out-of-band OAuth flow.
func Login(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	instance, err := oneInstance(cfg)
	if err != nil {
		return err
	}
	log := cmdutil.NewLogger(opts.IO.ErrOut, cfg.LogFormat)
	anon, err := cmdutil.NewClient(instance, "", opts.Transport, 0, 0, log)
	if err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	creds, err := config.LoadTokens(opts.TokensPath)
	if err != nil {
		return err
	}
	// The app is registered once per instance and kept beside the token: a
	// code is only good for the app it was issued to, so `login --code`
	// in a later run must use the same one.
	saved := creds[instance]
	var app mastodon.App
	if saved.ClientID != "" && saved.ClientSecret != "" {
		app = anon.App(saved.ClientID, saved.ClientSecret)
	} else {
		if app, err = anon.RegisterApp(ctx, "copharvest", "https://github.com/oeru/copharvest"); err != nil {
			return cmdutil.ExplainAPIError(instance, err)
		}
		saved.ClientID, saved.ClientSecret = app.ClientID, app.ClientSecret
		creds[instance] = saved
		if err := config.SaveTokens(opts.TokensPath, creds); err != nil {
			return err
		}
	}
	code := strings.TrimSpace(opts.Code)
	if code == "" {
		fmt.Fprintf(opts.IO.ErrOut, "Open this address, sign in and authorize copharvest (read-only):\n\n  %s\n\nThen paste the code here: ", app.AuthorizeURL)
		line, err := bufio.NewReader(opts.IO.In).ReadString('\n')
		code = strings.TrimSpace(line)
		if code == "" {
			if err != nil {
				return cmdutil.FlagErrorf("no code read from standard input (%v); pass it with --code", err)
			}
			return cmdutil.FlagErrorf("no code given")
		}
	}
	token, err := anon.ExchangeCode(ctx, app, code)
	if err != nil {
		return cmdutil.ExplainAPIError(instance, err)
	}
	authed, err := cmdutil.NewClient(instance, token, opts.Transport, 0, 0, log)
	if err != nil {
		return err
	}
	acct, err := authed.VerifyCredentials(ctx)
	if err != nil {
		return cmdutil.ExplainAPIError(instance, err)
	}
	creds[instance] = config.Credential{Token: token, ClientID: app.ClientID, ClientSecret: app.ClientSecret, Account: acct}
	if err := config.SaveTokens(opts.TokensPath, creds); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Logged in to %s as @%s; token saved in %s\n", instance, acct, opts.TokensPath)
	return nil
}

// Logout forgets the instance's saved token.
func Logout(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	instance, err := oneInstance(cfg)
	if err != nil {
		return err
	}
	creds, err := config.LoadTokens(opts.TokensPath)
	if err != nil {
		return err
	}
	if _, ok := creds[instance]; !ok {
		return errors.New("no saved token for " + instance)
	}
	delete(creds, instance)
	if err := config.SaveTokens(opts.TokensPath, creds); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Forgot the token for %s. To revoke it on the server too, remove copharvest under Preferences > Account > Authorized apps.\n", instance)
	return nil
}
