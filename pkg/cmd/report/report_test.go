package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export/exporttest"
)

func run(t *testing.T, cfg *config.Config, now time.Time, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return cmdtest.Run(cfg, now, func(f *cmdutil.Factory) *cobra.Command { return NewCmdReport(f, nil) }, args...)
}

func courseConfig(t *testing.T) *config.Config { return exporttest.Config(t) }

func TestDefaultIsLastFullWeekInConfiguredZone(t *testing.T) {
	cfg := courseConfig(t)
	cfg.Timezone = "Pacific/Auckland"
	// Sunday 22 Nov 20:00 UTC is Monday morning in Auckland: W47 is over there.
	out, _, err := run(t, cfg, time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"label": "2026-W47"`) || !strings.Contains(out, `"time_zone": "Pacific/Auckland"`) {
		t.Errorf("default period:\n%s", out[:min(400, len(out))])
	}
	out, _, _ = run(t, cfg, time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC), "--format", "json", "--tz", "UTC")
	if !strings.Contains(out, `"label": "2026-W46"`) {
		t.Error("--tz UTC on Sunday evening should report W46")
	}
}

func TestHTMLToFile(t *testing.T) {
	cfg := courseConfig(t)
	path := filepath.Join(t.TempDir(), "week.html")
	_, stderr, err := run(t, cfg, time.Now(), "--week", "2026-W47", "--format", "html", "-o", path, "--tz", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "<!DOCTYPE html>") || !strings.Contains(stderr, "report 2026-W47 (10 posts) written to") {
		t.Errorf("file %d bytes, stderr %q", len(data), stderr)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cfg := courseConfig(t)
	for _, args := range [][]string{
		{"--week", "2026-47"},
		{"--week", "2026-W47", "--since", "7d"},
		{"--format", "pdf"},
		{"--tz", "Mars/Olympus"},
		{"--since", "soon"},
		{"--by", "colour"},
		{"--window", "0w"},
	} {
		_, _, err := run(t, cfg, time.Now(), args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("report %q: exit %d (%v), want 2", args, cmdutil.ExitCode(err), err)
		}
	}
}

func TestMissingDatabaseSaysSyncFirst(t *testing.T) {
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "none.db")
	_, _, err := run(t, cfg, time.Now())
	if cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "sync") {
		t.Errorf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
}

func TestSinceWithCommunityWindow(t *testing.T) {
	cfg := courseConfig(t)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	out, stderr, err := run(t, cfg, now, "--since", "2026-11-16", "--until", "2026-11-23", "--window", "4w", "--format", "json", "--tz", "UTC")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, `"label": "2026-W47"`) || !strings.Contains(out, `"label": "2026-W44 to 2026-W47"`) {
		t.Errorf("dates of one ISO week and 4 community weeks:\n%s", out[:min(600, len(out))])
	}
}

func TestJSONHasNoNullLists(t *testing.T) {
	cfg := courseConfig(t)
	for _, week := range []string{"2026-W47", "2026-W30"} {
		out, _, err := run(t, cfg, time.Now(), "--week", week, "--format", "json", "--tz", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, "null") {
			t.Errorf("%s: JSON holds null:\n%s", week, out)
		}
	}
	_, stderr, _ := run(t, cfg, time.Now(), "--week", "2026-W30", "--tz", "UTC")
	if !strings.Contains(stderr, "no posts in 2026-W30; the newest week with posts is 2026-W48") {
		t.Errorf("an empty week should name the newest week with posts: %s", stderr)
	}
}

func TestPseudonymizedReportNamesNobody(t *testing.T) {
	cfg := courseConfig(t)
	for _, format := range []string{"json", "markdown", "html", "table"} {
		out, stderr, err := run(t, cfg, time.Now(), "--week", "2026-W47", "--format", format, "--tz", "UTC", "--pseudonymize", "--salt", "k")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if format == "markdown" { // every punctuation character is backslash-escaped
			out = strings.ReplaceAll(out, `\`, "")
		}
		for _, acct := range []string{exporttest.Ana, exporttest.Bo, exporttest.Cy, exporttest.Dee, exporttest.Eve, exporttest.Mal} {
			user, _, _ := strings.Cut(acct, "@")
			if strings.Contains(out, acct) || strings.Contains(out, "@"+user) || strings.Contains(out, "/"+user+"/") {
				t.Errorf("%s report names %s", format, acct)
			}
		}
		if !strings.Contains(out, "acct_") {
			t.Errorf("%s report has no pseudonym", format)
		}
	}
}

func TestOptedOutLeftOutUnlessIncluded(t *testing.T) {
	cfg := courseConfig(t)
	for _, include := range []bool{false, true} {
		args := []string{"--week", "2026-W47", "--format", "markdown", "--tz", "UTC"}
		if include {
			args = append(args, "--include-opted-out")
		}
		out, _, err := run(t, cfg, time.Now(), args...)
		if err != nil {
			t.Fatal(err)
		}
		// cy opted out (#nobot) and asked a question nobody answered.
		if got := strings.Contains(out, exporttest.Cy); got != include {
			t.Errorf("--include-opted-out=%v: report names %s: %v", include, exporttest.Cy, got)
		}
	}
}
