package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Credential is what `copharvest login` keeps for one instance.
type Credential struct {
	Token        string `yaml:"token"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	Account      string `yaml:"account"`
}

// TokensPath is the file holding saved tokens (mode 0600).
func TokensPath() string { return TokensPathIn(os.Getenv) }

// TokensPathIn is TokensPath in the environment getenv reads.
func TokensPathIn(getenv func(string) string) string {
	return filepath.Join(DirIn(getenv), "tokens.yaml")
}

// LoadTokens reads the saved credentials per instance; none is fine.
func LoadTokens(path string) (map[string]Credential, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Credential{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s holds tokens but others can read it (mode %o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	creds := map[string]Credential{}
	if err := yaml.Unmarshal(data, &creds); err != nil {
		return nil, fmt.Errorf("%s is not a valid tokens file (instance: {token: ...} entries): %s", path, redactYAML(err))
	}
	return creds, nil
}

// SaveTokens writes creds atomically with mode 0600 (directory 0700).
func SaveTokens(path string, creds map[string]Credential) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save tokens: %w", err)
	}
	data, err := yaml.Marshal(creds)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokens-*")
	if err != nil {
		return fmt.Errorf("save tokens: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save tokens: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// quotedValue is how yaml errors quote the text they failed on.
var quotedValue = regexp.MustCompile("`[^`]*`")

// redactYAML keeps a yaml error's line numbers and kinds but drops the
// values it quotes: in a file of tokens, those are the secrets.
func redactYAML(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n", "")
	return strings.Join(strings.Fields(quotedValue.ReplaceAllString(msg, "a value")), " ")
}
