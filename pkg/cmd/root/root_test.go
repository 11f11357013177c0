package root

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/iostreams"
)

func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: time.Now, Getenv: func(k string) string { return env[k] }}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestUsageErrorsExit2(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	for _, args := range [][]string{
		{"sync", "--no-such-flag"},
		{"sync", "--tag", "co p"},
		{"sync", "--instance", "ftp://x.org"},
		{"sync", "--log-format", "xml"},
		{"status", "--format", "pdf"},
		{"sync", "--config", "/nonexistent/copharvest.yaml"},
	} {
		_, stderr, code := run(t, env, args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

func TestDemoPrintsStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	out, stderr, code := run(t, map[string]string{}, "demo", "--db", db, "--quiet")
	if code != 0 {
		t.Fatalf("demo exit %d: %s", code, stderr)
	}
	for _, want := range []string{"#cop", "#ds4oers", "complete", "ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// status on the kept database shows the same posts.
	out2, _, code := run(t, map[string]string{}, "status", "--db", db, "--format", "json")
	if code != 0 || !strings.Contains(out2, `"Posts": `) {
		t.Errorf("status exit %d: %s", code, out2)
	}
	// demo refuses to reuse a database.
	if _, _, code := run(t, map[string]string{}, "demo", "--db", db); code != cmdutil.ExitUsage {
		t.Errorf("demo on an existing database: exit %d, want 2", code)
	}
}

func TestStatusOnMissingDatabase(t *testing.T) {
	_, stderr, code := run(t, map[string]string{}, "status", "--db", filepath.Join(t.TempDir(), "none.db"))
	if code != cmdutil.ExitError || !strings.Contains(stderr, "run copharvest sync first") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
