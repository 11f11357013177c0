package cmdutil

import (
	"context"
	"fmt"

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
// the config's lexicon_dir over them.
func Classifier(cfg *config.Config) (*classify.Classifier, error) {
	lex := classify.DefaultLexicon()
	if cfg.LexiconDir != "" {
		var err error
		if lex, err = classify.LoadLexicon(cfg.LexiconDir); err != nil {
			return nil, &FlagError{Err: fmt.Errorf("lexicon_dir: %w", err)}
		}
	}
	return classify.New(lex), nil
}

// OpenForClassifying resolves the config, builds the classifier and opens
// the database: what every command that scores posts starts with. The
// caller closes the store.
func OpenForClassifying(ctx context.Context, cfg *config.Config, readOnly bool) (*classify.Classifier, *store.Store, error) {
	c, err := Classifier(cfg)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, cfg.DB, readOnly)
	if err != nil {
		return nil, nil, err
	}
	return c, st, nil
}
