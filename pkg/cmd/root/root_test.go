package root

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
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
	err := Execute(context.Background(), cmd)
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

// The classifier's whole loop on the embedded coded course: demo (sync +
// classify), explain, eval against the hand codes, sample for coders,
// communities with verdicts.
func TestClassifyExplainEvalSampleCommunities(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	env := map[string]string{}
	if _, stderr, code := run(t, env, "demo", "--db", db, "--quiet"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	_, stderr, code := run(t, env, "classify", "--db", db)
	if code != 0 || !strings.Contains(stderr, "classified 0 posts") {
		t.Errorf("classify after sync should find nothing left: exit %d %s", code, stderr)
	}
	_, stderr, code = run(t, env, "classify", "--db", db, "--rebuild")
	if code != 0 || !strings.Contains(stderr, "classified 203 posts") {
		t.Errorf("classify --rebuild: exit %d %s", code, stderr)
	}
	out, stderr, code := run(t, env, "explain", "--db", db, "https://mastodon.oeru.org/users/nadia/statuses/117231553643692212")
	if code != 0 || !strings.Contains(out, "domain") || !strings.Contains(out, "practice") || !strings.Contains(out, "rule:D") {
		t.Errorf("explain: exit %d %s %s", code, out, stderr)
	}
	if _, _, code := run(t, env, "explain", "--db", db, "no-such-post"); code != cmdutil.ExitError {
		t.Errorf("explain of an unknown post: exit %d", code)
	}
	out, stderr, code = run(t, env, "eval", "--db", db, "--labels", "../../../testdata/coded/labels.csv", "--format", "json")
	if code != 0 || !strings.Contains(out, `"Kappa"`) {
		t.Fatalf("eval: exit %d %s", code, stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("uri,domain,community,practice\nx,1,2,0\n"), 0o600)
	if _, stderr, code := run(t, env, "eval", "--db", db, "--labels", bad); code != cmdutil.ExitUsage || !strings.Contains(stderr, "line 2") {
		t.Errorf("eval with a bad label: exit %d %s", code, stderr)
	}
	sample := filepath.Join(dir, "s.csv")
	if _, stderr, code := run(t, env, "sample", "--db", db, "--n", "40", "--seed", "3", "-o", sample); code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	first, _ := os.ReadFile(sample)
	run(t, env, "sample", "--db", db, "--n", "40", "--seed", "3", "-o", sample)
	second, _ := os.ReadFile(sample)
	recs, err := csv.NewReader(bytes.NewReader(first)).ReadAll()
	if err != nil || len(recs) != 41 || strings.Join(recs[0][:4], ",") != "uri,domain,community,practice" {
		t.Errorf("sample: %d rows, err %v", len(recs), err)
	}
	if !bytes.Equal(first, second) {
		t.Error("the same seed gave another sample")
	}
	// eval reads the sample as written: uncoded, it says so; coded, it evaluates.
	if _, stderr, code := run(t, env, "eval", "--db", db, "--labels", sample); code != cmdutil.ExitUsage || !strings.Contains(stderr, "no coded rows") {
		t.Errorf("eval of an uncoded sample: exit %d %s", code, stderr)
	}
	for _, r := range recs[1:] {
		r[1], r[2], r[3] = "1", "1", "0"
	}
	var coded bytes.Buffer
	cw := csv.NewWriter(&coded)
	cw.WriteAll(recs)
	os.WriteFile(sample, coded.Bytes(), 0o600)
	if out, stderr, code := run(t, env, "eval", "--db", db, "--labels", sample); code != 0 || !strings.Contains(out, "40 hand-coded posts") {
		t.Errorf("eval of the coded sample: exit %d %s %s", code, out, stderr)
	}
	out, _, code = run(t, env, "communities", "--db", db, "--window", "52w", "--format", "json")
	if code != 0 || !strings.Contains(out, `"verdict": "genuine CoP"`) {
		t.Errorf("communities: exit %d, no genuine CoP in the coded course:\n%s", code, out)
	}
}

func TestUnknownCommandAndExtraArgumentsExit2(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	for _, args := range [][]string{{"nosuchcommand"}, {"status", "extra"}, {"sync", "extra", "args"}, {"version", "x"}} {
		_, stderr, code := run(t, env, args...)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d (%s), want 2", args, code, stderr)
		}
	}
}

func TestMistypedDBIsNotCreated(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": dir}
	for _, command := range []string{"classify", "communities", "status", "report"} {
		db := filepath.Join(dir, "mistyped-"+command+".db")
		_, stderr, code := run(t, env, command, "--db", db)
		if code == 0 || !strings.Contains(stderr, "does not exist") {
			t.Errorf("%s on a missing database: exit %d: %s", command, code, stderr)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Errorf("%s created %s", command, db)
		}
	}
}

func TestFinalErrorIsJSONUnderLogFormatJSON(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: io, Now: time.Now, Getenv: func(string) string { return "" }}
	cmd := NewCmdRoot(f)
	cmd.SetArgs([]string{"status", "--log-format", "json", "--db", filepath.Join(t.TempDir(), "none.db")})
	err := Execute(context.Background(), cmd)
	PrintError(f, err)
	var line struct {
		Level, Msg string
		ExitCode   int `json:"exit_code"`
	}
	if jerr := json.Unmarshal(errOut.Bytes(), &line); jerr != nil || line.Level != "ERROR" || !strings.Contains(line.Msg, "does not exist") || line.ExitCode != 1 {
		t.Errorf("final error under --log-format json: %q (%v)", errOut.String(), jerr)
	}
}

// In-process runs read the config and tokens of the environment the Factory
// gives, never the developer's own ~/.config/copharvest.
func TestConfigComesFromTheFactorysEnvironment(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".config", "copharvest")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("no_such_setting: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := run(t, map[string]string{"HOME": home}, "status", "--db", filepath.Join(home, "c.db"))
	if code != cmdutil.ExitUsage || !strings.Contains(stderr, filepath.Join(dir, "config.yaml")) {
		t.Errorf("HOME=%s: exit %d, %q; want its config.yaml read and refused", home, code, stderr)
	}
	_, stderr, code = run(t, map[string]string{"HOME": t.TempDir()}, "status", "--db", filepath.Join(home, "c.db"))
	if code == cmdutil.ExitUsage {
		t.Errorf("another HOME read the first one's config: %q", stderr)
	}
}
