// Package config resolves copharvest's settings: flags > environment
// (COPHARVEST_*, MASTODON_TOKEN) > config file (YAML) > defaults.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults are the course's own: "search mastodon.oeru.org for #cop".
var (
	DefaultInstances = []string{"https://mastodon.oeru.org"}
	DefaultTags      = []string{"cop", "ds4oers"}
)

// Config is the resolved configuration.
type Config struct {
	Instances    []string          `yaml:"instances"`
	Tags         []string          `yaml:"tags"`
	DB           string            `yaml:"db"`
	Token        string            `yaml:"token"`
	Tokens       map[string]string `yaml:"-"`             // per instance, from the login tokens file
	LogFormat    string            `yaml:"log_format"`    // text or json
	Since        string            `yaml:"since"`         // backfill no further than this date
	Refresh      Duration          `yaml:"refresh"`       // re-read posts younger than this
	RefreshEvery Duration          `yaml:"refresh_every"` // ... at most this often (cron runs sync every few minutes)
	Workers      int               `yaml:"workers"`
	Interactions *bool             `yaml:"interactions"` // fetch who boosted/favourited
	LexiconDir   string            `yaml:"lexicon_dir"`  // classifier word lists overriding the built-in ones
	Model        string            `yaml:"model"`        // a model file from 'copharvest train' replacing the built-in model
	Salt         string            `yaml:"salt"`         // key for --pseudonymize
	Timezone     string            `yaml:"timezone"`
	MaxAge       Duration          `yaml:"max_age"` // status warns when the last good sync is older
	Thresholds   yaml.Node         `yaml:"thresholds"`
	Quiet        bool              `yaml:"-"`
	Path         string            `yaml:"-"` // the file it came from, if any
	Timeout      time.Duration     `yaml:"-"`
}

// TokenFor returns the token to use on instance: an explicit one (flag,
// environment, config) wins; otherwise the one `copharvest login` saved.
func (c *Config) TokenFor(instance string) string {
	if c.Token != "" {
		return c.Token
	}
	return c.Tokens[instance]
}

// Duration accepts Go durations plus days and weeks ("14d", "12w").
type Duration time.Duration

// ParseDuration reads "90m", "36h", "14d", "12w".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if num, ok := strings.CutSuffix(s, suffix); ok {
			var n float64
			if _, err := fmt.Sscanf(num, "%g", &n); err != nil || n < 0 {
				return 0, fmt.Errorf("%q is not a duration like 14d", s)
			}
			return time.Duration(n * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 15m, 36h, 14d or 12w", s)
	}
	return d, nil
}

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Default returns the built-in settings.
func Default() *Config {
	return &Config{
		Instances:    append([]string(nil), DefaultInstances...),
		Tags:         append([]string(nil), DefaultTags...),
		DB:           DefaultDBPath(),
		LogFormat:    "text",
		Refresh:      Duration(7 * 24 * time.Hour),
		RefreshEvery: Duration(24 * time.Hour),
		Workers:      4,
		MaxAge:       Duration(2 * time.Hour),
	}
}

// Dir is where copharvest keeps its config and tokens.
func Dir() string { return DirIn(os.Getenv) }

// DirIn is Dir in the environment getenv reads: in-process tests pass
// their own, so they never read or write the developer's files.
func DirIn(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "copharvest")
	}
	if home := homeIn(getenv); home != "" {
		return filepath.Join(home, ".config", "copharvest")
	}
	return filepath.Join(os.TempDir(), "copharvest")
}

// homeIn is the home directory as os.UserHomeDir finds it, from getenv.
func homeIn(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		return getenv("USERPROFILE")
	}
	return getenv("HOME")
}

// DefaultPath is the config file read when --config is not given.
func DefaultPath() string { return DefaultPathIn(os.Getenv) }

// DefaultPathIn is DefaultPath in the environment getenv reads.
func DefaultPathIn(getenv func(string) string) string {
	return filepath.Join(DirIn(getenv), "config.yaml")
}

// DefaultDBPath is $XDG_DATA_HOME/copharvest/copharvest.db.
func DefaultDBPath() string { return DefaultDBPathIn(os.Getenv) }

// DefaultDBPathIn is DefaultDBPath in the environment getenv reads.
func DefaultDBPathIn(getenv func(string) string) string {
	base := getenv("XDG_DATA_HOME")
	if base == "" {
		if home := homeIn(getenv); home != "" {
			base = filepath.Join(home, ".local", "share")
		} else {
			base = os.TempDir()
		}
	}
	return filepath.Join(base, "copharvest", "copharvest.db")
}

// FileError names the file, line and key of a bad setting.
type FileError struct {
	Path string
	Line int
	Key  string
	Err  error
}

func (e *FileError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.Path, e.Line, e.Key, e.Err)
}
func (e *FileError) Unwrap() error { return e.Err }

