package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"
)

// syntheticExamples: practice is present exactly when the post has the
// feature "cue:doing" (plus noise features), in three courses.
func syntheticExamples() []Example {
	var ex []Example
	for i := range 90 {
		course := []string{"a", "b", "c"}[i%3]
		doing := i%2 == 0
		f := []string{"w:common", fmt.Sprintf("w:noise%d", i%7)}
		if doing {
			f = append(f, "cue:doing")
		}
		if i%5 == 0 {
			f = append(f, "ctx:reply_to_other")
		}
		ex = append(ex, Example{URI: fmt.Sprintf("u%02d", i), Course: course, Group: fmt.Sprintf("%s/T%d", course, i/4),
			Features: f, Codes: [3]bool{true, i%5 == 0, doing}})
	}
	// domain needs both values
	ex[1].Codes[0] = false
	ex[1].Features = append(ex[1].Features, "rule:D-")
	return ex
}

func TestTrainLearnsSignalAndIsDeterministic(t *testing.T) {
	ex := syntheticExamples()
	m, err := Train(ex, TrainOptions{MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Training.CVFolds != 3 || m.Training.CVGroups != "course" {
		t.Errorf("three courses should give leave-one-course-out folds, got %d by %s", m.Training.CVFolds, m.Training.CVGroups)
	}
	p := m.Dimensions[2]
	if p.Weights["cue:doing"] <= 1 || math.Abs(p.Weights["w:common"]) > math.Abs(p.Weights["cue:doing"]) {
		t.Errorf("practice weights %v: cue:doing should dominate", p.Weights)
	}
	if p.CV.Kappa < 0.95 || p.CV.KappaLow > p.CV.Kappa || p.CV.KappaHigh < p.CV.Kappa {
		t.Errorf("practice CV %+v", p.CV)
	}
	if m.Training.Hash != TrainingHash(ex) || !strings.HasSuffix(m.Version, m.Training.Hash[:8]) {
		t.Errorf("version %s hash %s", m.Version, m.Training.Hash)
	}
	var a, b bytes.Buffer
	m.Write(&a)
	m2, _ := Train(ex, TrainOptions{MinCount: 2})
	m2.Write(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two fits of the same examples differ")
	}
	back, err := ReadModel(&a)
	if err != nil || back.Version != m.Version || len(back.Dimensions[2].Weights) != len(p.Weights) {
		t.Errorf("round trip: %v", err)
	}
	// The order of the examples does not change the training set's hash.
	rev := make([]Example, len(ex))
	for i := range ex {
		rev[len(ex)-1-i] = ex[i]
	}
	if TrainingHash(rev) != TrainingHash(ex) {
		t.Error("hash depends on the order of the examples")
	}
	ex[3].Codes[2] = !ex[3].Codes[2]
	if TrainingHash(ex) == m.Training.Hash {
		t.Error("a changed code left the hash unchanged")
	}
}

func TestTrainRejectsUnusableSets(t *testing.T) {
	if _, err := Train(syntheticExamples()[:5], TrainOptions{}); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("5 posts: %v", err)
	}
	ex := syntheticExamples()
	for i := range ex {
		ex[i].Codes[1] = true
	}
	if _, err := Train(ex, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "community") {
		t.Errorf("one-valued community: %v", err)
	}
}

func TestFoldsKeepGroupsWhole(t *testing.T) {
	ex := syntheticExamples()
	folds, by := Folds(ex, 5) // 3 courses < 5 folds: by thread
	if by != "thread" {
		t.Fatalf("grouped by %s", by)
	}
	foldOf := map[string]int{}
	used := map[int]bool{}
	for i, e := range ex {
		if f, ok := foldOf[e.Group]; ok && f != folds[i] {
			t.Fatalf("thread %s split across folds %d and %d", e.Group, f, folds[i])
		}
		foldOf[e.Group] = folds[i]
		used[folds[i]] = true
	}
	if len(used) != 5 {
		t.Errorf("%d folds used", len(used))
	}
	folds, by = Folds(ex, 3)
	for i, e := range ex {
		if by != "course" || folds[i] != folds[map[string]int{"a": 0, "b": 1, "c": 2}[e.Course]] {
			t.Fatalf("course %s not in one fold (by %s)", e.Course, by)
		}
	}
}

func TestReadModelErrors(t *testing.T) {
	var good bytes.Buffer
	BuiltinModel().Write(&good)
	for name, edit := range map[string][2]string{
		"format":    {`"format": 1`, `"format": 9`},
		"threshold": {`"threshold": 0.`, `"threshold": 1`},
		"unknown":   {`"format": 1`, `"format": 1, "colour": "red"`},
	} {
		bad := strings.Replace(good.String(), edit[0], edit[1], 1)
		if _, err := ReadModel(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: a bad model was accepted", name)
		}
	}
	if _, err := LoadModel("/no/such/model.json"); err == nil {
		t.Error("a missing file was accepted")
	}
}

// The built-in model was chosen on the training courses only.
func TestBuiltinModelNeverSawTheHeldOutCourse(t *testing.T) {
	m := BuiltinModel()
	for _, c := range m.Training.Courses {
		if c == "unipolicy" {
			t.Fatal("the held-out course is among the built-in model's training courses")
		}
	}
	if len(m.Training.Courses) < 3 || m.Training.CVGroups != "course" {
		t.Errorf("built-in model: courses %v, CV by %s", m.Training.Courses, m.Training.CVGroups)
	}
}

func TestExplainNamesWordsNotPatterns(t *testing.T) {
	in := topLevel("Tip: use the CC BY 4.0 licence chooser, then we tried it with our Year 8 class.", "ds4oers", "cop")
	res, dims := modelClassifier.Explain(in)
	if c := modelClassifier.Classify(in); verdict(res) != verdict(c) || res.Practice.Score != c.Practice.Score || res.Version != c.Version {
		t.Errorf("Explain %+v and Classify %+v disagree", verdict(res), verdict(c))
	}
	var all []string
	for _, d := range dims {
		if d.Probability < 0 || d.Probability > 1 || d.Threshold == 0 {
			t.Errorf("%s: p %v threshold %v", d.Name, d.Probability, d.Threshold)
		}
		for _, c := range d.Contributions {
			if c.Weight == 0 || c.Feature == "" {
				t.Errorf("empty contribution %+v", c)
			}
			all = append(all, c.Feature+" "+c.Words)
		}
		for _, h := range d.Rules {
			all = append(all, strings.Join(h.Matched, " "))
		}
	}
	joined := strings.Join(all, " | ")
	if strings.Contains(joined, "*") || strings.Contains(joined, "^") {
		t.Errorf("a lexicon pattern leaked into the explanation: %s", joined)
	}
	if !strings.Contains(joined, "cc by") || !strings.Contains(joined, "we tried") {
		t.Errorf("the matched words are missing: %s", joined)
	}
}

func TestUnfamiliarLanguages(t *testing.T) {
	m := &Model{Training: TrainingInfo{Languages: map[string]int{"en": 500, "fr": 25, "sw": 5, "und": 30}}}
	got := m.UnfamiliarLanguages(map[string]int{"en": 100, "fr": 10, "sw": 7, "pl": 7, "": 3, "tr": 0})
	want := []LanguagePosts{{"pl", 7}, {"sw", 7}}
	if !slices.Equal(got, want) {
		t.Errorf("UnfamiliarLanguages = %v, want %v", got, want)
	}
	old := &Model{} // a model file from before languages were recorded
	if got := old.UnfamiliarLanguages(map[string]int{"pl": 7}); got != nil {
		t.Errorf("a model without languages judged %v", got)
	}
}

// A post's model scores are the bias plus the weights of all its features,
// as Features lists them: scoring skips the lookups of word pairs no
// feature starts with, and must lose none.
func TestScoreSumsEveryFeature(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(codedDir, "courses", "*", "statuses.json"))
	if len(dirs) == 0 {
		missingFixture(t, "testdata/coded/courses/*/statuses.json")
	}
	var statuses []mastodon.Status
	for _, path := range dirs[:min(3, len(dirs))] {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var list []mastodon.Status
		if err := json.Unmarshal(data, &list); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		statuses = append(statuses, list...)
	}
	c := New(nil)
	m := c.Model()
	inputs := append(InputsFromStatuses(statuses), benchInputs()...)
	for _, in := range inputs {
		r := c.Classify(&in)
		var sum [3]float64
		for _, f := range c.Features(&in) {
			for d := range sum {
				sum[d] += m.Dimensions[d].Weights[f]
			}
		}
		for d, dim := range []Dimension{r.Domain, r.Community, r.Practice} {
			if want := sigmoid(m.Dimensions[d].Bias + sum[d]); math.Abs(dim.Score-want) > 1e-12 {
				t.Fatalf("%s %s: score %v, the features' weights give %v", in.URI, DimensionNames[d], dim.Score, want)
			}
		}
	}
	if len(inputs) < 100 {
		t.Fatalf("only %d posts checked", len(inputs))
	}
}
