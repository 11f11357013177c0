// Package eval is `copharvest eval --labels FILE.csv`: agreement between the
// classifier and hand-coded posts.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// Options of the command.
type Options struct {
	IO            *iostreams.IOStreams
	Config        func() (*config.Config, error)
	Labels        string
	Against       string
	Split         string
	Format        string
	CV            int
	Disagreements bool
	ByLanguage    bool
}

// NewCmdEval builds the command.
func NewCmdEval(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "eval --labels FILE.csv",
		Short: "Compare the classifier, or a second coder, with hand-coded posts: kappa with its interval, precision, recall, F1",
		Long: `Compare hand-coded posts (CSV with a header naming uri,domain,community,practice
and 0/1 codes, optionally split, note, course and thread; the file 'copharvest
sample' writes, filled in, is read as it is; rows not coded yet are skipped;
see docs/codebook.md) with the classifier: per dimension Cohen's kappa with a
bootstrap 95% interval (resampling whole threads when the file names them),
precision, recall, F1 and the confusion matrix, and for each rule how often the
dimension was truly present when it fired. The posts must be in the database
(e.g. 'copharvest demo --course all --db coded.db' for the project's coded
courses in testdata/coded/).

--cv K cross-validates the training procedure instead of the current model:
each fold is classified by a model trained, with the current model's
settings, on the other folds; folds hold whole courses when the file has a
course column with at least K courses, else whole threads.

--disagreements lists the posts where coder and classifier differ, with
the features that pushed the classifier's decision; with --cv, the posts
each fold's model got wrong (out of fold, without reasons: the fold models
are not kept).

--against FILE2 compares two coders instead (inter-coder reliability, no
database needed): posts are matched by uri, or by thread and key; FILE is
the reference for precision and recall.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest demo --course all --db coded.db
  copharvest eval --db coded.db --labels testdata/coded/labels.csv --split heldout
  copharvest eval --db coded.db --labels testdata/coded/labels.csv --split train --cv 3
  copharvest eval --labels coder1.csv --against coder2.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Labels == "" {
				return cmdutil.FlagErrorf("--labels FILE.csv is required")
			}
			if opts.CV == 1 || opts.CV < 0 {
				return cmdutil.FlagErrorf("--cv must be at least 2")
			}
			if opts.Against != "" && (opts.CV != 0 || opts.Disagreements || opts.ByLanguage) {
				return cmdutil.FlagErrorf("--against compares two coders; it does not go with --cv, --disagreements or --by-language")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Labels, "labels", "", "hand-coded posts (CSV)")
	cmd.Flags().StringVar(&opts.Against, "against", "", "a second coder's CSV: inter-coder agreement instead of the classifier's")
	cmd.Flags().StringVar(&opts.Split, "split", "", "only rows of this split (e.g. heldout)")
	cmdutil.EnumFlag(cmd, &opts.Format, "format", "", "table", []string{"table", "markdown", "json"}, "output format")
	cmd.Flags().IntVar(&opts.CV, "cv", 0, "K-fold cross-validation of the training procedure (grouped by course or thread)")
	cmd.Flags().BoolVar(&opts.Disagreements, "disagreements", false, "list the posts where coder and classifier differ, with the classifier's reasons")
	cmd.Flags().BoolVar(&opts.ByLanguage, "by-language", false, "also report agreement per post language, beside the training posts in each")
	return cmd
}

// Result is what eval reports (the JSON output).
type Result struct {
	Classifier    string              `json:"classifier,omitempty"`
	Mode          string              `json:"mode"` // model, cross-validation or coders
	Folds         int                 `json:"folds,omitempty"`
	GroupedBy     string              `json:"grouped_by,omitempty"`
	Skipped       int                 `json:"not_coded"`
	Report        classify.Report     `json:"report"`
	Disagreements []Disagreement      `json:"disagreements,omitempty"`
	Agreement     *classify.Agreement `json:"agreement,omitempty"`
	ByLanguage    []LanguageReport    `json:"by_language,omitempty"`
}

// LanguageReport is the agreement on the posts of one language.
type LanguageReport struct {
	Language string          `json:"language"` // ISO 639-1 as the author set it, or und
	Trained  int             `json:"training_posts"`
	Report   classify.Report `json:"report"`
}

// Disagreement is one post where coder and classifier differ.
type Disagreement struct {
	URI         string   `json:"uri"`
	Dimension   string   `json:"dimension"`
	Coded       bool     `json:"coded"`
	Probability float64  `json:"probability"`
	Reasons     []string `json:"reasons"` // strongest features: weight, name, words
	Note        string   `json:"note,omitempty"`
}

func readLabels(path, split string) ([]classify.Label, int, error) {
	labels, skipped, err := cmdutil.ReadLabelsFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(labels) == 0 {
		return nil, 0, cmdutil.FlagErrorf("%s has no coded rows yet (%d rows without codes): fill in domain, community and practice with 0 or 1", path, skipped)
	}
	if split != "" {
		kept := labels[:0]
		for _, l := range labels {
			if l.Split == split {
				kept = append(kept, l)
			}
		}
		labels = kept
		if len(labels) == 0 {
			return nil, 0, cmdutil.FlagErrorf("no rows of split %q in %s", split, path)
		}
	}
	return labels, skipped, nil
}

// Run evaluates.
func Run(ctx context.Context, opts *Options) error {
	labels, skipped, err := readLabels(opts.Labels, opts.Split)
	if err != nil {
		return err
	}
	if opts.Against != "" {
		other, _, err := readLabels(opts.Against, opts.Split)
		if err != nil {
			return err
		}
		ag := classify.CompareLabels(labels, other)
		if ag.N == 0 {
			return cmdutil.FlagErrorf("%s and %s have no post in common (matched by uri, or thread and key)", opts.Labels, opts.Against)
		}
		if n := len(ag.OnlyA) + len(ag.OnlyB); n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %d posts coded in one file only (%d in %s, %d in %s)\n", n, len(ag.OnlyA), opts.Labels, len(ag.OnlyB), opts.Against)
		}
		res := Result{Mode: "coders", Skipped: skipped, Agreement: &ag, Report: classify.Report{N: ag.N, Dimensions: ag.Dimensions}}
		return output(opts, res, fmt.Sprintf("%d posts coded by both %s and %s (the first is the reference for precision and recall)", ag.N, opts.Labels, opts.Against))
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	c, st, err := cmdutil.OpenForClassifying(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	inputs, threads, err := cmdutil.LabelledInputs(ctx, st, labels)
	if err != nil {
		return err
	}
	res := Result{Classifier: c.Version(), Mode: "model", Skipped: skipped}
	var missing []string
	if opts.CV > 0 {
		res.Mode, res.Folds = "cross-validation", opts.CV
		var outOfFold []Disagreement
		var results map[string]classify.Result
		res.Report, res.GroupedBy, missing, outOfFold, results = crossValidate(c, labels, inputs, threads, opts.CV)
		if opts.Disagreements {
			res.Disagreements = outOfFold
		}
		if opts.ByLanguage {
			res.ByLanguage = byLanguage(c, labels, inputs, results)
		}
	} else {
		results := map[string]classify.Result{}
		for uri, in := range inputs {
			results[uri] = c.Classify(in)
		}
		res.Report = classify.Evaluate(labels, results)
		missing = res.Report.Missing
		if opts.Disagreements {
			res.Disagreements = disagreements(c, labels, inputs, results)
		}
		if opts.ByLanguage {
			res.ByLanguage = byLanguage(c, labels, inputs, results)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d labelled posts are not in the database (first: %s)\n", len(missing), missing[0])
	}
	if res.Report.N == 0 {
		return fmt.Errorf("none of the %d labelled posts is in %s: sync them first", len(labels), store.Redact(cfg.DB))
	}
	title := fmt.Sprintf("%d hand-coded posts, classifier %s", res.Report.N, res.Classifier)
	if opts.CV > 0 {
		title = fmt.Sprintf("%d hand-coded posts, %d-fold cross-validation grouped by %s (each fold classified by a model trained on the others with the settings of %s)",
			res.Report.N, opts.CV, res.GroupedBy, res.Classifier)
	}
	return output(opts, res, title)
}

// crossValidate trains on all folds but one with the current model's
// settings (defaults without a model) and classifies the fold left out. It
// also returns the out-of-fold disagreements, without reasons: each comes
// from a fold's own model, which is not kept.
func crossValidate(c *classify.Classifier, labels []classify.Label, inputs map[string]*classify.Input, threads map[string]string, k int) (classify.Report, string, []string, []Disagreement, map[string]classify.Result) {
	ex, missing := c.Examples(labels, inputs, threads)
	var settings [3]classify.Setting
	for d := range settings {
		settings[d] = classify.Setting{MinCount: 3, Lambda: 1, WordPenalty: 1, Threshold: 0.5}
		if m := c.Model(); m != nil {
			md := m.Dimensions[d]
			settings[d] = classify.Setting{MinCount: m.Training.MinCount, Lambda: md.Lambda, WordPenalty: md.WordPenalty, Threshold: md.Threshold}
		}
	}
	folds, by := classify.Folds(ex, k)
	preds := classify.CrossValidate(ex, folds, k, settings)
	rep := classify.Report{N: len(ex), Missing: missing}
	groups := make([]string, len(ex))
	for i, e := range ex {
		groups[i] = e.Group
	}
	for d, name := range classify.DimensionNames {
		truth, got := make([]bool, len(ex)), make([]bool, len(ex))
		for i, e := range ex {
			truth[i], got[i] = e.Codes[d], preds[i].Prob[d] >= settings[d].Threshold
		}
		rep.Dimensions = append(rep.Dimensions, classify.CompareCodes(name, truth, got, groups, classify.BootstrapRounds, 1))
	}
	notes := make(map[string]string, len(labels))
	for _, l := range labels {
		notes[l.URI] = l.Note
	}
	var dis []Disagreement
	results := make(map[string]classify.Result, len(ex))
	for i, e := range ex {
		var dims [3]classify.Dimension
		for d, name := range classify.DimensionNames {
			p := preds[i].Prob[d]
			dims[d] = classify.Dimension{Score: p, Present: p >= settings[d].Threshold}
			if dims[d].Present != e.Codes[d] {
				dis = append(dis, Disagreement{URI: e.URI, Dimension: name, Coded: e.Codes[d], Probability: p, Reasons: []string{"(out of fold)"}, Note: notes[e.URI]})
			}
		}
		results[e.URI] = classify.Result{Domain: dims[0], Community: dims[1], Practice: dims[2]}
	}
	return rep, by, missing, dis, results
}

// byLanguage evaluates the posts of each language apart, largest first,
// beside the number of training posts the model saw in that language.
func byLanguage(c *classify.Classifier, labels []classify.Label, inputs map[string]*classify.Input, results map[string]classify.Result) []LanguageReport {
	groups := map[string][]classify.Label{}
	for _, l := range labels {
		if in, ok := inputs[l.URI]; ok {
			lang := classify.LanguageOf(in.Language)
			groups[lang] = append(groups[lang], l)
		}
	}
	var out []LanguageReport
	for lang, ls := range groups {
		r := LanguageReport{Language: lang, Report: classify.Evaluate(ls, results)}
		if m := c.Model(); m != nil {
			r.Trained = m.Training.Languages[lang]
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Report.N != out[j].Report.N {
			return out[i].Report.N > out[j].Report.N
		}
		return out[i].Language < out[j].Language
	})
	return out
}

// disagreements lists, per dimension, the posts where the coder and the
// classifier differ, with the strongest features behind the decision.
func disagreements(c *classify.Classifier, labels []classify.Label, inputs map[string]*classify.Input, results map[string]classify.Result) []Disagreement {
	var out []Disagreement
	for _, l := range labels {
		res, ok := results[l.URI]
		if !ok {
			continue
		}
		coded := []bool{l.Domain, l.Community, l.Practice}
		got := []classify.Dimension{res.Domain, res.Community, res.Practice}
		var dims []classify.DimensionExplanation
		for d := range coded {
			if got[d].Present == coded[d] {
				continue
			}
			if dims == nil {
				_, dims = c.Explain(inputs[l.URI])
			}
			dg := Disagreement{URI: l.URI, Dimension: classify.DimensionNames[d], Coded: coded[d], Probability: got[d].Score, Note: l.Note}
			for _, x := range dims[d].Contributions {
				// The reasons for the decision taken: features pushing its way.
				if (x.Weight > 0) == got[d].Present {
					dg.Reasons = append(dg.Reasons, fmt.Sprintf("%+.2f %s (%s)", x.Weight, x.Feature, x.Words))
				}
				if len(dg.Reasons) == 3 {
					break
				}
			}
			if c.Model() == nil {
				for _, h := range dims[d].Rules {
					dg.Reasons = append(dg.Reasons, fmt.Sprintf("%+.2f %s (%s)", h.Weight, h.Rule, strings.Join(h.Matched, ", ")))
				}
			}
			out = append(out, dg)
		}
	}
	return out
}

func output(opts *Options, res Result, title string) error {
	if opts.Format == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return Print(opts.IO.Out, title, res, opts.Format == "markdown")
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// Print writes the dimension table, then the rule table and the disagreements.
func Print(w io.Writer, title string, res Result, markdown bool) error {
	fmt.Fprintf(w, "%s\n\n", title)
	rep := res.Report
	var rows [][]string
	for _, d := range rep.Dimensions {
		rows = append(rows, []string{d.Name, f2(d.Kappa), "[" + f2(d.KappaLow) + ", " + f2(d.KappaHigh) + "]", f2(d.Precision), f2(d.Recall), f2(d.F1), f2(d.Accuracy),
			strconv.Itoa(d.TP), strconv.Itoa(d.FP), strconv.Itoa(d.FN), strconv.Itoa(d.TN)})
	}
	if err := tableprinter.Render(w, markdown, []string{"dimension", "kappa", "95% CI", "precision", "recall", "F1", "accuracy", "TP", "FP", "FN", "TN"}, rows); err != nil {
		return err
	}
	if len(rep.Rules) > 0 {
		fmt.Fprintln(w)
		rows = nil
		for _, r := range rep.Rules {
			kind := "for"
			if r.Negative {
				kind = "against"
			}
			rows = append(rows, []string{r.Rule, r.Dimension, kind, strconv.Itoa(r.Fired), strconv.Itoa(r.Correct), f2(r.Precision)})
		}
		if err := tableprinter.Render(w, markdown, []string{"rule", "dimension", "evidence", "fired", "right", "precision"}, rows); err != nil {
			return err
		}
	}
	if len(res.ByLanguage) > 0 {
		fmt.Fprintf(w, "\nBy language (as the authors set it; training posts: how many the model learned from):\n\n")
		rows = nil
		for _, l := range res.ByLanguage {
			row := []string{l.Language, strconv.Itoa(l.Report.N), strconv.Itoa(l.Trained)}
			for _, d := range l.Report.Dimensions {
				row = append(row, kappaCell(d))
			}
			p := l.Report.Dimensions[2]
			rows = append(rows, append(row, f2(p.Precision), f2(p.Recall)))
		}
		if err := tableprinter.Render(w, markdown, []string{"language", "posts", "training posts", "domain kappa", "community kappa", "practice kappa", "practice precision", "practice recall"}, rows); err != nil {
			return err
		}
	}
	if len(res.Disagreements) > 0 {
		fmt.Fprintf(w, "\n%d disagreements (coded, classifier's probability, its reasons):\n\n", len(res.Disagreements))
		rows = nil
		for _, d := range res.Disagreements {
			coded := "0"
			if d.Coded {
				coded = "1"
			}
			rows = append(rows, []string{d.URI, d.Dimension, coded, f2(d.Probability), strings.Join(d.Reasons, "; ")})
		}
		return tableprinter.Render(w, markdown, []string{"post", "dimension", "coded", "p", "reasons"}, rows)
	}
	return nil
}

// kappaCell is kappa with its interval, in one cell.
func kappaCell(d classify.DimensionReport) string {
	return f2(d.Kappa) + " [" + f2(d.KappaLow) + ", " + f2(d.KappaHigh) + "]"
}
