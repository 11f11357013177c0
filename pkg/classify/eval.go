package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Label is one hand-coded post.
type Label struct {
	URI                         string
	Domain, Community, Practice bool
	Split                       string // "train", "heldout" or ""
	Note                        string
	Line                        int // line in the CSV, for messages
}

// Dimension names, in report order.
var DimensionNames = []string{"domain", "community", "practice"}

// Report is the agreement between the classifier and hand coding.
type Report struct {
	N          int               // labelled posts that had a result
	Missing    []string          // labelled URIs without a result
	Dimensions []DimensionReport // domain, community, practice
	Rules      []RuleReport      // by rule id
}

// DimensionReport compares one dimension; "positive" means present.
type DimensionReport struct {
	Name              string
	N                 int
	TP, FP, FN, TN    int
	Accuracy          float64
	Precision, Recall float64
	F1                float64
	Kappa             float64 // Cohen's kappa; 1 when both sides agree on every post
	ObservedAgreement float64
	ExpectedAgreement float64
}

// RuleReport says how often a rule was right when it fired: for a positive
// rule, how often the dimension was truly present; for a negative rule
// (D-), how often it was truly absent.
type RuleReport struct {
	Rule      string
	Dimension string
	Negative  bool
	Fired     int
	Correct   int
	Precision float64
}

// Evaluate compares results (by URI) with labels.
func Evaluate(labels []Label, results map[string]Result) Report {
	var rep Report
	dims := make([]DimensionReport, len(DimensionNames))
	for i, n := range DimensionNames {
		dims[i].Name = n
	}
	rules := map[string]*RuleReport{}
	for _, l := range labels {
		res, ok := results[l.URI]
		if !ok {
			rep.Missing = append(rep.Missing, l.URI)
			continue
		}
		rep.N++
		truth := []bool{l.Domain, l.Community, l.Practice}
		got := []Dimension{res.Domain, res.Community, res.Practice}
		for i := range dims {
			d := &dims[i]
			d.N++
			switch {
			case got[i].Present && truth[i]:
				d.TP++
			case got[i].Present && !truth[i]:
				d.FP++
			case !got[i].Present && truth[i]:
				d.FN++
			default:
				d.TN++
			}
			for _, h := range got[i].Hits {
				r := rules[h.Rule]
				if r == nil {
					r = &RuleReport{Rule: h.Rule, Dimension: DimensionNames[i], Negative: h.Weight < 0}
					rules[h.Rule] = r
				}
				r.Fired++
				if truth[i] != r.Negative {
					r.Correct++
				}
			}
		}
	}
	for i := range dims {
		dims[i].compute()
	}
	rep.Dimensions = dims
	for _, r := range rules {
		r.Precision = ratio(r.Correct, r.Fired)
		rep.Rules = append(rep.Rules, *r)
	}
	sort.Slice(rep.Rules, func(i, j int) bool { return ruleLess(rep.Rules[i].Rule, rep.Rules[j].Rule) })
	return rep
}

// ruleLess orders D1..D3, D-, C1.., P1..
func ruleLess(a, b string) bool {
	order := "DCP"
	ia, ib := strings.IndexByte(order, a[0]), strings.IndexByte(order, b[0])
	if ia != ib {
		return ia < ib
	}
	return a < b // "D-" sorts before "D1"; fine and stable
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (d *DimensionReport) compute() {
	n := float64(d.N)
	d.Precision = ratio(d.TP, d.TP+d.FP)
	d.Recall = ratio(d.TP, d.TP+d.FN)
	if d.Precision+d.Recall > 0 {
		d.F1 = 2 * d.Precision * d.Recall / (d.Precision + d.Recall)
	}
	d.Kappa, d.ObservedAgreement, d.ExpectedAgreement = CohenKappa(d.TP, d.FP, d.FN, d.TN)
	if n > 0 {
		d.Accuracy = float64(d.TP+d.TN) / n
	}
}

// CohenKappa returns Cohen's kappa for two raters' yes/no codes given as a
// 2x2 table (both yes, A yes B no, A no B yes, both no), with the observed
// and the chance-expected agreement. When chance agreement is 1 (both
// raters gave one and the same code to everything) kappa is undefined; it is
// reported as 1 if they agree on every item, else 0.
func CohenKappa(yesYes, yesNo, noYes, noNo int) (kappa, observed, expected float64) {
	n := float64(yesYes + yesNo + noYes + noNo)
	if n == 0 {
		return 0, 0, 0
	}
	observed = float64(yesYes+noNo) / n
	aYes, bYes := float64(yesYes+yesNo)/n, float64(yesYes+noYes)/n
	expected = aYes*bYes + (1-aYes)*(1-bYes)
	if expected == 1 {
		if observed == 1 {
			return 1, observed, expected
		}
		return 0, observed, expected
	}
	return (observed - expected) / (1 - expected), observed, expected
}

// ReadLabels reads hand-coded labels from CSV with the header
// uri,domain,community,practice[,split[,note]] and 0/1 codes.
func ReadLabels(r io.Reader) ([]Label, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("labels: empty file, want header uri,domain,community,practice[,split[,note]]")
	}
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	want := []string{"uri", "domain", "community", "practice", "split", "note"}
	if len(header) < 4 || len(header) > len(want) {
		return nil, fmt.Errorf("labels line 1: header has %d columns, want uri,domain,community,practice[,split[,note]]", len(header))
	}
	for i, h := range header {
		if strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) != want[i] {
			return nil, fmt.Errorf("labels line 1: column %d is %q, want %q", i+1, h, want[i])
		}
	}
	var labels []Label
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return labels, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("labels: %w", err)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("labels line %d: %d fields, want %d", line, len(rec), len(header))
		}
		l := Label{URI: strings.TrimSpace(rec[0]), Line: line}
		if l.URI == "" {
			return nil, fmt.Errorf("labels line %d: empty uri", line)
		}
		if first, dup := seen[l.URI]; dup {
			return nil, fmt.Errorf("labels line %d: uri %s already labelled on line %d", line, l.URI, first)
		}
		seen[l.URI] = line
		for i, dst := range []*bool{&l.Domain, &l.Community, &l.Practice} {
			switch strings.TrimSpace(rec[i+1]) {
			case "1":
				*dst = true
			case "0":
			default:
				return nil, fmt.Errorf("labels line %d: %s is %q, want 0 or 1", line, want[i+1], rec[i+1])
			}
		}
		if len(rec) > 4 {
			l.Split = strings.TrimSpace(rec[4])
		}
		if len(rec) > 5 {
			l.Note = rec[5]
		}
		labels = append(labels, l)
	}
}
