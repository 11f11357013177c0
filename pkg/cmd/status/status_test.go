package status

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/cmd/status/shared"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/store"
)

func TestCollectWarnsWhenTheLastGoodSyncIsOld(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.DB(t, "s.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, _ := shared.Collect(ctx, st, 5, 2*time.Hour, time.Now())
	if !strings.Contains(rep.Warning, "no sync has run") {
		t.Errorf("fresh database: warning %q", rep.Warning)
	}
	id, _ := st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
	st.FinishRun(store.Run{ID: id, Status: "failed", Error: "boom"})
	rep, _ = shared.Collect(ctx, st, 5, 2*time.Hour, time.Now())
	if !strings.Contains(rep.Warning, "no sync has succeeded") {
		t.Errorf("only a failed run: warning %q", rep.Warning)
	}
	id, _ = st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
	st.FinishRun(store.Run{ID: id, Status: "ok", Requests: 3})
	if rep, _ = shared.Collect(ctx, st, 5, 2*time.Hour, time.Now()); rep.Warning != "" {
		t.Errorf("a fresh good sync: warning %q", rep.Warning)
	}
	rep, _ = shared.Collect(ctx, st, 5, 2*time.Hour, time.Now().Add(3*time.Hour))
	if !strings.Contains(rep.Warning, "longer than max_age 2h") {
		t.Errorf("three hours later: warning %q", rep.Warning)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Status != "ok" || rep.Runs[1].Error != "boom" {
		t.Errorf("runs: %+v", rep.Runs)
	}
	var b strings.Builder
	if err := shared.Print(&b, rep, true); err != nil || !strings.Contains(b.String(), "| ok ") {
		t.Errorf("markdown status: %v\n%s", err, b.String())
	}
}

func TestCheckExitCodeForMonitoring(t *testing.T) {
	ctx := context.Background()
	db := pgtest.DB(t, "s.db")
	st, err := store.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	check := func(at time.Time) (int, string) {
		t.Helper()
		io, _, _, errOut := iostreams.Test()
		cfg := config.Default()
		cfg.DB = db
		o := &Options{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, Now: func() time.Time { return at }, Format: "table", Runs: 5, Check: true}
		return cmdutil.ExitCode(Run(ctx, o)), errOut.String()
	}
	finish := func(status string, rejected int) {
		id, _ := st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
		if err := st.FinishRun(store.Run{ID: id, Status: status, Rejected: rejected}); err != nil {
			t.Fatal(err)
		}
	}
	if code, msg := check(now); code != cmdutil.ExitCheck || !strings.Contains(msg, "no sync has run") {
		t.Errorf("fresh database: exit %d %s", code, msg)
	}
	finish("ok", 0)
	justNow := time.Now() // FinishRun stamps the wall clock
	if code, msg := check(justNow); code != 0 {
		t.Errorf("a good recent sync: exit %d %s", code, msg)
	}
	if code, msg := check(justNow.Add(3 * time.Hour)); code != cmdutil.ExitCheck || !strings.Contains(msg, "max_age") {
		t.Errorf("three hours later: exit %d %s", code, msg)
	}
	finish("failed", 0)
	if code, msg := check(justNow); code != cmdutil.ExitCheck || !strings.Contains(msg, "failed") {
		t.Errorf("after a failed run: exit %d %s", code, msg)
	}
	finish("ok", 2)
	if code, msg := check(justNow); code != cmdutil.ExitCheck || !strings.Contains(msg, "rejected") {
		t.Errorf("after a run that rejected posts: exit %d %s", code, msg)
	}
	finish("ok", 0)
	p := store.Post{URI: "https://x/s/1", LocalID: "1", CreatedAt: now, Account: store.Account{Acct: "a@x"}}
	if _, err := st.SavePage(ctx, "x", "cop", []store.Post{p}, store.Cursor{Newest: "1"}); err != nil {
		t.Fatal(err)
	}
	if code, msg := check(time.Now()); code != cmdutil.ExitCheck || !strings.Contains(msg, "unclassified") {
		t.Errorf("with an unclassified post: exit %d %s", code, msg)
	}
}

// A run left "running" by a killed process shows as failed (no process holds
// the lock), and the tables fit the terminal.
func TestDeadRunShownAndTablesFitTheTerminal(t *testing.T) {
	ctx := context.Background()
	db := pgtest.DB(t, "s.db")
	st, err := store.Open(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
	st.FinishRun(store.Run{ID: id, Status: "failed", Error: strings.Repeat("the server kept answering HTTP 502 Bad Gateway ", 4)})
	st.StartRun(ctx, []string{"https://x"}, []string{"cop"}) // killed: never finished
	st.Close()
	io, _, out, _ := iostreams.Test()
	io.Width = 100
	cfg := config.Default()
	cfg.DB = db
	o := &Options{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, Now: time.Now, Format: "table", Runs: 5}
	if err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "running") || !strings.Contains(out.String(), "killed") {
		t.Errorf("the dead run is not shown as such:\n%s", out.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("a line of %d columns on a 100-column terminal: %q", n, line)
		}
	}
}
