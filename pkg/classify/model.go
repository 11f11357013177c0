package classify

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
)

// ModelFormat is the version of the model file's layout.
const ModelFormat = 1

// Model is a learned classifier that stays explainable: per dimension an
// L2-regularised logistic regression over named features (see features.go).
// A post's probability is the logistic of bias + the weights of its
// features; it is present when the probability reaches the threshold.
type Model struct {
	Format     int              `json:"format"`
	Version    string           `json:"version"` // recorded with every classification it makes
	Training   TrainingInfo     `json:"training"`
	Dimensions []ModelDimension `json:"dimensions"` // domain, community, practice
}

// TrainingInfo says what a model was fitted on and how it was chosen.
type TrainingInfo struct {
	Examples int      `json:"examples"`
	Courses  []string `json:"courses,omitempty"`
	// Languages counts the training posts per language as their authors
	// set it ("und" when unset): the cue lexicons and words cover these;
	// in other languages practice goes largely unseen.
	Languages     map[string]int `json:"languages,omitempty"`
	Hash          string         `json:"hash"` // sha256 of the examples: uri, codes and feature names
	MinCount      int            `json:"min_count"`
	Features      int            `json:"features"`
	CVFolds       int            `json:"cv_folds"`
	CVGroups      string         `json:"cv_grouped_by"` // course or thread
	Lambdas       []float64      `json:"lambdas_tried"`
	WordPenalties []float64      `json:"word_penalties_tried"`
	RulesVersion  string         `json:"rules_version"`
}

// ModelDimension is one dimension's regression.
type ModelDimension struct {
	Name        string             `json:"name"`
	Lambda      float64            `json:"lambda"`       // L2 penalty chosen by cross-validation
	WordPenalty float64            `json:"word_penalty"` // words' penalty is lambda times this, chosen likewise
	Threshold   float64            `json:"threshold"`    // probability at which present, chosen by cross-validation
	Bias        float64            `json:"bias"`
	Weights     map[string]float64 `json:"weights"`
	CV          CVFigures          `json:"cv"` // out-of-fold agreement with the coders at Lambda and Threshold
}

