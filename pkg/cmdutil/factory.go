package cmdutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/text"
)

// Factory carries what commands depend on, so tests can swap each part.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Config resolves flags > environment > file > defaults (memoised).
	Config func() (*config.Config, error)
	Now    func() time.Time
	// Transport is the HTTP transport under every Mastodon client (nil: the default).
	Transport http.RoundTripper
	Getenv    func(string) string
}

// Env is the environment the commands read (the process's when Getenv is
// nil): config and token paths come from it, so tests never see the
// developer's home directory.
func (f *Factory) Env() func(string) string {
	if f.Getenv != nil {
		return f.Getenv
	}
	return os.Getenv
}

// GlobalFlags are the root command's persistent flags.
type GlobalFlags struct {
	DB, ConfigPath, Token, LogFormat string
	Instances, Tags                  []string
	Quiet                            bool
	Changed                          func(name string) bool
}

// ConfigResolver returns a memoised Config func for the given flags.
func ConfigResolver(flags *GlobalFlags, getenv func(string) string) func() (*config.Config, error) {
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	return func() (*config.Config, error) {
		once.Do(func() { cfg, err = resolve(flags, getenv) })
		return cfg, err
	}
}

func resolve(flags *GlobalFlags, getenv func(string) string) (*config.Config, error) {
	cfg := config.Default()
	cfg.DB = config.DefaultDBPathIn(getenv)
	path, required := config.DefaultPathIn(getenv), false
	if v := getenv("COPHARVEST_CONFIG"); v != "" {
		path, required = v, true
	}
	if flags.Changed("config") {
		path, required = flags.ConfigPath, true
	}
	if err := config.LoadFile(cfg, path, required); err != nil {
		return nil, &FlagError{Err: err}
	}
	creds, err := config.LoadTokens(config.TokensPathIn(getenv))
	if err != nil {
		return nil, err
	}
	cfg.Tokens = map[string]string{}
	for inst, c := range creds {
		cfg.Tokens[inst] = c.Token
	}
	if err := config.ApplyEnv(cfg, getenv); err != nil {
		return nil, &FlagError{Err: err}
	}
	if flags.Changed("db") {
		cfg.DB = flags.DB
	}
	if flags.Changed("instance") {
		cfg.Instances = flags.Instances
	}
	if flags.Changed("tag") {
		cfg.Tags = flags.Tags
	}
	if flags.Changed("token") {
		cfg.Token = flags.Token
	}
	if flags.Changed("log-format") {
		if err := config.ValidateLogFormat(flags.LogFormat); err != nil {
			return nil, &FlagError{Err: fmt.Errorf("--log-format: %w", err)}
		}
		cfg.LogFormat = flags.LogFormat
	}
	if flags.Quiet {
		cfg.Quiet = true
	}
	if cfg.Tags, err = NormalizeTags(cfg.Tags); err != nil {
		return nil, &FlagError{Err: err}
	}
	for i, in := range cfg.Instances {
		if cfg.Instances[i], err = mastodon.NormalizeInstance(in); err != nil {
			return nil, &FlagError{Err: err}
		}
	}
	cfg.Instances = slices.Compact(cfg.Instances)
	return cfg, nil
}

// NormalizeTags accepts "#COP", "cop,ds4oers" and drops duplicates.
func NormalizeTags(in []string) ([]string, error) {
	var out []string
	for _, item := range in {
		for _, t := range strings.Split(item, ",") {
			if strings.TrimSpace(t) == "" {
				continue
			}
			n, err := mastodon.NormalizeTag(t)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no tags given (use --tag cop)")
	}
	return out, nil
}

// NewLogger writes messages to w: "copharvest: ..." lines for people, or
// one JSON object per line for log collectors.
func NewLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(&textHandler{w: w})
}

type textHandler struct {
	mu    sync.Mutex
	w     io.Writer
	attrs []slog.Attr
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	}
	b.WriteString(text.ForTerminal(r.Message))
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, text.ForTerminal(a.Value.String()))
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}
func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &textHandler{w: h.w, attrs: append(slices.Clone(h.attrs), as...)}
}
func (h *textHandler) WithGroup(string) slog.Handler { return h }
