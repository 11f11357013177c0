package root

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oeru/copharvest/internal/damage"
	"github.com/oeru/copharvest/pkg/cmdutil"
)

// The commands that write classifications (hundreds of MB of rows on a
// large course) refuse a damaged file before writing anything: written
// through a damaged freelist, their rows could overwrite harvested pages
// that no rebuild brings back.
func TestClassifyingCommandsRefuseADamagedFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	env := map[string]string{"XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir}
	if _, stderr, code := run(t, env, "demo", "--db", db, "--quiet"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	data := damage.FlipPageHeaders(t, db)
	for _, args := range [][]string{{"classify"}, {"classify", "--rebuild"}} {
		_, stderr, code := run(t, env, append(args, "--db", db)...)
		if code == cmdutil.ExitOK || !strings.Contains(stderr, "damaged") {
			t.Errorf("%v on a damaged file: exit %d, %q; want a refusal that says it is damaged", args, code, stderr)
		}
		if after, _ := os.ReadFile(db); !bytes.Equal(after, data) {
			t.Fatalf("%v wrote to the damaged file", args)
		}
		if wal, err := os.Stat(db + "-wal"); err == nil && wal.Size() > 0 {
			t.Fatalf("%v wrote %d bytes to the WAL", args, wal.Size())
		}
	}
}
