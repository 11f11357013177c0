package sync

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/interrupt"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/lock"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/store"
)

func opts(t *testing.T, instances []string, token string) (*Options, *config.Config, func() string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	cfg := config.Default()
	cfg.Instances, cfg.Tags, cfg.Token = instances, []string{"cop"}, token
	cfg.DB = pgtest.DB(t, "c.db")
	o := &Options{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, RetryBackoff: time.Millisecond}
	return o, cfg, func() string { return out.String() + errOut.String() }
}

func TestSyncSummaryAndExitOK(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 50, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 1})
	o, cfg, output := opts(t, []string{srv.URL}, "")
	cfg.Quiet = true
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(output()), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "sync ok: ") {
		t.Errorf("--quiet printed %q, want one summary line", lines)
	}
}

func TestSyncUnauthorizedSaysHowToGiveAToken(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Token: "right"})
	defer srv.Close()
	o, _, _ := opts(t, []string{srv.URL}, "")
	err := Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Fatalf("exit %d for %v, want 1", cmdutil.ExitCode(err), err)
	}
	if !strings.Contains(err.Error(), "copharvest login") || !strings.Contains(err.Error(), "COPHARVEST_TOKEN") {
		t.Errorf("message does not say how to give a token: %v", err)
	}
}

func TestTokenNeverShown(t *testing.T) {
	const token = "tok-Zq8vX1-very-secret"
	srv := mastodontest.NewServer(mastodontest.Options{Token: token})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 2})
	srv.InjectFault("/api/v1/timelines/tag/", mastodontest.Fault{Status: 500}, 2)
	o, cfg, output := opts(t, []string{srv.URL}, token)
	cfg.LogFormat = "json"
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// A wrong token too: the error must not echo what was sent.
	o2, _, output2 := opts(t, []string{srv.URL}, token+"-wrong")
	err := Run(context.Background(), o2)
	if err == nil {
		t.Fatal("a wrong token was accepted")
	}
	for _, text := range []string{output(), output2(), err.Error()} {
		if strings.Contains(text, token) {
			t.Fatalf("token in output: %s", text)
		}
	}
	for _, path := range []string{cfg.DB, cfg.DB + "-wal"} {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), token) {
			t.Fatalf("token in %s", path)
		}
	}
}

func TestOneInstanceDownOtherSyncedPartial(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 20, Tags: []string{"cop"}, Seed: 3})
	dead := mastodontest.NewServer(mastodontest.Options{})
	deadURL := dead.URL
	dead.Close() // connection refused from now on
	o, cfg, _ := opts(t, []string{deadURL, srv.URL}, "")
	err := Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("exit %d for %v, want 3", cmdutil.ExitCode(err), err)
	}
	if !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("message = %v", err)
	}
	if _, sum := stored(t, cfg.DB, 0); sum.Posts != 20 {
		t.Errorf("the working instance gave %d posts, want 20", sum.Posts)
	}
}

func TestInterruptIsPartial(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 20, Tags: []string{"cop"}, Seed: 3})
	o, _, _ := opts(t, []string{srv.URL}, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("exit %d for %v, want 3", cmdutil.ExitCode(err), err)
	}
}

func TestWatchPicksUpNewPostsWithOneRequestPerIdleCycle(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop"}, Seed: 4})
	o, cfg, _ := opts(t, []string{srv.URL}, "")
	cfg.Quiet, cfg.Refresh = true, 0
	o.NoInteractions = true
	o.Watch = time.Hour // never waited out: the test starts each next cycle
	ended, next := make(chan struct{}), make(chan time.Time)
	o.Tick = func(d time.Duration) <-chan time.Time {
		if d != o.Watch {
			t.Errorf("waits %v between cycles, want %v", d, o.Watch)
		}
		ended <- struct{}{}
		return next
	}
	stop := make(chan struct{})
	ctx := interrupt.WithSoftStop(context.Background(), stop)
	done := make(chan error)
	go func() { done <- Run(ctx, o) }()
	cycle := func() { // let one more cycle run to its end
		t.Helper()
		next <- time.Time{}
		select {
		case <-ended:
		case err := <-done:
			t.Fatalf("watch ended early: %v", err)
		}
	}

	count := func() (posts, okRuns int) {
		st, err := store.Open(context.Background(), cfg.DB, true)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, err := st.Summarize(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		list, err := st.LastRuns(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.Status == "ok" {
				okRuns++
			}
		}
		return s.Posts, okRuns
	}
	<-ended // the first cycle
	if posts, runs := count(); posts != 30 || runs != 1 {
		t.Fatalf("after the first cycle: %d posts, %d ok runs", posts, runs)
	}
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 7, Tags: []string{"cop"}, Seed: 5, Start: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)})
	cycle()
	if posts, runs := count(); posts != 37 || runs != 2 {
		t.Fatalf("after the second cycle: %d posts, %d ok runs", posts, runs)
	}

	// Idle cycles: one forward request per tag each.
	srv.ResetLog()
	for range 3 {
		cycle()
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("watch ended with %v", err)
	}
	if _, runs := count(); runs != 5 {
		t.Errorf("%d ok runs after 5 cycles", runs)
	}
	if got := srv.CountRequests("/api/v1/timelines/tag/"); got != 3 {
		t.Errorf("%d tag requests over 3 idle cycles, want one per cycle", got)
	}
	if got := len(srv.Requests()); got != 3 {
		t.Errorf("%d requests in all over 3 idle cycles", got)
	}
}