// LoadFile applies the YAML file at path over cfg. A missing file is fine
// unless required (the user named it with --config).
func LoadFile(cfg *Config, path string, required bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	before := cfg.Token
	if err := Parse(cfg, path, data); err != nil {
		return err
	}
	if cfg.Token != before {
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			return &FileError{Path: path, Line: 0, Key: "token", Err: fmt.Errorf("the file holds a token but others can read it (mode %o): run chmod 600 %s", st.Mode().Perm(), path)}
		}
	}
	return nil
}

// Parse applies YAML data (named path in errors) over cfg. Unknown keys and
// bad values are errors that name the line.
func Parse(cfg *Config, path string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		var te *yaml.TypeError
		msg := err.Error()
		if !errors.As(err, &te) {
			fmt.Sscanf(strings.TrimPrefix(msg, "yaml: line "), "%d", &line)
		}
		return &FileError{Path: path, Line: line, Err: errors.New(redactYAML(err))}
	}
	if len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &FileError{Path: path, Line: root.Line, Err: errors.New("the config file must be a mapping of key: value lines")}
	}
	fields := map[string]any{
		"instances": &cfg.Instances, "tags": &cfg.Tags, "db": &cfg.DB, "token": &cfg.Token,
		"log_format": &cfg.LogFormat, "since": &cfg.Since, "refresh": &cfg.Refresh, "refresh_every": &cfg.RefreshEvery, "workers": &cfg.Workers,
		"interactions": &cfg.Interactions, "lexicon_dir": &cfg.LexiconDir, "model": &cfg.Model, "salt": &cfg.Salt,
		"timezone": &cfg.Timezone, "max_age": &cfg.MaxAge, "thresholds": &cfg.Thresholds,
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if key == "instance" || key == "tag" { // singular forms are accepted too
			key += "s"
			if v.Kind == yaml.ScalarNode {
				v = &yaml.Node{Kind: yaml.SequenceNode, Line: v.Line, Content: []*yaml.Node{v}}
			}
		}
		dst, ok := fields[key]
		if !ok {
			return &FileError{Path: path, Line: k.Line, Key: k.Value, Err: errors.New("unknown key")}
		}
		if err := v.Decode(dst); err != nil {
			var te *yaml.TypeError
			if errors.As(err, &te) && len(te.Errors) > 0 {
				err = errors.New(quotedValue.ReplaceAllString(strings.TrimPrefix(te.Errors[0], fmt.Sprintf("line %d: ", v.Line)), "a value"))
			}
			return &FileError{Path: path, Line: v.Line, Key: k.Value, Err: err}
		}
		if err := validate(key, cfg); err != nil {
			return &FileError{Path: path, Line: v.Line, Key: k.Value, Err: err}
		}
	}
	cfg.Path = path
	return nil
}

func validate(key string, cfg *Config) error {
	switch key {
	case "log_format":
		return ValidateLogFormat(cfg.LogFormat)
	case "workers":
		if cfg.Workers < 1 || cfg.Workers > 16 {
			return fmt.Errorf("workers must be between 1 and 16, not %d", cfg.Workers)
		}
	case "since":
		if _, err := ParseSince(cfg.Since, time.Now()); err != nil {
			return err
		}
	case "timezone":
		if _, err := time.LoadLocation(cfg.Timezone); err != nil {
			return fmt.Errorf("unknown time zone %q", cfg.Timezone)
		}
	}
	return nil
}

// ValidateLogFormat accepts text and json.
func ValidateLogFormat(f string) error {
	if f != "text" && f != "json" {
		return fmt.Errorf("log format must be text or json, not %q", f)
	}
	return nil
}

// ParseSince reads "2026-01-01", an RFC 3339 time, or an age such as "30d".
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since %q is not a date (2026-01-01) or an age (30d)", s)
}

// ApplyEnv applies COPHARVEST_* variables (and MASTODON_TOKEN) over cfg.
func ApplyEnv(cfg *Config, getenv func(string) string) error {
	list := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	}
	if v := getenv("COPHARVEST_INSTANCE"); v != "" {
		cfg.Instances = list(v)
	}
	if v := getenv("COPHARVEST_TAGS"); v != "" {
		cfg.Tags = list(v)
	}
	if v := getenv("COPHARVEST_TAG"); v != "" {
		cfg.Tags = list(v)
	}
	if v := getenv("COPHARVEST_DB"); v != "" {
		cfg.DB = v
	}
	if v := getenv("MASTODON_TOKEN"); v != "" {
		cfg.Token = v
	}
	if v := getenv("COPHARVEST_TOKEN"); v != "" {
		cfg.Token = v
	}
	if v := getenv("COPHARVEST_LOG_FORMAT"); v != "" {
		if err := ValidateLogFormat(v); err != nil {
			return fmt.Errorf("COPHARVEST_LOG_FORMAT: %w", err)
		}
		cfg.LogFormat = v
	}
	if v := getenv("COPHARVEST_QUIET"); v != "" && v != "0" && v != "false" {
		cfg.Quiet = true
	}
	return nil
}
