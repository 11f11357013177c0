package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Label is one hand-coded post.
type Label struct {
	URI                         string
	Domain, Community, Practice bool
	Split                       string // "train", "heldout" or ""
	Note                        string
	Course                      string // "" without a course column
	Thread                      string // "" without a thread column
	Line                        int    // line in the CSV, for messages
}

// group is the label's resampling and cross-validation unit: its thread
// (within its course) when known, else the post itself.
func (l *Label) group() string {
	if l.Thread != "" {
		return l.Course + "/" + l.Thread
	}
	return l.URI
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
	KappaLow          float64 // bootstrap 95% interval of kappa (resampling threads when known, else posts)
	KappaHigh         float64
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
	var groups []string
	truths, gots := make([][]bool, len(dims)), make([][]bool, len(dims))
	for _, l := range labels {
		res, ok := results[l.URI]
		if !ok {
			rep.Missing = append(rep.Missing, l.URI)
			continue
		}
		rep.N++
		groups = append(groups, l.group())
		truth := []bool{l.Domain, l.Community, l.Practice}
		got := []Dimension{res.Domain, res.Community, res.Practice}
		for i := range dims {
			d := &dims[i]
			truths[i] = append(truths[i], truth[i])
			gots[i] = append(gots[i], got[i].Present)
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
		dims[i].KappaLow, dims[i].KappaHigh = BootstrapKappa(truths[i], gots[i], groups, BootstrapRounds, 1)
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

// LabelColumns are the columns ReadLabels understands; uri, domain,
// community and practice are required, in any order; other columns (the
// context `copharvest sample` writes) are ignored.
var LabelColumns = []string{"uri", "domain", "community", "practice", "split", "note", "course", "thread", "key"}

// ReadLabels reads hand-coded labels from CSV: a header naming at least
// uri, domain, community and practice (0/1 codes), optionally split, note,
// course and thread (a coder's file may name posts by thread and key
// instead of uri); other columns are ignored, so the file `copharvest
// sample` writes can be read as the coders filled it in. Rows whose three
// codes are all empty (not coded yet) are skipped and counted.
func ReadLabels(r io.Reader) ([]Label, error) {
	labels, _, err := ReadLabelsSkipped(r)
	return labels, err
}

// ReadLabelsSkipped is ReadLabels that also returns how many rows were not
// coded yet.
func ReadLabelsSkipped(r io.Reader) ([]Label, int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, errors.New("labels: empty file, want a header with uri,domain,community,practice")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("labels: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if slices.Contains(LabelColumns, name) {
			if _, dup := col[name]; dup {
				return nil, 0, fmt.Errorf("labels line 1: column %q twice", name)
			}
			col[name] = i
		}
	}
	_, hasThread := col["thread"]
	_, hasKey := col["key"]
	for _, need := range LabelColumns[:4] {
		if _, ok := col[need]; !ok && (need != "uri" || !hasThread || !hasKey) {
			return nil, 0, fmt.Errorf("labels line 1: no %q column (header: %s); want uri,domain,community,practice[,split,note,course,thread]",
				need, strings.Join(header, ","))
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var labels []Label
	seen := map[string]int{}
	skipped := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return labels, skipped, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, 0, fmt.Errorf("labels: %w", err)
		}
		if len(rec) != len(header) {
			return nil, 0, fmt.Errorf("labels line %d: %d fields, want %d", line, len(rec), len(header))
		}
		l := Label{URI: strings.TrimSpace(get(rec, "uri")), Line: line}
		if _, ok := col["uri"]; !ok {
			// A coder's file keyed by thread and post key (thread,key,domain,...).
			l.URI = strings.TrimSpace(get(rec, "thread")) + "/" + strings.TrimSpace(get(rec, "key"))
			if c := strings.TrimSpace(get(rec, "course")); c != "" {
				l.URI = c + "/" + l.URI
			}
		}
		if l.URI == "" || l.URI == "/" {
			return nil, 0, fmt.Errorf("labels line %d: empty uri", line)
		}
		codes := []string{strings.TrimSpace(get(rec, "domain")), strings.TrimSpace(get(rec, "community")), strings.TrimSpace(get(rec, "practice"))}
		if codes[0] == "" && codes[1] == "" && codes[2] == "" {
			skipped++
			continue
		}
		if first, dup := seen[l.URI]; dup {
			return nil, 0, fmt.Errorf("labels line %d: uri %s already labelled on line %d", line, l.URI, first)
		}
		seen[l.URI] = line
		for i, dst := range []*bool{&l.Domain, &l.Community, &l.Practice} {
			switch codes[i] {
			case "1":
				*dst = true
			case "0":
			default:
				return nil, 0, fmt.Errorf("labels line %d: %s is %q, want 0 or 1", line, DimensionNames[i], codes[i])
			}
		}
		l.Split = strings.TrimSpace(get(rec, "split"))
		l.Note = get(rec, "note")
		l.Course = strings.TrimSpace(get(rec, "course"))
		l.Thread = strings.TrimSpace(get(rec, "thread"))
		labels = append(labels, l)
	}
}