func TestLockHeldExit4AndWait(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	o, cfg, _ := opts(t, []string{srv.URL}, "")
	// The file lock of SQLite; PostgreSQL's advisory locks are tested in
	// cmd/copharvest/postgres_test.go.
	cfg.DB = filepath.Join(t.TempDir(), "c.db")
	held, err := lock.Acquire(context.Background(), cfg.DB, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitLocked || !strings.Contains(err.Error(), "another copharvest") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
	go func() { time.Sleep(200 * time.Millisecond); held.Release() }()
	o.Wait = 5 * time.Second
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("with --wait: %v", err)
	}
}

func TestMaxDurationPartialThenContinues(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 120, Tags: []string{"cop"}, Seed: 6})
	srv.InjectFault("/api/v1/timelines/tag/", mastodontest.Fault{Hang: true}, 1)
	o, cfg, _ := opts(t, []string{srv.URL}, "")
	o.MaxDuration = 300 * time.Millisecond
	err := Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitPartial || !strings.Contains(err.Error(), "--max-duration") {
		t.Fatalf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
	o.MaxDuration = 0
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	runs, s := stored(t, cfg.DB, 2)
	if s.Posts != len(all) {
		t.Errorf("%d posts after the second run, want %d", s.Posts, len(all))
	}
	if len(runs) != 2 || runs[1].Status != "partial" || runs[0].Status != "ok" {
		t.Errorf("runs table: %+v", runs)
	}
}

// A first sync whose every /context call fails must not say "ok": the run
// is recorded as failed or partial, the exit status says so, and a healthy
// rerun fetches every conversation left pending.
func TestFirstSyncContextFailuresAreNotOK(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 60, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 7})
	srv.InjectFault("/api/v1/statuses/", mastodontest.Fault{Status: 500}, 1<<20)
	o, cfg, output := opts(t, []string{srv.URL}, "")
	o.NoInteractions = true
	cfg.Refresh = 0 // the conversations alone must decide the outcome
	err := Run(context.Background(), o)
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError && code != cmdutil.ExitPartial {
		t.Fatalf("exit %d (%v) when every conversation failed\n%s", code, err, output())
	}
	if strings.Contains(output(), "sync ok") {
		t.Errorf("summary says ok:\n%s", output())
	}
	read := func() (string, int) {
		runs, sum := stored(t, cfg.DB, 1)
		if len(runs) != 1 {
			t.Fatalf("%d runs recorded, want 1", len(runs))
		}
		return runs[0].Status, sum.PendingThreads
	}
	if status, pending := read(); status == "ok" || pending == 0 {
		t.Fatalf("run recorded as %q with %d pending threads", status, pending)
	}
	srv.ClearFaults()
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("healthy rerun: %v", err)
	}
	if status, pending := read(); status != "ok" || pending != 0 {
		t.Errorf("after a healthy rerun: run %q, %d threads pending", status, pending)
	}
}

func TestRejectedCountedInSummaryRunAndStatus(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 50, Tags: []string{"cop"}, Seed: 8})
	srv.InjectFault("/api/v1/timelines/tag/cop", mastodontest.Fault{BlankID: true}, 1)
	o, cfg, output := opts(t, []string{srv.URL}, "")
	cfg.Quiet, cfg.Refresh = true, 0
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(output(), "1 rejected as malformed") {
		t.Errorf("summary does not count the rejected status:\n%s", output())
	}
	runs, sum := stored(t, cfg.DB, 1)
	if len(runs) != 1 || runs[0].Rejected != 1 || sum.Rejected != 1 || sum.Posts != 49 {
		t.Errorf("runs %+v, summary rejected %d, posts %d", runs, sum.Rejected, sum.Posts)
	}
}

