package copy

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
)

func TestFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	for _, c := range []struct {
		args    []string
		wantErr string // "" when the command runs
	}{
		{[]string{"--from", "a.db"}, "give both --from and --to"},
		{[]string{"--to", "postgres://h/db"}, "give both --from and --to"},
		{[]string{"--from", "a.db", "--to", "a.db"}, "the same database"},
		{[]string{"--from", "a.db", "--to", "postgres://h/db", "--replace"}, ""},
	} {
		var got *Options
		cmd := NewCmdCopy(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(c.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		var fe *cmdutil.FlagError
		switch {
		case c.wantErr == "" && (err != nil || got == nil || !got.Replace || got.To != "postgres://h/db"):
			t.Errorf("%v: err %v, options %+v", c.args, err, got)
		case c.wantErr != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%v: want a usage error %q, got %v", c.args, c.wantErr, err)
		}
	}
}

// A copy into a database that holds data is a usage error naming --replace,
// and copies nothing.
func TestCopyIntoFullDatabaseNeedsReplace(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	ctx := context.Background()
	// b holds a run; a is empty.
	if err := Run(ctx, &Options{IO: ios, From: a, To: b}); err == nil {
		t.Fatal("copying from a database that does not exist must fail")
	}
	if err := seedRun(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := seedRun(ctx, a); err != nil {
		t.Fatal(err)
	}
	err := Run(ctx, &Options{IO: ios, From: a, To: b})
	var fe *cmdutil.FlagError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("want a usage error naming --replace, got %v", err)
	}
	out.Reset()
	if err := Run(ctx, &Options{IO: ios, From: a, To: b, Replace: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "posts checksum") || !strings.Contains(out.String(), "runs") {
		t.Errorf("copy printed no verification:\n%s", out)
	}
}

func seedRun(ctx context.Context, path string) error {
	st, err := store.Open(ctx, path, false)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.StartRun(ctx, []string{"https://a.example"}, []string{"cop"})
	if err != nil {
		return err
	}
	return st.FinishRun(store.Run{ID: id, Status: "ok"})
}
