package login

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

const token = "tok-login-9f8e7d-secret"

func setup(t *testing.T, srv *mastodontest.Server, stdin string) (*Options, func() string) {
	t.Helper()
	io, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	cfg := config.Default()
	cfg.Instances = []string{srv.URL}
	return &Options{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, TokensPath: filepath.Join(t.TempDir(), "cfg", "tokens.yaml")},
		func() string { return out.String() + errOut.String() }
}

func TestLoginSavesTokenPrivatelyAndNeverPrintsIt(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Token: token})
	defer srv.Close()
	opts, output := setup(t, srv, mastodontest.GoodCode+"\n")
	if err := Login(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(output(), token) {
		t.Fatal("login printed the token")
	}
	if !strings.Contains(output(), "/oauth/authorize") || !strings.Contains(output(), "scope=read") {
		t.Errorf("no read-only authorize URL in %q", output())
	}
	st, err := os.Stat(opts.TokensPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %o, want 600", st.Mode().Perm())
	}
	creds, err := config.LoadTokens(opts.TokensPath)
	if err != nil || creds[srv.URL].Token != token {
		t.Fatalf("saved credentials: %v (token saved: %v)", err, creds[srv.URL].Token == token)
	}
	if err := Logout(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	creds, _ = config.LoadTokens(opts.TokensPath)
	if _, ok := creds[srv.URL]; ok {
		t.Error("logout kept the token")
	}
	data, _ := os.ReadFile(opts.TokensPath)
	if strings.Contains(string(data), token) {
		t.Error("the token is still in the file")
	}
}

func TestLoginBadCodeAndNoCode(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Token: token})
	defer srv.Close()
	opts, _ := setup(t, srv, "wrong-code\n")
	if err := Login(context.Background(), opts); err == nil {
		t.Fatal("a wrong code was accepted")
	}
	// The registered app is kept (0600) so that a later --code can use it,
	// but no token.
	creds, err := config.LoadTokens(opts.TokensPath)
	if err != nil || creds[srv.URL].ClientID == "" || creds[srv.URL].Token != "" {
		t.Errorf("after a failed login: %v, app %q, token saved %v", err, creds[srv.URL].ClientID, creds[srv.URL].Token != "")
	}
	opts, _ = setup(t, srv, "")
	err = Login(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--code") {
		t.Errorf("no code: exit %d, %v", cmdutil.ExitCode(err), err)
	}
}