// CVFigures are cross-validated figures of one dimension.
type CVFigures struct {
	N         int     `json:"n"`
	Kappa     float64 `json:"kappa"`
	KappaLow  float64 `json:"kappa_ci_low"` // bootstrap 95% interval, resampling groups
	KappaHigh float64 `json:"kappa_ci_high"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

//go:embed model/builtin.json
var builtinModelJSON []byte

// BuiltinModel returns the model embedded in the binary, trained on the
// project's coded training courses (testdata/coded, split train).
func BuiltinModel() *Model {
	m, err := ReadModel(strings.NewReader(string(builtinModelJSON)))
	if err != nil {
		panic(fmt.Sprintf("built-in model: %v", err)) // tested: a build defect
	}
	return m
}

// ReadModel decodes and checks a model file.
func ReadModel(r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if m.Format != ModelFormat {
		return nil, fmt.Errorf("model: format %d, this copharvest reads format %d", m.Format, ModelFormat)
	}
	if m.Version == "" {
		return nil, errors.New("model: no version")
	}
	if len(m.Dimensions) != len(DimensionNames) {
		return nil, fmt.Errorf("model: %d dimensions, want %s", len(m.Dimensions), strings.Join(DimensionNames, ", "))
	}
	for i, d := range m.Dimensions {
		if d.Name != DimensionNames[i] {
			return nil, fmt.Errorf("model: dimension %d is %q, want %q", i+1, d.Name, DimensionNames[i])
		}
		if !(d.Threshold > 0 && d.Threshold < 1) {
			return nil, fmt.Errorf("model: %s threshold %v, want between 0 and 1", d.Name, d.Threshold)
		}
		for f, w := range d.Weights {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("model: %s weight of %q is %v", d.Name, f, w)
			}
		}
	}
	return &m, nil
}

// LoadModel reads a model file.
func LoadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Write encodes the model as indented JSON (keys sorted: stable diffs).
func (m *Model) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(m)
}

// compiledModel indexes the weights by feature name for scoring.
type compiledModel struct {
	m *Model
	// index: a feature's row of weights; noFeature for a word that is no
	// feature itself but starts a pair of words that is.
	index   map[string]int32
	pairs   []bool // per feature: a pair of words starting with it is a feature
	weights [][3]float64
	bits    sync.Pool // *[]uint64: bitsets of len(weights) bits, all clear
}

func compile(m *Model) *compiledModel {
	cm := &compiledModel{m: m, index: map[string]int32{}}
	for d, dim := range m.Dimensions {
		names := make([]string, 0, len(dim.Weights))
		for f := range dim.Weights {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			i, ok := cm.index[f]
			if !ok {
				i = int32(len(cm.weights))
				cm.index[f] = i
				cm.weights = append(cm.weights, [3]float64{})
			}
			cm.weights[i][d] = dim.Weights[f]
		}
	}
	// "w:next step" is looked up only after "w:next" said pairs start there.
	cm.pairs = make([]bool, len(cm.weights))
	for f := range cm.index {
		first, _, isPair := strings.Cut(f, " ")
		if !isPair || !strings.HasPrefix(f, "w:") {
			continue
		}
		if i, ok := cm.index[first]; !ok {
			cm.index[first] = noFeature
		} else if i != noFeature {
			cm.pairs[i] = true
		}
	}
	words := (len(cm.weights) + 63) / 64
	cm.bits.New = func() any { b := make([]uint64, words); return &b }
	return cm
}

// scoreSink sums the weights of a post's features, each once.
type scoreSink struct {
	cm   *compiledModel
	seen []uint64 // bit per feature of the model
	sum  [3]float64
}

// noFeature marks an index entry that is not a feature (see compiledModel).
const noFeature = -1

func (s *scoreSink) feature(name []byte, _ func() string) bool {
	i, ok := s.cm.index[string(name)]
	if !ok {
		return false
	}
	if i == noFeature {
		return true
	}
	if w, bit := i>>6, uint64(1)<<(i&63); s.seen[w]&bit == 0 {
		s.seen[w] |= bit
		for d := range s.sum {
			s.sum[d] += s.cm.weights[i][d]
		}
	}
	return s.cm.pairs[i]
}

// apply replaces the rules' decisions by the model's.
func (cm *compiledModel) apply(cx *context, r *Result) {
	bits := cm.bits.Get().(*[]uint64)
	s := scoreSink{cm: cm, seen: *bits}
	cx.extractFeatures(r, &s)
	clear(s.seen)
	cm.bits.Put(bits)
	for d, dim := range []*Dimension{&r.Domain, &r.Community, &r.Practice} {
		p := sigmoid(cm.m.Dimensions[d].Bias + s.sum[d])
		dim.Score = p
		dim.Present = p >= cm.m.Dimensions[d].Threshold
	}
	r.Version = cm.m.Version
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// WithModel returns a copy of c whose decisions are m's (nil: the rules').
func (c *Classifier) WithModel(m *Model) *Classifier {
	cc := *c
	cc.model = nil
	if m != nil {
		cc.model = compile(m)
	}
	return &cc
}

// Model returns the classifier's model, nil when the rules decide.
func (c *Classifier) Model() *Model {
	if c.model == nil {
		return nil
	}
	return c.model.m
}

// Version is what the classifier's results record: its model's version, or
// the rules' when it has none.
func (c *Classifier) Version() string {
	if c.model != nil {
		return c.model.m.Version
	}
	return RulesVersion()
}

// Contribution is one feature's push on one decision.
type Contribution struct {
	Feature string  // rule:C3, w:template, ctx:reply_to_other...
	Weight  float64 // added to the log-odds
	Words   string  // the words or facts behind it
}

// DimensionExplanation is why the model decided one dimension as it did.
type DimensionExplanation struct {
	Name          string
	Probability   float64
	Threshold     float64
	Present       bool
	Bias          float64
	Contributions []Contribution // strongest first
	Rules         []Hit          // the rules that fired
}

// explainSink keeps every feature with its words.
type explainSink struct {
	cm    *compiledModel
	seen  map[string]bool
	items []Contribution
	idx   []int32
}

func (s *explainSink) feature(name []byte, why func() string) bool {
	n := string(name)
	if s.seen[n] {
		return true
	}
	s.seen[n] = true
	i, ok := s.cm.index[n]
	if !ok || i == noFeature {
		return true
	}
	words := strings.TrimPrefix(n, "w:")
	if why != nil {
		words = why()
	}
	s.items = append(s.items, Contribution{Feature: n, Words: words})
	s.idx = append(s.idx, i)
	return true
}

// Explain classifies one post and says, per dimension, which features
// pushed the decision and how far. Without a model it reports the rules.
func (c *Classifier) Explain(in *Input) (Result, []DimensionExplanation) {
	cx := c.newContext(in)
	r := c.rules(cx)
	dims := []*Dimension{&r.Domain, &r.Community, &r.Practice}
	out := make([]DimensionExplanation, len(dims))
	for d := range dims {
		out[d] = DimensionExplanation{Name: DimensionNames[d], Rules: dims[d].Hits}
	}
	if c.model == nil {
		for d, dim := range dims {
			out[d].Probability, out[d].Present = dim.Score, dim.Present
		}
		return r, out
	}
	s := &explainSink{cm: c.model, seen: map[string]bool{}}
	cx.extractFeatures(&r, s)
	c.model.apply(cx, &r)
	for d, dim := range dims {
		md := c.model.m.Dimensions[d]
		e := &out[d]
		e.Probability, e.Present, e.Threshold, e.Bias = dim.Score, dim.Present, md.Threshold, md.Bias
		for k, it := range s.items {
			if w := c.model.weights[s.idx[k]][d]; w != 0 {
				it.Weight = w
				e.Contributions = append(e.Contributions, it)
			}
		}
		sort.SliceStable(e.Contributions, func(i, j int) bool {
			return math.Abs(e.Contributions[i].Weight) > math.Abs(e.Contributions[j].Weight)
		})
	}
	return r, out
}

// MinTrainingPostsPerLanguage is the number of training posts in a language
// below which the model is said not to know it: its cue lists and words then
// barely cover the language, and practice goes largely unseen there.
const MinTrainingPostsPerLanguage = 20

// UnfamiliarLanguages returns, of counts (posts per language, "" for
// unset), the languages the model learned from fewer than
// MinTrainingPostsPerLanguage posts of, with their counts, most posts
// first. It returns nil when the model does not record its languages.
func (m *Model) UnfamiliarLanguages(counts map[string]int) []LanguagePosts {
	if m == nil || len(m.Training.Languages) == 0 {
		return nil
	}
	var out []LanguagePosts
	for lang, n := range counts {
		if m.Training.Languages[LanguageOf(lang)] < MinTrainingPostsPerLanguage && n > 0 {
			out = append(out, LanguagePosts{Language: LanguageOf(lang), Posts: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Posts != out[j].Posts {
			return out[i].Posts > out[j].Posts
		}
		return out[i].Language < out[j].Language
	})
	return out
}

// LanguagePosts is a number of posts in one language.
type LanguagePosts struct {
	Language string
	Posts    int
}
