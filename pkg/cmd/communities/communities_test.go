package communities

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export/exporttest"
)

func run(t *testing.T, cfg *config.Config, args ...string) (string, string, error) {
	t.Helper()
	return cmdtest.Run(cfg, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), func(f *cmdutil.Factory) *cobra.Command { return NewCmdCommunities(f, nil) }, args...)
}

// TestCSVHasEveryJSONFieldAsNumbers reads both outputs of the same run and
// checks that each metric of the JSON is in the CSV, as a number.
func TestCSVHasEveryJSONFieldAsNumbers(t *testing.T) {
	cfg := exporttest.Config(t)
	out, stderr, err := run(t, cfg, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res analysis.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Communities []map[string]any `json:"communities"`
	}
	json.Unmarshal([]byte(out), &raw)
	out, _, err = run(t, cfg, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(res.Communities)+1 || len(res.Communities) == 0 {
		t.Fatalf("%d CSV rows for %d communities", len(rows), len(res.Communities))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	// Every key of the JSON community and of its metrics is a column.
	for key, v := range raw.Communities[0] {
		if key == "metrics" {
			for mk := range v.(map[string]any) {
				name := mk
				if mk == "members" {
					name = "member_count"
				}
				if _, ok := col[name]; !ok {
					t.Errorf("metric %s is not a CSV column", mk)
				}
			}
			continue
		}
		if _, ok := col[key]; !ok && key != "activity" {
			t.Errorf("JSON field %s is not a CSV column", key)
		}
	}
	for i, c := range res.Communities {
		row := rows[i+1]
		m := reflect.ValueOf(c.Metrics)
		for j := 0; j < m.NumField(); j++ {
			tag := strings.Split(m.Type().Field(j).Tag.Get("json"), ",")[0]
			if tag == "members" {
				tag = "member_count"
			}
			f := m.Field(j)
			cell := row[col[tag]]
			switch f.Kind() {
			case reflect.Int:
				if cell != strconv.Itoa(int(f.Int())) {
					t.Errorf("%s %s: CSV %q, JSON %d", c.ID, tag, cell, f.Int())
				}
			case reflect.Float64:
				if got, err := strconv.ParseFloat(cell, 64); err != nil || got != f.Float() {
					t.Errorf("%s %s: CSV %q is not the number %v", c.ID, tag, cell, f.Float())
				}
			}
		}
		if row[col["verdict"]] != string(c.Verdict) || row[col["why"]] != c.Why || row[col["period_label"]] != res.Period.Label {
			t.Errorf("%s: verdict/why/period cells %q %q %q", c.ID, row[col["verdict"]], row[col["why"]], row[col["period_label"]])
		}
		if got, _ := strconv.ParseFloat(row[col["stability"]], 64); got != c.Stability {
			t.Errorf("%s stability %q", c.ID, row[col["stability"]])
		}
	}
}

// TestJSONIsSnakeCaseWithEmptyLists: no Go field names, no null lists.
func TestJSONIsSnakeCaseWithEmptyLists(t *testing.T) {
	cfg := exporttest.Config(t)
	// A period with no post at all: every list is empty.
	for _, args := range [][]string{{"--format", "json"}, {"--format", "json", "--week", "2026-W30", "--window", "1w"}} {
		out, stderr, err := run(t, cfg, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		if strings.Contains(out, "null") {
			t.Errorf("%v: JSON holds null:\n%s", args, out)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if k != strings.ToLower(k) || strings.Contains(k, " ") {
						t.Errorf("%v: key %q is not snake_case", args, k)
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		var doc any
		json.Unmarshal([]byte(out), &doc)
		walk(doc)
	}
}

func TestOutputNamesPeriodAndAccounting(t *testing.T) {
	cfg := exporttest.Config(t)
	out, _, err := run(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Communities by graph, 2026-W", "12 weeks by default, ending with the week of the newest stored post (2026-11-", "authors in", "why: ", "trajectory: ", "members ("} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	md, _, _ := run(t, cfg, "--format", "markdown")
	if !strings.HasPrefix(md, "**Communities by graph") || !strings.Contains(md, "|:---") || !strings.Contains(md, "\n### ") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestPseudonymizeHidesMembersAndNames(t *testing.T) {
	cfg := exporttest.Config(t)
	plain, _, _ := run(t, cfg, "--format", "json")
	out, stderr, err := run(t, cfg, "--format", "json", "--pseudonymize", "--salt", "k")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var res analysis.Result
	json.Unmarshal([]byte(plain), &res)
	for _, c := range res.Communities {
		for _, m := range c.Members {
			user, _, _ := strings.Cut(m, "@")
			if strings.Contains(out, user+"@") || strings.Contains(out, `"`+user+"+") || strings.Contains(out, "+"+user+`"`) {
				t.Errorf("pseudonymised output names %s", m)
			}
		}
	}
	if !strings.Contains(out, `"acct_`) {
		t.Error("no pseudonym in the output")
	}
	if _, _, err := run(t, cfg, "--salt", "k"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("--salt without --pseudonymize: exit %d", cmdutil.ExitCode(err))
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cfg := exporttest.Config(t)
	for _, args := range [][]string{
		{"--by", "colour"}, {"--format", "pdf"}, {"--window", "0w"}, {"--week", "2026-47"},
		{"--since", "soon"}, {"--since", "7d", "--window", "2w"}, {"--tz", "Mars/Olympus"},
		{"--since", "2026-12-01", "--until", "2026-11-01"},
	} {
		if _, _, err := run(t, cfg, args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%v), want 2", args, cmdutil.ExitCode(err), err)
		}
	}
}

func TestEmptyDatabaseSaysSyncFirst(t *testing.T) {
	cfg := config.Default()
	cfg.DB = filepath.Join(t.TempDir(), "empty.db")
	_, _, err := run(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "sync") {
		t.Errorf("empty database: %v", err)
	}
}
