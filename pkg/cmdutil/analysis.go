package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/oeru/copharvest/pkg/classify"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/config"
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

// WindowWeeks returns the window of the n ISO weeks up to and including the
// week of now.
func WindowWeeks(now time.Time, n int) community.Window {
	y, w := now.UTC().ISOWeek()
	return community.WeeksEnding(y, w, n)
}

// ParseWeeks reads a --window such as "12w" (or "84d") as whole weeks.
func ParseWeeks(s string) (int, error) {
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	weeks := int(d / (7 * 24 * time.Hour))
	if weeks < 1 || weeks > 520 {
		return 0, fmt.Errorf("window %q: give between 1w and 520w", s)
	}
	return weeks, nil
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