// A sync killed after storing posts but before classifying them leaves
// unclassified posts and a run marked running; the next sync, even with
// nothing new to fetch, classifies them and closes the dead run.
func TestIdleSyncClassifiesLeftoversAndClosesDeadRuns(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 40, Tags: []string{"cop"}, Seed: 9})
	o, cfg, output := opts(t, []string{srv.URL}, "")
	// SQLite: a dead run is one whose process is gone, and the file is
	// changed behind the store's back (PostgreSQL: cmd/copharvest's kill -9).
	cfg.DB = filepath.Join(t.TempDir(), "c.db")
	o.NoInteractions = true
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), cfg.DB, false)
	if err != nil {
		t.Fatal(err)
	}
	// What a crash leaves: classifications lost, a run never finished.
	if _, err := st.StartRun(context.Background(), cfg.Instances, cfg.Tags); err != nil {
		t.Fatal(err)
	}
	unclassified := func() int {
		var n int
		st.DB().QueryRow(`SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM classifications c WHERE c.post_id = p.id)`).Scan(&n)
		return n
	}
	raw, err := sql.Open("sqlite", "file:"+cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM classifications`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if unclassified() == 0 {
		t.Fatal("setup: posts still classified")
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("idle sync: %v\n%s", err, output())
	}
	if n := unclassified(); n != 0 {
		t.Errorf("%d posts still unclassified after an idle sync", n)
	}
	runs, _ := st.LastRuns(context.Background(), 3)
	if len(runs) != 3 || runs[1].Status == "running" || !strings.Contains(runs[1].Error, "killed") {
		t.Errorf("the dead run: %+v", runs)
	}
	st.Close()
}

func TestWrongTokenNamedAsWrong(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{Token: "right"})
	defer srv.Close()
	o, _, _ := opts(t, []string{srv.URL}, "wrong")
	err := Run(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Fatalf("exit %d for %v, want 1", cmdutil.ExitCode(err), err)
	}
	if !strings.Contains(err.Error(), "rejected the token") || strings.Contains(err.Error(), "Give a token") {
		t.Errorf("a wrong token is not named as wrong: %v", err)
	}
}

// The first sync of a fresh, live course (every post inside the refresh
// window) with the default settings costs exactly the ideal number of
// requests: no refresh of what it has just fetched, /api/v2/instance at most
// once per instance.
func TestFirstSyncCostsTheIdealRequestCount(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	tags := []string{"cop", "ds4oers"}
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 150, Tags: tags, ReplyShare: 0.6, Seed: 12,
		Start: time.Now().Add(-72 * time.Hour), Days: 2})
	o, cfg, output := opts(t, []string{srv.URL}, "")
	cfg.Tags = tags
	if time.Duration(cfg.Refresh) < 72*time.Hour {
		t.Fatalf("setup: the default refresh window %s does not cover the course", time.Duration(cfg.Refresh))
	}
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	ideal := mastodontest.IdealRequests(all, tags, false, true)
	instance := srv.CountRequests("/api/v2/instance")
	if instance > 1 {
		t.Errorf("/api/v2/instance asked %d times", instance)
	}
	got := len(srv.Requests())
	if got != ideal.Total()+instance {
		t.Errorf("first sync sent %d requests, the ideal is %d (%+v) + %d for /api/v2/instance\n%s", got, ideal.Total(), ideal, instance, output())
	}
	t.Logf("first sync: %d requests = %+v + %d instance", got, ideal, instance)
}

// On a terminal a long backfill shows a live bar with pages, posts,
// requests, waits and, with --since, the share done; off a terminal nothing
// but the per-tag lines and the summary.
func TestProgressOnlyOnATerminal(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 400, Tags: []string{"cop"}, Seed: 14,
		Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Days: 60})
	for _, tty := range []bool{true, false} {
		o, cfg, output := opts(t, []string{srv.URL}, "")
		o.IO.StderrTTY = tty
		o.Since = "2026-10-15"
		o.NoInteractions = true
		cfg.Refresh = 0
		if err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		out := output()
		drew := strings.Contains(out, "\r") && strings.Contains(out, "pages") && strings.Contains(out, "requests") && strings.Contains(out, "%")
		if drew != tty {
			t.Errorf("terminal %v: progress drawn %v:\n%q", tty, drew, out)
		}
		if !strings.Contains(out, "sync ok: ") {
			t.Errorf("terminal %v: no summary line:\n%q", tty, out)
		}
	}
}

// stored reads the last n runs and the summary of the database at path,
// read-only; any error fails the test.
func stored(t *testing.T, path string, n int) ([]store.Run, store.Summary) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var runs []store.Run
	if n > 0 {
		if runs, err = st.LastRuns(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := st.Summarize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return runs, sum
}
