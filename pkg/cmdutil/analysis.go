package cmdutil

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/store"
)

// Thresholds returns the community thresholds: the defaults with the config
// file's `thresholds:` mapping applied over them.
func Thresholds(cfg *config.Config) (community.Thresholds, error) {
	t := community.DefaultThresholds()
	if cfg.Thresholds.Kind != 0 {
		if err := cfg.Thresholds.Decode(&t); err != nil {
			return t, &FlagError{Err: fmt.Errorf("%s:%d: thresholds: %v", cfg.Path, cfg.Thresholds.Line, err)}
		}
	}
	if err := t.Validate(); err != nil {
		return t, &FlagError{Err: fmt.Errorf("%s: %w", cfg.Path, err)}
	}
	return t, nil
}

// AccountRenamer returns what --pseudonymize does to an account (nil
// without it): its keyed hash, with --salt or the config's salt as key.
func AccountRenamer(pseudonymize bool, salt string, cfg *config.Config) (func(string) string, error) {
	if !pseudonymize {
		return nil, nil
	}
	if salt == "" {
		salt = cfg.Salt
	}
	p, err := export.NewPseudonymizer(salt)
	if err != nil {
		return nil, &FlagError{Err: err}
	}
	return p.Account, nil
}

// Classifier builds the classifier with the built-in lexicons, or those of
// the config's lexicon_dir over them, deciding with the built-in model, the
// config's model file, or (model: rules) the rules alone.
func Classifier(cfg *config.Config) (*classify.Classifier, error) {
	lex := classify.DefaultLexicon()
	if cfg.LexiconDir != "" {
		var err error
		if lex, err = classify.LoadLexicon(cfg.LexiconDir); err != nil {
			return nil, &FlagError{Err: fmt.Errorf("lexicon_dir: %w", err)}
		}
	}
	c := classify.New(lex)
	if cfg.Model == "rules" { // the named rules alone decide, as before the learned model
		return c.WithModel(nil), nil
	}
	if cfg.Model != "" {
		m, err := classify.LoadModel(cfg.Model)
		if err != nil {
			return nil, &FlagError{Err: fmt.Errorf("model: %w", err)}
		}
		c = c.WithModel(m)
	}
	return c, nil
}

// LabelledInputs reads the stored posts that labels name, as the
// classifier's inputs by uri, with each post's thread (its root's row id)
// for grouping. Thread roots are brought up to date first.
func LabelledInputs(ctx context.Context, st *store.Store, labels []classify.Label) (map[string]*classify.Input, map[string]string, error) {
	if err := st.UpdateThreadRoots(ctx); err != nil {
		return nil, nil, err
	}
	wanted := map[string]bool{}
	for _, l := range labels {
		wanted[l.URI] = true
	}
	inputs := map[string]*classify.Input{}
	threads := map[string]string{}
	err := st.ClassifyRows(ctx, "", false, func(r *store.ClassifyRow) error {
		if wanted[r.URI] {
			inputs[r.URI] = analysis.Input(r)
			threads[r.URI] = "post-" + strconv.FormatInt(r.ThreadRoot, 10)
		}
		return nil
	})
	return inputs, threads, err
}

// ReadLabelsFile reads a labels CSV (see classify.ReadLabels); errors are
// usage errors naming the file.
func ReadLabelsFile(path string) ([]classify.Label, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, FlagErrorf("--labels: %v", err)
	}
	defer f.Close()
	labels, skipped, err := classify.ReadLabelsSkipped(f)
	if err != nil {
		return nil, 0, FlagErrorf("%s: %v", path, err)
	}
	return labels, skipped, nil
}

// OpenForClassifying resolves the config, builds the classifier and opens
// the database: what every command that scores posts starts with. The
// caller closes the store.
func OpenForClassifying(ctx context.Context, cfg *config.Config, readOnly bool) (*classify.Classifier, *store.Store, error) {
	c, err := Classifier(cfg)
	if err != nil {
		return nil, nil, err
	}
	open := store.OpenExisting // a mistyped --db must not become a new empty database
	if readOnly {
		open = func(ctx context.Context, path string) (*store.Store, error) { return store.Open(ctx, path, true) }
	}
	st, err := open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	return c, st, nil
}

// TightenGC has the collector run when the heap has grown by half since
// the last collection rather than doubled, unless the user set GOGC: the
// analyses hold large arrays without pointers, cheap to collect, and the
// default pacing let garbage pile up to the live heap's size (report on
// 1M posts: ~150 MB live, ~390 MB peak RSS).
func TightenGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
