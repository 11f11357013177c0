package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Example is one coded post for training: its features and the coders' codes.
type Example struct {
	URI      string
	Course   string // "" when the labels have no course column
	Language string // the post's language as its author set it ("" when unset)
	Group    string // cross-validation group: the course/thread the post belongs to
	Features []string
	Codes    [3]bool // domain, community, practice
}

// Examples pairs labels with the classifier's features of their posts
// (inputs by URI); labels without a post are returned as missing.
func (c *Classifier) Examples(labels []Label, inputs map[string]*Input, threadOf map[string]string) (ex []Example, missing []string) {
	for _, l := range labels {
		in, ok := inputs[l.URI]
		if !ok {
			missing = append(missing, l.URI)
			continue
		}
		group := l.Thread
		if group == "" {
			group = threadOf[l.URI]
		}
		if group == "" {
			group = l.URI
		}
		ex = append(ex, Example{URI: l.URI, Course: l.Course, Language: in.Language, Group: l.Course + "/" + group, Features: c.Features(in),
			Codes: [3]bool{l.Domain, l.Community, l.Practice}})
	}
	return ex, missing
}

// TrainOptions are the settings of a fit. Zero values take the defaults.
type TrainOptions struct {
	MinCount int       // a word feature must occur in this many training posts (default 3)
	Lambdas  []float64 // L2 penalties tried by cross-validation (default DefaultLambdas)
	// WordPenalties multiply the penalty of word features (default DefaultWordPenalties).
	WordPenalties []float64
	Folds         int // cross-validation folds (default: one per course when there are 3 or more, else 5 by thread)
}

// DefaultLambdas are the L2 penalties train tries, DefaultWordPenalties the
// multipliers of the penalty on words.
var (
	DefaultLambdas       = []float64{0.3, 1, 3, 10}
	DefaultWordPenalties = []float64{1, 3, 10, 30}
)

func (o TrainOptions) withDefaults() TrainOptions {
	if o.MinCount == 0 {
		o.MinCount = 3
	}
	if len(o.Lambdas) == 0 {
		o.Lambdas = DefaultLambdas
	}
	if len(o.WordPenalties) == 0 {
		o.WordPenalties = DefaultWordPenalties
	}
	return o
}

