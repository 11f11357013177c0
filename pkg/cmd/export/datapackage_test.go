package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oeru/copharvest/internal/testenv"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/iostreams"
)

// validateDataPackage checks the descriptor at path against the published
// Data Package JSON Schemas (testdata/datapackage, copied from the npm
// package datapackage) with Debian's python3-jsonschema: the package
// against data-package.json, each tabular resource against
// tabular-data-resource.json, any other against data-resource.json.
func validateDataPackage(t *testing.T, path string) error {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jsonschema").Run(); err != nil {
		testenv.Missing(t, "Debian python3-jsonschema is not installed (.ci/run installs it): %v", err)
	}
	profiles, _ := filepath.Abs("../../../testdata/datapackage")
	cmd := exec.Command(python, "-c", `
import json, sys, os
from jsonschema import Draft4Validator
profiles, path = sys.argv[1], sys.argv[2]
def schema(name):
    return json.load(open(os.path.join(profiles, name + ".json")))
dp = json.load(open(path))
errors = [e.message for e in Draft4Validator(schema("data-package")).iter_errors(dp)]
for r in dp["resources"]:
    profile = r.get("profile", "data-resource")
    errors += [r["name"] + ": " + e.message for e in Draft4Validator(schema(profile)).iter_errors(r)]
print("\n".join(errors))
sys.exit(1 if errors else 0)`, profiles, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s does not validate against the Data Package schema: %v\n%s%s", path, err, out, stderr.String())
	}
	return nil
}

type descriptor struct {
	Profile   string `json:"profile"`
	Resources []struct {
		Name, Path, Format, Profile string
		Schema                      *struct {
			Fields []struct {
				Name, Type  string
				TrueValues  []string `json:"trueValues"`
				Description string
			}
			PrimaryKey []string `json:"primaryKey"`
		}
		Copharvest export.Provenance
	}
	Copharvest export.Provenance
}

// TestDataPackageDescribesExports: three exports into one directory make
// one datapackage.json with three resources that validates against the
// published schema and says how each file was made, secrets left out.
func TestDataPackageDescribesExports(t *testing.T) {
	cfg := courseConfig(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"posts", "--since", "2026-11-16", "--pseudonymize", "--salt", "very-secret-key", "-o", filepath.Join(dir, "posts.csv")},
		{"accounts", "--format", "parquet", "-o", filepath.Join(dir, "accounts.parquet")},
		{"graph", "-o", filepath.Join(dir, "network.gexf")},
		{"posts", "--format", "jsonl", "--tz", "UTC", "-o", filepath.Join(dir, "posts.jsonl")},
		{"posts", "--since", "2026-11-16", "--pseudonymize", "--salt", "very-secret-key", "-o", filepath.Join(dir, "posts.csv")}, // again: replaces its resource
	} {
		if _, stderr, err := run(t, cfg, args...); err != nil || !strings.Contains(stderr, "described it in "+filepath.Join(dir, "datapackage.json")) {
			t.Fatalf("export %q: %v; stderr %q", args, err, stderr)
		}
	}
	path := filepath.Join(dir, "datapackage.json")
	if err := validateDataPackage(t, path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	// The validator is strict: a resource name with capitals, or a field
	// type the spec does not know, fails.
	for _, broken := range []string{strings.Replace(string(data), `"name": "posts.csv"`, `"name": "Posts CSV"`, 1),
		strings.Replace(string(data), `"type": "datetime"`, `"type": "when"`, 1)} {
		bad := filepath.Join(t.TempDir(), "datapackage.json")
		os.WriteFile(bad, []byte(broken), 0o600)
		if broken == string(data) || validateDataPackage(t, bad) == nil {
			t.Error("the schema check accepts a broken descriptor")
		}
	}
	if strings.Contains(string(data), "very-secret-key") {
		t.Error("the salt is in datapackage.json")
	}
	var dp descriptor
	if err := json.Unmarshal(data, &dp); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range dp.Resources {
		names = append(names, r.Path)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"accounts.parquet", "network.gexf", "posts.csv", "posts.jsonl"}) {
		t.Fatalf("resources %q", names)
	}
	for _, r := range dp.Resources {
		p := r.Copharvest
		if p.CopharvestVersion == "" || p.ClassifierVersion == "" || len(p.ClassifierThresholds) != 3 || p.CommunityThresholds == nil ||
			!slices.Equal(p.Timelines, []string{"tag:cop@mastodon.oeru.org"}) || !slices.Equal(p.Instances, []string{"mastodon.oeru.org"}) ||
			!slices.Equal(p.ClassifierVersions, []string{"test-1"}) || p.Runs.Count != 0 || p.ExportedAt.IsZero() {
			t.Errorf("%s: provenance %+v", r.Path, p)
		}
		types := map[string]string{}
		if r.Schema != nil {
			for _, f := range r.Schema.Fields {
				types[f.Name] = f.Type
			}
		}
		switch r.Path {
		case "posts.csv":
			if p.Command != "export posts --output "+filepath.Join(dir, "posts.csv")+" --pseudonymize --salt REDACTED --since 2026-11-16" ||
				!p.Pseudonymized || p.Period.Since == nil || p.Period.Since.Format("2006-01") != "2026-11" ||
				p.Period.Until != nil || p.CSVFormulasNeutralized == nil || !*p.CSVFormulasNeutralized || p.CSVListSeparator != " " {
				t.Errorf("posts.csv: command %q, pseudonymized %v, period %+v, csv %v %q", p.Command, p.Pseudonymized, p.Period, p.CSVFormulasNeutralized, p.CSVListSeparator)
			}
			if types["created_at"] != "datetime" || types["tags"] != "string" || types["deleted"] != "boolean" || types["replies_count"] != "integer" ||
				types["practice_score"] != "number" || r.Profile != "tabular-data-resource" || !slices.Equal(r.Schema.PrimaryKey, []string{"uri"}) {
				t.Errorf("posts.csv schema: %v %s", types, r.Profile)
			}
		case "posts.jsonl":
			if types["tags"] != "array" || types["raw"] != "object" || types["source"] != "array" {
				t.Errorf("posts.jsonl schema: %v", types)
			}
		case "accounts.parquet":
			if r.Format != "parquet" || types["noindex"] != "boolean" || p.Dataset != "accounts" || p.Rows != 6 {
				t.Errorf("accounts.parquet: format %q, types %v, provenance %+v", r.Format, types, p)
			}
		case "network.gexf":
			if r.Schema != nil || r.Profile != "data-resource" || p.Edges == nil || *p.Edges == 0 || p.Rows != 6 {
				t.Errorf("network.gexf resource: %+v", r)
			}
		}
	}
	if dp.Copharvest.Command != dp.Resources[len(dp.Resources)-1].Copharvest.Command {
		t.Error("the top-level copharvest section is not the latest export's")
	}
}

