package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseGood(t *testing.T) {
	cfg := Default()
	err := Parse(cfg, "c.yaml", []byte("instance: mastodon.social\ntags: [cop, oer]\nrefresh: 14d\nworkers: 2\nlog_format: json\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Instances) != 1 || cfg.Instances[0] != "mastodon.social" {
		t.Errorf("instances = %v", cfg.Instances)
	}
	if strings.Join(cfg.Tags, ",") != "cop,oer" || cfg.Workers != 2 || cfg.LogFormat != "json" {
		t.Errorf("cfg = %+v", cfg)
	}
	if time.Duration(cfg.Refresh) != 14*24*time.Hour {
		t.Errorf("refresh = %v", time.Duration(cfg.Refresh))
	}
}

func TestParseBadValueNamesFileLineKey(t *testing.T) {
	cases := map[string]string{
		"tags: [cop]\nworkers: many\n":     "c.yaml:2: workers:",
		"tags: [cop]\n\nlog_format: xml\n": "c.yaml:3: log_format: log format must be text or json",
		"tgas: [cop]\n":                    "c.yaml:1: tgas: unknown key",
		"refresh: soon\n":                  "c.yaml:1: refresh:",
		"since: yesterday-ish\n":           "c.yaml:1: since:",
		"tags: [cop\n":                     "c.yaml:",
		"- just\n- a list\n":               "c.yaml:1: the config file must be a mapping",
	}
	for in, want := range cases {
		err := Parse(Default(), "c.yaml", []byte(in))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want prefix %q", in, err, want)
		}
	}
}

func TestTokenFileMustBePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("token: s3cret-token\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := LoadFile(Default(), path, true)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("want a chmod hint, got %v", err)
	}
	if strings.Contains(err.Error(), "s3cret-token") {
		t.Fatal("the error shows the token")
	}
	os.Chmod(path, 0o600)
	cfg := Default()
	if err := LoadFile(cfg, path, true); err != nil || cfg.Token != "s3cret-token" {
		t.Fatalf("LoadFile = %v, token set %v", err, cfg.Token != "")
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	if err := LoadFile(Default(), path, false); err != nil {
		t.Errorf("a missing default config is fine: %v", err)
	}
	if err := LoadFile(Default(), path, true); err == nil {
		t.Error("a missing --config file must be an error")
	}
}

func TestEnvPrecedence(t *testing.T) {
	env := map[string]string{"MASTODON_TOKEN": "m", "COPHARVEST_TOKEN": "c", "COPHARVEST_TAG": "a,b", "COPHARVEST_INSTANCE": "x.org y.org"}
	cfg := Default()
	if err := ApplyEnv(cfg, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.Token != "c" || strings.Join(cfg.Tags, ",") != "a,b" || strings.Join(cfg.Instances, ",") != "x.org,y.org" {
		t.Errorf("cfg = %+v", cfg)
	}
	if err := ApplyEnv(Default(), func(k string) string {
		if k == "COPHARVEST_LOG_FORMAT" {
			return "xml"
		}
		return ""
	}); err == nil {
		t.Error("a bad COPHARVEST_LOG_FORMAT must be an error")
	}
}

func TestParseDurationAndSince(t *testing.T) {
	for in, want := range map[string]time.Duration{"15m": 15 * time.Minute, "14d": 336 * time.Hour, "12w": 12 * 7 * 24 * time.Hour, "1.5d": 36 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDuration("-3d"); err == nil {
		t.Error("negative duration accepted")
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if got, _ := ParseSince("30d", now); !got.Equal(now.Add(-30 * 24 * time.Hour)) {
		t.Errorf("since 30d = %v", got)
	}
	if got, _ := ParseSince("2026-09-01", now); got.Format("2006-01-02") != "2026-09-01" {
		t.Errorf("since date = %v", got)
	}
}

// FuzzParse: any bytes give a config or an error naming the file; never a panic.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"tags: [cop]\n", "instance: x.org\nworkers: 3\n", "refresh: 14d\nthresholds:\n  core_k: 2\n",
		"- a\n", "tags: [cop\n", "log_format: json\nsince: 2026-01-01\n", "\x00\xff", "token: abc\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Parse(Default(), "fuzz.yaml", data)
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func TestMalformedTokensFileNeverShowsTheToken(t *testing.T) {
	const secret = "Zq8vX1-very-secret-token-value"
	for _, body := range []string{
		"https://mastodon.oeru.org: " + secret + "\n",
		"https://mastodon.oeru.org:\n  token: [" + secret + "\n",
		"https://mastodon.oeru.org:\n  token: {a: " + secret + "}\n",
	} {
		path := filepath.Join(t.TempDir(), "tokens.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadTokens(path)
		if err == nil {
			t.Fatalf("malformed tokens file accepted: %q", body)
		}
		if strings.Contains(err.Error(), secret[:6]) || !strings.Contains(err.Error(), "line") {
			t.Errorf("error shows token characters or no line: %v", err)
		}
	}
}

// db: takes a PostgreSQL URL as it is (the store tells the backends apart).
func TestDBMayBeAPostgresURL(t *testing.T) {
	cfg := &Config{}
	const url = "postgres://harvester@db.example.org:5432/cop?sslmode=verify-full"
	if err := Parse(cfg, "config.yaml", []byte("db: "+url+"\n")); err != nil {
		t.Fatal(err)
	}
	if cfg.DB != url {
		t.Errorf("db = %q, want %q", cfg.DB, url)
	}
}