// TrainingHash identifies a training set: the examples' uris, codes and
// feature names, in uri order. The same coded posts seen by the same
// feature extractor give the same hash.
func TrainingHash(ex []Example) string {
	sorted := slices.Clone(ex)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].URI < sorted[j].URI })
	h := sha256.New()
	for _, e := range sorted {
		fs := slices.Clone(e.Features)
		sort.Strings(fs)
		fmt.Fprintf(h, "%s\t%s\t%s\n", e.URI, codeString(e.Codes), strings.Join(fs, "\x1f"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func codeString(c [3]bool) string {
	b := []byte("000")
	for i, v := range c {
		if v {
			b[i] = '1'
		}
	}
	return string(b)
}

// Folds assigns each example a fold: whole courses when there are at least
// k courses (leave-courses-out), else whole threads, spread by a hash of the
// group name so that the assignment never depends on the order of the file.
// It returns the fold of each example and what was grouped by.
func Folds(ex []Example, k int) ([]int, string) {
	courses := map[string]bool{}
	for _, e := range ex {
		courses[e.Course] = true
	}
	by := "thread"
	key := func(e Example) string { return e.Group }
	if len(courses) >= k && !courses[""] {
		by = "course"
		key = func(e Example) string { return e.Course }
	}
	var groups []string
	seen := map[string]bool{}
	for _, e := range ex {
		if g := key(e); !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		hi, hj := hashString(groups[i]), hashString(groups[j])
		if hi != hj {
			return hi < hj
		}
		return groups[i] < groups[j]
	})
	fold := map[string]int{}
	for i, g := range groups {
		fold[g] = i % k
	}
	out := make([]int, len(ex))
	for i, e := range ex {
		out[i] = fold[key(e)]
	}
	return out, by
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// DefaultFolds is the number of folds train uses for ex: one per course when
// there are three or more courses, else 5.
func DefaultFolds(ex []Example) int {
	courses := map[string]bool{}
	for _, e := range ex {
		courses[e.Course] = true
	}
	if len(courses) >= 3 && !courses[""] {
		return len(courses)
	}
	return 5
}

// design is the vocabulary examples are encoded over.
type design struct {
	vocab []string
}

// buildDesign keeps the features found in at least minCount of the examples
// (rule, context and cue features too: a feature seen twice teaches nothing).
func buildDesign(train []Example, minCount int) design {
	count := map[string]int{}
	for _, e := range train {
		for _, f := range e.Features {
			count[f]++
		}
	}
	var d design
	for f, n := range count {
		if n >= minCount {
			d.vocab = append(d.vocab, f)
		}
	}
	sort.Strings(d.vocab)
	return d
}

func (d *design) encode(ex []Example) [][]int32 {
	idx := make(map[string]int32, len(d.vocab))
	for i, f := range d.vocab {
		idx[f] = int32(i)
	}
	rows := make([][]int32, len(ex))
	for i, e := range ex {
		for _, f := range e.Features {
			if j, ok := idx[f]; ok {
				rows[i] = append(rows[i], j)
			}
		}
	}
	return rows
}

// fitLogistic minimises the L2-regularised logistic loss
// sum log(1+exp(-y z)) + lambda/2 |w|^2 (bias not penalised) with L-BFGS.
// Deterministic: no randomness, fixed iteration cap.
func fitLogistic(rows [][]int32, y []bool, lambdas []float64) (w []float64, bias float64) {
	nFeat := len(lambdas)
	n := nFeat + 1 // last is the bias
	x := make([]float64, n)
	f := func(x, g []float64) float64 {
		clear(g)
		loss := 0.0
		for i, r := range rows {
			z := x[nFeat]
			for _, j := range r {
				z += x[j]
			}
			t := -1.0
			if y[i] {
				t = 1
			}
			m := t * z
			if m > 0 {
				loss += math.Log1p(math.Exp(-m))
			} else {
				loss += -m + math.Log1p(math.Exp(m))
			}
			gi := -t * sigmoid(-m)
			for _, j := range r {
				g[j] += gi
			}
			g[nFeat] += gi
		}
		for j, lambda := range lambdas {
			loss += lambda / 2 * x[j] * x[j]
			g[j] += lambda * x[j]
		}
		return loss
	}
	lbfgs(f, x, 300)
	return x[:nFeat], x[nFeat]
}

// lbfgs minimises f from x in place (limited-memory BFGS, memory 10, with
// a backtracking line search).
func lbfgs(f func(x, g []float64) float64, x []float64, maxIter int) {
	n := len(x)
	const m = 10
	g := make([]float64, n)
	fx := f(x, g)
	var sList, yList [][]float64
	var rho []float64
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, m)
	for iter := 0; iter < maxIter; iter++ {
		if norm(g) < 1e-6*math.Max(1, norm(x)) {
			return
		}
		// Two-loop recursion: d = -H g.
		copy(d, g)
		for k := len(sList) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(sList[k], d)
			axpy(-alpha[k], yList[k], d)
		}
		if k := len(sList) - 1; k >= 0 {
			scale(dot(sList[k], yList[k])/dot(yList[k], yList[k]), d)
		} else {
			scale(1/math.Max(1, norm(g)), d)
		}
		for k := range sList {
			b := rho[k] * dot(yList[k], d)
			axpy(alpha[k]-b, sList[k], d)
		}
		scale(-1, d)
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			sList, yList, rho = nil, nil, nil
			copy(d, g)
			scale(-1/math.Max(1, norm(g)), d)
			slope = dot(g, d)
		}
		step, fNew := 1.0, 0.0
		for ls := 0; ; ls++ {
			for i := range x {
				xNew[i] = x[i] + step*d[i]
			}
			fNew = f(xNew, gNew)
			if fNew <= fx+1e-4*step*slope || ls == 40 {
				break
			}
			step /= 2
		}
		s := make([]float64, n)
		yv := make([]float64, n)
		for i := range x {
			s[i] = xNew[i] - x[i]
			yv[i] = gNew[i] - g[i]
		}
		copy(x, xNew)
		copy(g, gNew)
		improved := fx - fNew
		fx = fNew
		if sy := dot(s, yv); sy > 1e-12 {
			if len(sList) == m {
				sList, yList, rho = sList[1:], yList[1:], rho[1:]
			}
			sList, yList, rho = append(sList, s), append(yList, yv), append(rho, 1/sy)
		}
		if improved >= 0 && improved < 1e-10*math.Max(1, math.Abs(fx)) {
			return
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// fitted is one dimension's regression over a design's vocabulary.
type fitted struct {
	vocab   []string
	weights []float64
	bias    float64
}

func fitDimension(train []Example, d int, s Setting) fitted {
	des := buildDesign(train, s.MinCount)
	rows := des.encode(train)
	y := make([]bool, len(train))
	for i, e := range train {
		y[i] = e.Codes[d]
	}
	lambdas := make([]float64, len(des.vocab))
	for j, f := range des.vocab {
		lambdas[j] = s.Lambda
		if strings.HasPrefix(f, "w:") && s.WordPenalty > 0 {
			lambdas[j] *= s.WordPenalty
		}
	}
	w, b := fitLogistic(rows, y, lambdas)
	return fitted{vocab: des.vocab, weights: w, bias: b}
}

func (f *fitted) prob(features []string, idx map[string]int) float64 {
	z := f.bias
	seen := map[int]bool{}
	for _, name := range features {
		if j, ok := idx[name]; ok && !seen[j] {
			seen[j] = true
			z += f.weights[j]
		}
	}
	return sigmoid(z)
}

func (f *fitted) index() map[string]int {
	idx := make(map[string]int, len(f.vocab))
	for i, v := range f.vocab {
		idx[v] = i
	}
	return idx
}

// Setting is what a fit of one dimension needs.
type Setting struct {
	MinCount    int
	Lambda      float64
	WordPenalty float64 // words' penalty is Lambda times this: words travel less well between courses than rules and context
	Threshold   float64
}

// Prediction is an out-of-fold probability for one example and dimension.
type Prediction struct {
	Prob [3]float64
}

// CrossValidate fits each dimension on all folds but one and predicts the
// one left out, for every fold: out-of-fold probabilities, one per example.
func CrossValidate(ex []Example, folds []int, k int, settings [3]Setting) []Prediction {
	out := make([]Prediction, len(ex))
	for fold := 0; fold < k; fold++ {
		var train []Example
		for i, e := range ex {
			if folds[i] != fold {
				train = append(train, e)
			}
		}
		if len(train) == 0 {
			continue
		}
		for d := range 3 {
			f := fitDimension(train, d, settings[d])
			idx := f.index()
			for i, e := range ex {
				if folds[i] == fold {
					out[i].Prob[d] = f.prob(e.Features, idx)
				}
			}
		}
	}
	return out
}

// Train fits the model: for each dimension the L2 penalty and threshold
// that give the best cross-validated kappa (folds grouped by course, or by
// thread), then a fit on all examples with them. The model records the
// cross-validated figures at the chosen settings.
func Train(ex []Example, opts TrainOptions) (*Model, error) {
	opts = opts.withDefaults()
	if len(ex) < 10 {
		return nil, fmt.Errorf("train: %d coded posts, want at least 10", len(ex))
	}
	for d, name := range DimensionNames {
		pos := 0
		for _, e := range ex {
			if e.Codes[d] {
				pos++
			}
		}
		if pos == 0 || pos == len(ex) {
			return nil, fmt.Errorf("train: every post has %s=%d; the coders' codes must have both values", name, min(pos, 1))
		}
	}
	k := opts.Folds
	if k == 0 {
		k = DefaultFolds(ex)
	}
	if k < 2 {
		return nil, errors.New("train: cross-validation needs at least 2 folds")
	}
	folds, by := Folds(ex, k)
	m := &Model{Format: ModelFormat}
	var courses []string
	for _, e := range ex {
		if e.Course != "" && !slices.Contains(courses, e.Course) {
			courses = append(courses, e.Course)
		}
	}
	sort.Strings(courses)
	groups := make([]string, len(ex))
	for i, e := range ex {
		groups[i] = e.Group
	}
	// Out-of-fold probabilities for every setting (all three dimensions at once).
	var grid []Setting
	for _, l := range opts.Lambdas {
		for _, wp := range opts.WordPenalties {
			grid = append(grid, Setting{MinCount: opts.MinCount, Lambda: l, WordPenalty: wp})
		}
	}
	oof := make([][]Prediction, len(grid))
	for gi, s := range grid {
		oof[gi] = CrossValidate(ex, folds, k, [3]Setting{s, s, s})
	}
	for d, name := range DimensionNames {
		truth := make([]bool, len(ex))
		for i, e := range ex {
			truth[i] = e.Codes[d]
		}
		bestG, best, bestKappa := 0, Setting{}, math.Inf(-1)
		for gi, s := range grid {
			probs := make([]float64, len(ex))
			for i := range ex {
				probs[i] = oof[gi][i].Prob[d]
			}
			// The threshold leaves 0.5 only for a clear gain: the kappa
			// curve is flat near its top, and a threshold fitted to the
			// noise of one cross-validation does not travel to new courses.
			t, kappa := 0.5, kappaAt(truth, probs, 0.5)
			for _, c := range thresholdGrid() {
				if k := kappaAt(truth, probs, c); k >= kappaAt(truth, probs, 0.5)+ThresholdGain && k > kappa+1e-12 {
					t, kappa = c, k
				}
			}
			if kappa > bestKappa+1e-12 {
				bestG, best, bestKappa = gi, s, kappa
				best.Threshold = t
			}
		}
		got := make([]bool, len(ex))
		for i := range ex {
			got[i] = oof[bestG][i].Prob[d] >= best.Threshold
		}
		rep := CompareCodes(name, truth, got, groups, BootstrapRounds, 1)
		f := fitDimension(ex, d, best)
		md := ModelDimension{Name: name, Lambda: best.Lambda, WordPenalty: best.WordPenalty, Threshold: best.Threshold, Bias: round6(f.bias),
			Weights: map[string]float64{},
			CV: CVFigures{N: rep.N, Kappa: round6(rep.Kappa), KappaLow: round6(rep.KappaLow), KappaHigh: round6(rep.KappaHigh),
				Precision: round6(rep.Precision), Recall: round6(rep.Recall), F1: round6(rep.F1)}}
		for j, v := range f.vocab {
			if w := round6(f.weights[j]); w != 0 {
				md.Weights[v] = w
			}
		}
		m.Dimensions = append(m.Dimensions, md)
		m.Training.Features = max(m.Training.Features, len(f.vocab))
	}
	langs := map[string]int{}
	for _, e := range ex {
		langs[LanguageOf(e.Language)]++
	}
	m.Training = TrainingInfo{Examples: len(ex), Courses: courses, Languages: langs, Hash: TrainingHash(ex), MinCount: opts.MinCount,
		Features: m.Training.Features, CVFolds: k, CVGroups: by, Lambdas: opts.Lambdas, WordPenalties: opts.WordPenalties, RulesVersion: Version}
	m.Version = "model-" + Version + "-" + m.Training.Hash[:8]
	return m, nil
}

// LanguageOf names a post's language for grouping: the ISO 639-1 code
// its author set, lower-cased, or "und" (undetermined) when unset.
func LanguageOf(lang string) string {
	if lang = strings.ToLower(strings.TrimSpace(lang)); lang != "" {
		return lang
	}
	return "und"
}

func round6(v float64) float64 {
	r := math.Round(v*1e6) / 1e6
	if r == 0 {
		return 0 // no -0 in the file
	}
	return r
}

// thresholdGrid: 0.20, 0.25, ... 0.80.
// ThresholdGain is the cross-validated kappa a threshold other than 0.5 must
// add to be chosen.
const ThresholdGain = 0.02

func thresholdGrid() []float64 {
	var out []float64
	for t := 20; t <= 80; t += 5 {
		out = append(out, float64(t)/100)
	}
	return out
}

func kappaAt(truth []bool, probs []float64, t float64) float64 {
	var tp, fp, fn, tn int
	for i, y := range truth {
		switch p := probs[i] >= t; {
		case p && y:
			tp++
		case p && !y:
			fp++
		case !p && y:
			fn++
		default:
			tn++
		}
	}
	k, _, _ := CohenKappa(tp, fp, fn, tn)
	return k
}

// String is a one-line summary of the model's cross-validated agreement.
func (m *Model) String() string {
	var parts []string
	for _, d := range m.Dimensions {
		parts = append(parts, d.Name+" κ "+strconv.FormatFloat(d.CV.Kappa, 'f', 2, 64))
	}
	return m.Version + " (" + strings.Join(parts, ", ") + ")"
}
