package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/oeru/copharvest/pkg/text"
)

// The hand-coded posts live in the repository's testdata/coded (another
// engineer's files): statuses.json in Mastodon's JSON shape and labels.csv
// coded by the codebook, split into train (rules tuned on it) and heldout
// (never looked at while tuning; only its agreement is measured).
var codedDir = filepath.Join("..", "..", "testdata", "coded")

// codedText keeps each coded post's HTML for the train disagreement log.
var codedText = map[string]string{}

func loadCoded(t testing.TB) ([]Label, map[string]Result) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(codedDir, "statuses.json"))
	if os.IsNotExist(err) {
		t.Skip("testdata/coded/statuses.json not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	var statuses []mastodon.Status
	if err := json.Unmarshal(data, &statuses); err != nil {
		t.Fatalf("statuses.json: %v", err)
	}
	f, err := os.Open(filepath.Join(codedDir, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels, err := ReadLabels(f)
	if err != nil {
		t.Fatal(err)
	}
	c := New(nil).WithModel(nil)
	results := map[string]Result{}
	for _, in := range InputsFromStatuses(statuses) {
		results[in.URI] = c.Classify(&in)
		codedText[in.URI] = in.HTML
	}
	return labels, results
}

func splitLabels(labels []Label, split string) []Label {
	var out []Label
	for _, l := range labels {
		if l.Split == split {
			out = append(out, l)
		}
	}
	return out
}

func logReport(t *testing.T, name string, rep Report) {
	t.Helper()
	for _, d := range rep.Dimensions {
		t.Logf("%s %-9s N=%d kappa=%.3f P=%.2f R=%.2f F1=%.2f TP=%d FP=%d FN=%d TN=%d",
			name, d.Name, d.N, d.Kappa, d.Precision, d.Recall, d.F1, d.TP, d.FP, d.FN, d.TN)
	}
}

// TestCodedTrain reports agreement on the train split and, with -v, each
// disagreement with the rules that fired, which is what tuning looks at.
func TestCodedTrain(t *testing.T) {
	labels, results := loadCoded(t)
	train := splitLabels(labels, "train")
	if len(train) == 0 {
		t.Skip("no train rows")
	}
	rep := Evaluate(train, results)
	if len(rep.Missing) > 0 {
		t.Errorf("labelled posts missing from statuses.json: %v", rep.Missing)
	}
	logReport(t, "train", rep)
	for _, r := range rep.Rules {
		t.Logf("rule %-3s fired %2d precision %.2f", r.Rule, r.Fired, r.Precision)
	}
	for _, l := range train {
		res, ok := results[l.URI]
		if !ok {
			continue
		}
		got := []Dimension{res.Domain, res.Community, res.Practice}
		want := []bool{l.Domain, l.Community, l.Practice}
		for i, d := range got {
			if d.Present != want[i] {
				t.Logf("DISAGREE %s %s: want %v, score %.2f hits %v (%s)", DimensionNames[i], l.URI[strings.LastIndex(l.URI, "/")+1:], want[i], d.Score, d.Hits, l.Note)
				if testing.Verbose() && os.Getenv("CLASSIFY_SHOW_TEXT") != "" {
					t.Logf("    text: %s", text.FromHTML(codedText[l.URI]).Text)
				}
			}
		}
	}
	// Train is what the rules were tuned on: anything below this is a regression.
	for _, d := range rep.Dimensions {
		if d.Kappa < trainKappaFloor {
			t.Errorf("train %s kappa %.3f below floor %.2f", d.Name, d.Kappa, trainKappaFloor)
		}
	}
}

// TestCodedHeldout measures agreement on the held-out split. It prints only
// the aggregate figures: held-out posts are not for tuning.
func TestCodedHeldout(t *testing.T) {
	labels, results := loadCoded(t)
	held := splitLabels(labels, "heldout")
	if len(held) == 0 {
		t.Skip("no heldout rows")
	}
	rep := Evaluate(held, results)
	if len(rep.Missing) > 0 {
		t.Errorf("%d labelled posts missing from statuses.json", len(rep.Missing))
	}
	logReport(t, "heldout", rep)
	for _, d := range rep.Dimensions {
		if d.Kappa < heldoutKappaFloor[d.Name] {
			t.Errorf("heldout %s kappa %.3f below floor %.2f", d.Name, d.Kappa, heldoutKappaFloor[d.Name])
		}
	}
}

// Floors set a little under what was measured with rules version 1.0 on
// 129 train / 74 heldout posts (train 1.00/1.00/1.00; heldout domain 0.641,
// community 0.961, practice 0.514). They catch regressions, not aspirations:
// the rules fit train closely and generalise less well, practice above all.
const trainKappaFloor = 0.95

var heldoutKappaFloor = map[string]float64{"domain": 0.60, "community": 0.90, "practice": 0.45}
