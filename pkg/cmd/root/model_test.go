package root

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oeru/copharvest/internal/testenv"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
)

const codedLabels = "../../../testdata/coded/labels.csv"

type evalJSON struct {
	Classifier    string
	Mode          string
	GroupedBy     string `json:"grouped_by"`
	Report        classify.Report
	Agreement     *classify.Agreement
	Disagreements []struct {
		URI       string
		Dimension string
		Reasons   []string
	}
	ByLanguage []struct {
		Language string
		Trained  int `json:"training_posts"`
		Report   classify.Report
	} `json:"by_language"`
}

func evalRun(t *testing.T, args ...string) evalJSON {
	t.Helper()
	out, stderr, code := run(t, map[string]string{}, append([]string{"eval", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("eval %v: exit %d %s", args, code, stderr)
	}
	var res evalJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval %v: %v\n%s", args, err, out)
	}
	return res
}

func kappaOf(rep classify.Report, dim string) float64 {
	for _, d := range rep.Dimensions {
		if d.Name == dim {
			return d.Kappa
		}
	}
	return math.NaN()
}

// The learned classifier's whole loop on the coded courses, through the
// database as a user runs it: the built-in model is what training on the
// coded training courses gives today (else it is stale), the held-out course
// is classified as the README says, a user's own coding trains a model that
// changes the classifications, and eval's other modes work.
func TestCodedModelLoop(t *testing.T) {
	if _, err := os.Stat(codedLabels); err != nil {
		testenv.Missing(t, "%v", err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "coded.db")
	if _, stderr, code := run(t, map[string]string{}, "demo", "--course", "all", "--db", db, "--quiet"); code != 0 {
		t.Fatalf("demo --course all: %s", stderr)
	}

	// Staleness: retrain the built-in model from the coded training courses.
	fresh := filepath.Join(dir, "fresh.json")
	if _, stderr, code := run(t, map[string]string{}, "train", "--db", db, "--labels", codedLabels, "-o", fresh); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	m, err := classify.LoadModel(fresh)
	if err != nil {
		t.Fatal(err)
	}
	builtin := classify.BuiltinModel()
	if m.Training.Hash != builtin.Training.Hash || m.Version != builtin.Version {
		t.Fatalf("the built-in model is stale (training set %s, built in %s): run\n"+
			"  go run ./cmd/copharvest demo --course all --db coded.db\n"+
			"  go run ./cmd/copharvest train --db coded.db --labels testdata/coded/labels.csv -o pkg/classify/model/builtin.json",
			m.Training.Hash[:8], builtin.Training.Hash[:8])
	}
	for d := range m.Dimensions {
		a, b := m.Dimensions[d], builtin.Dimensions[d]
		if a.Threshold != b.Threshold || a.Lambda != b.Lambda || len(a.Weights) != len(b.Weights) {
			t.Errorf("%s: retrained settings differ from the built-in model's", a.Name)
		}
		for f, w := range a.Weights {
			if math.Abs(w-b.Weights[f]) > 1e-4 {
				t.Errorf("%s weight of %s: retrained %v, built in %v", a.Name, f, w, b.Weights[f])
				break
			}
		}
	}

	// The held-out course, classified by the built-in model.
	held := evalRun(t, "--db", db, "--labels", codedLabels, "--split", "heldout")
	if held.Classifier != builtin.Version || held.Report.N < 140 {
		t.Errorf("heldout: classifier %s, %d posts", held.Classifier, held.Report.N)
	}
	for dim, floor := range map[string]float64{"domain": 0.55, "community": 0.88, "practice": 0.62} {
		if k := kappaOf(held.Report, dim); k < floor {
			t.Errorf("heldout %s kappa %.3f below %.2f", dim, k, floor)
		}
	}

	// Per language: the held-out posts split by language add up, largest
	// first, each beside the training posts the model saw in it.
	byLang := evalRun(t, "--db", db, "--labels", codedLabels, "--split", "heldout", "--by-language")
	sum := 0
	for i, l := range byLang.ByLanguage {
		sum += l.Report.N
		if i > 0 && l.Report.N > byLang.ByLanguage[i-1].Report.N {
			t.Errorf("languages not largest first: %s after %s", l.Language, byLang.ByLanguage[i-1].Language)
		}
		if l.Trained != builtin.Training.Languages[l.Language] {
			t.Errorf("%s: %d training posts shown, the model has %d", l.Language, l.Trained, builtin.Training.Languages[l.Language])
		}
	}
	if sum != byLang.Report.N || len(byLang.ByLanguage) < 2 || builtin.Training.Languages["en"] == 0 {
		t.Errorf("by language: %d posts in %d languages for %d in all; model languages %v", sum, len(byLang.ByLanguage), byLang.Report.N, builtin.Training.Languages)
	}

	// Cross-validation over the training courses: leave one course out.
	cv := evalRun(t, "--db", db, "--labels", codedLabels, "--split", "train", "--cv", "3")
	if cv.Mode != "cross-validation" || cv.GroupedBy != "course" || kappaOf(cv.Report, "practice") < 0.6 {
		t.Errorf("cv: %+v", cv)
	}
	if d := cv.Report.Dimensions[2]; !(d.KappaLow <= d.Kappa && d.Kappa <= d.KappaHigh) {
		t.Errorf("cv practice interval [%v, %v] around %v", d.KappaLow, d.KappaHigh, d.Kappa)
	}

	// Out-of-fold disagreements: one per post and dimension the fold's
	// model got wrong, as many as the report's errors.
	cvDis := evalRun(t, "--db", db, "--labels", codedLabels, "--split", "train", "--cv", "3", "--disagreements")
	for d, dim := range cvDis.Report.Dimensions {
		n := 0
		for _, x := range cvDis.Disagreements {
			if x.Dimension == dim.Name {
				n++
			}
		}
		if want := dim.FP + dim.FN; n != want || want != cv.Report.Dimensions[d].FP+cv.Report.Dimensions[d].FN {
			t.Errorf("cv %s: %d disagreements listed, report has FP+FN = %d (plain cv %d)", dim.Name, n, want, cv.Report.Dimensions[d].FP+cv.Report.Dimensions[d].FN)
		}
	}

	// Disagreements come with the classifier's reasons.
	dis := evalRun(t, "--db", db, "--labels", codedLabels, "--split", "heldout", "--disagreements")
	if len(dis.Disagreements) == 0 || len(dis.Disagreements[0].Reasons) == 0 {
		t.Errorf("no disagreements or no reasons: %+v", dis.Disagreements)
	}

	// Inter-coder agreement of the Pacific course's two coders.
	ag := evalRun(t, "--labels", "../../../testdata/coded/courses/pacific/coder1.csv", "--against", "../../../testdata/coded/courses/pacific/coder2.csv")
	if ag.Mode != "coders" || ag.Agreement == nil || ag.Agreement.N != 203 || kappaOf(ag.Report, "domain") < 0.9 {
		t.Errorf("coders: %+v", ag)
	}

	// A user's own coding: the Pacific posts coded with practice = community
	// (a different scheme). Their model must classify differently from the
	// built-in one, and eval must show it.
	user := filepath.Join(dir, "user.csv")
	writeUserCoding(t, user)
	userModel := filepath.Join(dir, "user-model.json")
	if _, stderr, code := run(t, map[string]string{}, "train", "--db", db, "--labels", user, "-o", userModel); code != 0 {
		t.Fatalf("train on the user's coding: %s", stderr)
	}
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("model: "+userModel+"\n"), 0o600)
	before := evalRun(t, "--db", db, "--labels", user)
	after := evalRun(t, "--config", cfg, "--db", db, "--labels", user)
	if after.Classifier == before.Classifier || kappaOf(after.Report, "practice") < kappaOf(before.Report, "practice")+0.2 {
		t.Errorf("the user's model %s (practice kappa %.2f) did not change the classifications of %s (%.2f)",
			after.Classifier, kappaOf(after.Report, "practice"), before.Classifier, kappaOf(before.Report, "practice"))
	}
	_, stderr, code := run(t, map[string]string{}, "classify", "--config", cfg, "--db", db, "--rebuild")
	if code != 0 || !strings.Contains(stderr, after.Classifier) {
		t.Errorf("classify with the user's model: exit %d %s", code, stderr)
	}
	out, _, _ := run(t, map[string]string{}, "explain", "--config", cfg, "--db", db, "https://mastodon.oeru.org/users/nadia/statuses/117231553643692212")
	if !strings.Contains(out, after.Classifier) || strings.Contains(out, "the database holds") || !strings.Contains(out, "probability") {
		t.Errorf("explain with the user's model:\n%s", out)
	}

	// A bad model file is a usage error naming it; the database is untouched.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format": 1}`), 0o600)
	os.WriteFile(cfg, []byte("model: "+bad+"\n"), 0o600)
	if _, stderr, code := run(t, map[string]string{}, "classify", "--config", cfg, "--db", db, "--rebuild"); code != cmdutil.ExitUsage || !strings.Contains(stderr, "bad.json") {
		t.Errorf("a bad model: exit %d %s", code, stderr)
	}
	if _, stderr, code := run(t, map[string]string{}, "demo", "--course", "atlantis"); code != cmdutil.ExitUsage || !strings.Contains(stderr, "pacific") {
		t.Errorf("demo --course atlantis: exit %d %s", code, stderr)
	}
}

// writeUserCoding writes the Pacific course's posts with practice coded as
// community, in the file layout a user would have (no split column).
func writeUserCoding(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(codedLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.Create(path)
	defer out.Close()
	w := csv.NewWriter(out)
	w.Write([]string{"uri", "domain", "community", "practice", "thread"})
	for _, r := range recs[1:] {
		if r[6] == "pacific" {
			w.Write([]string{r[0], r[1], r[2], r[2], r[7]})
		}
	}
	w.Flush()
}

// train refuses a bad labels file before touching anything, and never
// leaves a half-written model behind.
func TestTrainBadLabelsKeepsTheModel(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	os.WriteFile(model, []byte("previous model"), 0o644)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("uri,domain,community\nx,1,1\n"), 0o600)
	_, stderr, code := run(t, map[string]string{}, "train", "--db", filepath.Join(dir, "none.db"), "--labels", bad, "-o", model)
	if code != cmdutil.ExitUsage || !strings.Contains(stderr, "practice") {
		t.Errorf("train on a file without practice: exit %d %s", code, stderr)
	}
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, []byte("uri,domain,community,practice\nx,,,\n"), 0o600)
	if _, stderr, code := run(t, map[string]string{}, "train", "--db", filepath.Join(dir, "none.db"), "--labels", empty, "-o", model); code != cmdutil.ExitUsage || !strings.Contains(stderr, "no coded rows") {
		t.Errorf("train on an uncoded file: exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(model); string(b) != "previous model" {
		t.Errorf("the model file changed: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("files left behind: %v", entries)
	}
}

// classify says when many posts are in languages the model barely learned
// (the easteu course: Polish, Romanian, Turkish, Ukrainian, none of them in
// training), and says nothing for a course in languages it knows.
func TestClassifyNotesUnfamiliarLanguages(t *testing.T) {
	dir := t.TempDir()
	for course, want := range map[string]bool{"easteu": true, "pacific": false} {
		db := filepath.Join(dir, course+".db")
		if _, stderr, code := run(t, map[string]string{}, "demo", "--course", course, "--db", db, "--quiet"); code != 0 {
			t.Fatalf("demo --course %s: %s", course, stderr)
		}
		_, stderr, code := run(t, map[string]string{}, "classify", "--db", db, "--rebuild")
		if code != 0 {
			t.Fatalf("classify: exit %d %s", code, stderr)
		}
		got := strings.Contains(stderr, "note:") && strings.Contains(stderr, "under-detected")
		if got != want {
			t.Errorf("%s: note shown %v, want %v:\n%s", course, got, want, stderr)
		}
		if want {
			for _, lang := range []string{"pl ", "ro ", "tr ", "uk "} {
				if !strings.Contains(stderr, lang) {
					t.Errorf("%s: the note does not name %q:\n%s", course, lang, stderr)
				}
			}
		}
	}
}

// sample --exclude-opted-out leaves out the posts of the nursing course's
// two #nobot accounts and its noindex one, and every trace of them in the
// posts and parents it shows; without the flag it says how many it holds.
func TestSampleExcludesOptedOut(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "n.db")
	if _, stderr, code := run(t, map[string]string{}, "demo", "--course", "nursing", "--db", db, "--quiet"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	_, stderr, code := run(t, map[string]string{}, "sample", "--db", db, "--n", "500", "-o", filepath.Join(dir, "all.csv"))
	if code != 0 || !strings.Contains(stderr, "by people who opted out of research") {
		t.Fatalf("sample without the flag: exit %d, no note about opted-out people:\n%s", code, stderr)
	}
	out := filepath.Join(dir, "excl.csv")
	if _, stderr, code = run(t, map[string]string{}, "sample", "--db", db, "--n", "500", "--exclude-opted-out", "-o", out); code != 0 {
		t.Fatalf("sample --exclude-opted-out: exit %d %s", code, stderr)
	}
	if strings.Contains(stderr, "note:") {
		t.Errorf("a note although opted-out people were left out:\n%s", stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	markers := 0
	for _, row := range rows[1:] {
		for _, cell := range row {
			lower := strings.ToLower(cell)
			for _, trace := range []string{"tasnim", "rukhsana", "kiprop"} {
				if strings.Contains(lower, trace) {
					t.Errorf("%q left in %v", trace, row)
				}
			}
			markers += strings.Count(cell, "[opted-out]")
		}
	}
	if len(rows) < 100 || markers == 0 {
		t.Errorf("%d rows, %d redactions: the course's posts mention opted-out people", len(rows)-1, markers)
	}
}
