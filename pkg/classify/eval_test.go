package classify

import (
	"math"
	"strings"
	"testing"
)

// TestCohenKappaWorkedExamples uses the worked examples of the Wikipedia
// article "Cohen's kappa" (two readers, 50 grant proposals): 20 yes/yes,
// 5 yes/no, 10 no/yes, 15 no/no gives p_o 0.70, p_e 0.50, kappa 0.40; and
// the two tables with equal agreement (60 of 100) but kappa 0.1304 and 0.2593.
func TestCohenKappaWorkedExamples(t *testing.T) {
	tests := []struct {
		a, b, c, d    int
		kappa, po, pe float64
	}{
		{20, 5, 10, 15, 0.40, 0.70, 0.50},
		{45, 15, 25, 15, 0.1304, 0.60, 0.54},
		{25, 35, 5, 35, 0.2593, 0.60, 0.46},
	}
	for _, tt := range tests {
		k, po, pe := CohenKappa(tt.a, tt.b, tt.c, tt.d)
		if math.Abs(k-tt.kappa) > 5e-4 || math.Abs(po-tt.po) > 1e-9 || math.Abs(pe-tt.pe) > 1e-9 {
			t.Errorf("CohenKappa(%d,%d,%d,%d) = %.4f (po %.2f pe %.2f), want %.4f (po %.2f pe %.2f)",
				tt.a, tt.b, tt.c, tt.d, k, po, pe, tt.kappa, tt.po, tt.pe)
		}
	}
	if k, _, _ := CohenKappa(10, 0, 0, 0); k != 1 {
		t.Errorf("all yes both sides: kappa %v, want 1", k)
	}
	if k, _, _ := CohenKappa(0, 0, 0, 0); k != 0 {
		t.Errorf("empty: kappa %v, want 0", k)
	}
}

func TestEvaluate(t *testing.T) {
	yes := func(hits ...Hit) Dimension { return Dimension{Present: true, Score: 1, Hits: hits} }
	no := func(hits ...Hit) Dimension { return Dimension{Hits: hits} }
	results := map[string]Result{
		"a": {Domain: yes(Hit{Rule: "D1", Weight: 0.6}), Community: yes(), Practice: no()},
		"b": {Domain: yes(Hit{Rule: "D1", Weight: 0.6}), Community: no(), Practice: yes()},
		"c": {Domain: no(Hit{Rule: "D-", Weight: -1}), Community: no(), Practice: no()},
		"d": {Domain: no(Hit{Rule: "D-", Weight: -1}, Hit{Rule: "D1", Weight: 0.3}), Community: yes(), Practice: yes()},
	}
	labels := []Label{
		{URI: "a", Domain: true, Community: true},
		{URI: "b", Domain: false, Practice: true},
		{URI: "c"},
		{URI: "d", Domain: true, Community: true, Practice: false},
		{URI: "missing"},
	}
	rep := Evaluate(labels, results)
	if rep.N != 4 || len(rep.Missing) != 1 || rep.Missing[0] != "missing" {
		t.Fatalf("N %d missing %v", rep.N, rep.Missing)
	}
	d := rep.Dimensions[0]
	if d.Name != "domain" || d.TP != 1 || d.FP != 1 || d.FN != 1 || d.TN != 1 {
		t.Errorf("domain confusion %+v", d)
	}
	if d.Precision != 0.5 || d.Recall != 0.5 || d.F1 != 0.5 || d.Kappa != 0 {
		t.Errorf("domain metrics %+v", d)
	}
	c := rep.Dimensions[1]
	if c.TP != 2 || c.TN != 2 || c.Kappa != 1 {
		t.Errorf("community %+v", c)
	}
	rules := map[string]RuleReport{}
	for _, r := range rep.Rules {
		rules[r.Rule] = r
	}
	// D1 fired on a (true), b (false), d (true): 2 of 3.
	if r := rules["D1"]; r.Fired != 3 || r.Correct != 2 {
		t.Errorf("D1 %+v", r)
	}
	// D- is negative: right when the domain is truly absent: c yes, d no.
	if r := rules["D-"]; !r.Negative || r.Fired != 2 || r.Correct != 1 || r.Precision != 0.5 {
		t.Errorf("D- %+v", r)
	}
}

func TestReadLabels(t *testing.T) {
	in := "uri,domain,community,practice,split,note\n" +
		"https://x/1,1,0,1,train,\"a note, with comma\"\n" +
		"https://x/2,0,1,0,heldout,\n"
	labels, err := ReadLabels(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Label{
		{URI: "https://x/1", Domain: true, Practice: true, Split: "train", Note: "a note, with comma", Line: 2},
		{URI: "https://x/2", Community: true, Split: "heldout", Line: 3},
	}
	if len(labels) != 2 || labels[0] != want[0] || labels[1] != want[1] {
		t.Errorf("got %+v\nwant %+v", labels, want)
	}
	short, err := ReadLabels(strings.NewReader("uri,domain,community,practice\nu,1,1,1\n"))
	if err != nil || len(short) != 1 || !short[0].Practice {
		t.Errorf("four columns: %+v %v", short, err)
	}

	bad := []struct{ in, want string }{
		{"", "empty file"},
		{"id,domain,community,practice\n", "line 1"},
		{"uri,domain,community,practice\nu,1,2,0\n", "line 2: community"},
		{"uri,domain,community,practice\nu,1,1,0\nv,yes,1,0\n", "line 3: domain"},
		{"uri,domain,community,practice\nu,1,1\n", "line 2: 3 fields"},
		{"uri,domain,community,practice\nu,1,1,0\nu,0,0,0\n", "line 3: uri u already labelled on line 2"},
		{"uri,domain,community,practice\n,1,1,0\n", "line 2: empty uri"},
	}
	for _, b := range bad {
		_, err := ReadLabels(strings.NewReader(b.in))
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ReadLabels(%q): error %v, want it to mention %q", b.in, err, b.want)
		}
	}
}
