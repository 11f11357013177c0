package export

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export/exporttest"
)

func run(t *testing.T, cfg *config.Config, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return cmdtest.Run(cfg, exporttest.Week47.AddDate(0, 0, 8), func(f *cmdutil.Factory) *cobra.Command { return NewCmdExport(f, nil) }, args...)
}

func courseConfig(t *testing.T) *config.Config { return exporttest.Config(t) }

func TestUsageErrorsExitTwo(t *testing.T) {
	cfg := courseConfig(t)
	for _, args := range [][]string{
		{},
		{"tweets"},
		{"posts", "--format", "xlsx"},
		{"graph", "--format", "csv"},
		{"posts", "--columns", "uri,nonsense"},
		{"posts", "--columns", "raw"},
		{"posts", "--since", "last tuesday"},
		{"posts", "--pseudonymize"}, // no salt anywhere
		{"posts", "--salt", "k"},
		{"posts", "--format", "jsonl", "--excel"},
		{"posts", "--since", "2026-11-20", "--until", "2026-11-01"},
		{"posts", "--pseudonymize", "--salt", "k", "--min-instance-accounts", "0"},
	} {
		_, _, err := run(t, cfg, args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("export %q: exit %d (%v), want 2", args, cmdutil.ExitCode(err), err)
		}
	}
}

func TestExportPostsToFileWithWindowAndColumns(t *testing.T) {
	cfg := courseConfig(t)
	path := filepath.Join(t.TempDir(), "posts.csv")
	_, stderr, err := run(t, cfg, "posts", "--since", "2026-11-16", "--until", "2026-11-23", "--columns", "uri,created_at,text", "--tz", "UTC", "-o", path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "uri,created_at,text" || len(rows) != 12 {
		t.Errorf("header %q, %d rows; want 11 W47 posts", rows[0], len(rows)-1)
	}
	if !strings.Contains(stderr, "exported 11 posts rows to "+path) {
		t.Errorf("stderr %q", stderr)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600: it holds people's words", fi.Mode().Perm())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}

func TestPseudonymizeWithConfigSaltIsStable(t *testing.T) {
	cfg := courseConfig(t)
	cfg.Salt = "ethics-approval-2026-17"
	a, _, err := run(t, cfg, "edges", "--pseudonymize")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := run(t, cfg, "edges", "--pseudonymize")
	c, _, _ := run(t, cfg, "edges", "--pseudonymize", "--salt", "another")
	if a != b || a == c || strings.Contains(a, "@mastodon") {
		t.Errorf("pseudonyms not stable per key, or names left:\n%s", a)
	}
}

func TestGraphDefaultsToGEXF(t *testing.T) {
	cfg := courseConfig(t)
	out, stderr, err := run(t, cfg, "graph", "--exclude-opted-out")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `<gexf xmlns="http://www.gexf.net/1.2draft"`) || strings.Contains(out, "cy@mastodon.social") {
		t.Errorf("graph output:\n%s", out[:min(300, len(out))])
	}
	if !strings.Contains(stderr, "5 nodes") {
		t.Errorf("stderr %q: want 5 nodes (6 accounts less cy)", stderr)
	}
}
