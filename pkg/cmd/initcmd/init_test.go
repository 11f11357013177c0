package initcmd

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
)

func TestInitWritesAConfigThatLoadsBack(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	cfg := config.Default()
	cfg.Instances, cfg.Tags, cfg.DB = []string{"https://mastodon.social"}, []string{"oer", "cop"}, "/var/lib/c.db"
	path := filepath.Join(t.TempDir(), "cfg", "config.yaml")
	opts := &Options{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, Path: path}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	back := config.Default()
	if err := config.LoadFile(back, path, true); err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	if back.Instances[0] != "https://mastodon.social" || len(back.Tags) != 2 || back.DB != "/var/lib/c.db" {
		t.Errorf("loaded back %+v", back)
	}
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("second init without --force: %v", err)
	}
	opts.Force = true
	if err := Run(context.Background(), opts); err != nil {
		t.Errorf("--force: %v", err)
	}
}