// TestDataPackageLeavesForeignDescriptorsAlone: a datapackage.json that
// copharvest did not write is never overwritten, and the export stops
// before writing anything; --no-datapackage exports without it; standard
// output gets no descriptor.
func TestDataPackageLeavesForeignDescriptorsAlone(t *testing.T) {
	cfg := courseConfig(t)
	dir := t.TempDir()
	foreign := []byte(`{"name": "someone-elses", "resources": [{"name": "x", "path": "x.csv"}]}`)
	os.WriteFile(filepath.Join(dir, "datapackage.json"), foreign, 0o644)
	out := filepath.Join(dir, "posts.csv")
	_, _, err := run(t, cfg, "posts", "-o", out)
	if cmdutil.ExitCode(err) != cmdutil.ExitError || err == nil || !strings.Contains(err.Error(), "not written by copharvest") {
		t.Errorf("export beside a foreign datapackage.json: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "datapackage.json")); !bytes.Equal(data, foreign) {
		t.Error("the foreign datapackage.json was changed")
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the export was written though its description could not be")
	}
	if _, stderr, err := run(t, cfg, "posts", "--no-datapackage", "-o", out); err != nil || strings.Contains(stderr, "described") {
		t.Errorf("--no-datapackage: %v %q", err, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Error(err)
	}
	if _, stderr, err := run(t, cfg, "posts"); err != nil || strings.Contains(stderr, "described") {
		t.Errorf("standard output: %v %q", err, stderr)
	}
}

// TestCSVSaysItIsSpreadsheetSafe: the default CSV tells how many cells got
// a leading '; --csv-raw does not alter them and says nothing.
func TestCSVSaysItIsSpreadsheetSafe(t *testing.T) {
	cfg := courseConfig(t)
	safe, stderr, err := run(t, cfg, "posts", "--columns", "uri,text")
	if err != nil || !strings.Contains(stderr, "text cells start like a spreadsheet formula") || !strings.Contains(safe, "'=HYPERLINK") {
		t.Errorf("default CSV: %v, stderr %q", err, stderr)
	}
	raw, stderr, err := run(t, cfg, "posts", "--columns", "uri,text", "--csv-raw")
	if err != nil || strings.Contains(stderr, "formula") || !strings.Contains(raw, ",\"=HYPERLINK") || strings.Contains(raw, "'@") {
		t.Errorf("--csv-raw: %v, stderr %q\n%s", err, stderr, raw)
	}
	for _, args := range [][]string{{"posts", "--csv-raw", "--excel"}, {"posts", "--format", "jsonl", "--csv-raw"},
		{"graph", "--format", "graphml", "--gexf-version", "1.3"}, {"posts", "--self-loops"}, {"graph", "--gexf-version", "1.1"}} {
		if _, _, err := run(t, cfg, args...); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("export %q: exit %d (%v), want 2", args, cmdutil.ExitCode(err), err)
		}
	}
}

// TestParquetNeverGoesToATerminal: binary output to a terminal is refused
// (exit 2); redirected standard output is fine.
func TestParquetNeverGoesToATerminal(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	for _, tty := range []bool{true, false} {
		io.StdoutTTY = tty
		err := validate(&Options{IO: io, Dataset: "posts", Format: "parquet", MinInstanceAccounts: 1})
		if (cmdutil.ExitCode(err) == cmdutil.ExitUsage) != tty {
			t.Errorf("parquet to standard output, terminal %v: %v", tty, err)
		}
	}
}
