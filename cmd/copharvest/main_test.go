package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

// binary is copharvest built once for the process-level tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "copharvest-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "copharvest")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func command(ctx context.Context, db, instance string, args ...string) *exec.Cmd {
	all := append([]string{"--db", db, "--instance", instance, "--tag", "cop"}, args...)
	cmd := exec.CommandContext(ctx, binary, all...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Dir(db))
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// runTogether runs the processes at once and returns their exit codes and
// combined outputs, in order.
func runTogether(cmds ...*exec.Cmd) (codes []int, outs []string) {
	codes, outs = make([]int, len(cmds)), make([]string, len(cmds))
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			cmd.Stdout, cmd.Stderr = &buf, &buf
			codes[i], outs[i] = exitCode(cmd.Run()), buf.String()
		}()
	}
	wg.Wait()
	return codes, outs
}

// queryInt reads one number from a SQLite file (read-only) or, given a
// postgres:// URL, from PostgreSQL.
func queryInt(t *testing.T, db, q string) int {
	t.Helper()
	driver, dsn := "sqlite", "file:"+db+"?mode=ro"
	if strings.HasPrefix(db, "postgres://") {
		driver, dsn = "pgx", db
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestTwoConcurrentSyncsOneReportsTheLock(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20}) // the processes share one IP
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 1500, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 1})
	db := filepath.Join(t.TempDir(), "c.db")
	// Create the database first so both processes race for the lock only.
	if out, err := command(context.Background(), db, srv.URL, "status").CombinedOutput(); err == nil {
		t.Logf("status on a missing db: %s", out)
	}
	codes, outs := runTogether(
		command(context.Background(), db, srv.URL, "sync", "--quiet", "--no-interactions"),
		command(context.Background(), db, srv.URL, "sync", "--quiet", "--no-interactions"))
	locked := 0
	for i, c := range codes {
		switch c {
		case 0:
		case 4:
			locked++
			if !strings.Contains(outs[i], "another copharvest") {
				t.Errorf("exit 4 without a clear message: %s", outs[i])
			}
		default:
			t.Errorf("sync %d: exit %d: %s", i, c, outs[i])
		}
		if strings.Contains(outs[i], "SQLITE_BUSY") || strings.Contains(outs[i], "database is locked") {
			t.Errorf("SQLite error leaked: %s", outs[i])
		}
	}
	if locked != 1 {
		t.Logf("outputs: %q", outs)
		t.Errorf("%d of the two syncs reported the lock, want exactly 1 (they overlap for the whole run)", locked)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("%d posts stored, want %d", got, len(all))
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1)`); got != 0 {
		t.Errorf("%d duplicated posts", got)
	}
}

// TestKill9Torture kills a real sync at random moments, then lets a normal
// sync finish: every post must be stored exactly once, the file must pass
// integrity_check and the cursors must agree with what is stored.
func TestKill9Torture(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 3
	}
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20}) // the processes share one IP
	defer srv.Close()
	all := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 5000, Tags: []string{"cop"}, ReplyShare: 0.2, Seed: 2})
	db := filepath.Join(t.TempDir(), "k.db")
	rng := rand.New(rand.NewPCG(9, 9))
	killed := 0
	for round := 0; round < rounds; round++ {
		cmd := command(context.Background(), db, srv.URL, "sync", "--quiet", "--no-interactions")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(20+rng.IntN(400)) * time.Millisecond
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			killed++
		}
		if _, err := os.Stat(db); err != nil {
			continue // killed before it created the database
		}
		if queryInt(t, db, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'posts'`) == 0 {
			continue // killed before the first migration committed; the next sync migrates
		}
		if got := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1)`); got != 0 {
			t.Fatalf("round %d: %d duplicated posts", round, got)
		}
	}
	out, err := command(context.Background(), db, srv.URL, "sync", "--quiet", "--no-interactions").CombinedOutput()
	if err != nil {
		t.Fatalf("final sync: %v\n%s", err, out)
	}
	t.Logf("%d of %d rounds killed mid-run; final sync: %s", killed, rounds, strings.TrimSpace(string(out)))
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts`); got != len(all) {
		t.Errorf("%d posts, want %d", got, len(all))
	}
	conn, _ := sql.Open("sqlite", "file:"+db+"?mode=ro")
	defer conn.Close()
	var check string
	conn.QueryRow(`PRAGMA integrity_check`).Scan(&check)
	if check != "ok" {
		t.Errorf("integrity_check: %s", check)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM cursors WHERE backfill_done = 1
		AND newest_id = (SELECT local_id FROM post_ids i JOIN post_sources s ON s.post_id = i.post_id AND s.tag = 'cop'
			ORDER BY length(local_id) DESC, local_id DESC LIMIT 1)`); got != 1 {
		t.Error("the cursor does not point at the newest stored tagged post")
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d conversations never fetched", got)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts p WHERE p.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM classifications c WHERE c.post_id = p.id)`); got != 0 {
		t.Errorf("%d posts left unclassified", got)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM runs WHERE status = 'running'`); got != 0 {
		t.Errorf("%d runs of killed processes still shown as running", got)
	}
}

// asReader runs cmd as someone who may read the database but not write it
// or its directory: as root, the user nobody; otherwise ourselves with the
// directory made read-only.
func asReader(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return
	}
	// nobody must reach the binary, the database and the config directory.
	for _, d := range []string{filepath.Dir(binary), dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
}

// A facilitator who may read but not write the cron user's database (file
// 0644, directory not writable) can run every command that only reads, both
// after a sync of this version and on a file whose WAL files are gone.
func TestReadOnlyDatabaseServesReaders(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 80, Tags: []string{"cop"}, ReplyShare: 0.4, Seed: 5})
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	if out, err := command(context.Background(), db, srv.URL, "sync", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"after a sync", "without WAL files"} {
		if stage == "without WAL files" {
			os.Remove(db + "-wal")
			os.Remove(db + "-shm")
		}
		before, _ := os.ReadDir(dir)
		info0, _ := os.Stat(db)
		for _, args := range [][]string{{"status"}, {"report"}, {"export", "posts", "--format", "csv"}} {
			cmd := command(context.Background(), db, srv.URL, args...)
			asReader(t, cmd, dir)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Run(); err != nil {
				t.Errorf("%s: %s: %v\n%s", stage, args[0], err, errOut.String())
			} else if out.Len() == 0 {
				t.Errorf("%s: %s printed nothing", stage, args[0])
			}
			if os.Geteuid() != 0 {
				os.Chmod(dir, 0o755)
			}
		}
		after, _ := os.ReadDir(dir)
		info1, _ := os.Stat(db)
		if len(after) != len(before) || !info1.ModTime().Equal(info0.ModTime()) || info1.Size() != info0.Size() {
			t.Errorf("%s: readers changed the directory or the file: %v -> %v", stage, before, after)
		}
	}
}

// login without a code registers the app and prints where to authorize it;
// a second process given the code with --code uses the same app, so the
// code is good. The app is registered once per instance.
func TestLoginCodeAcrossTwoProcesses(t *testing.T) {
	const token = "tok-two-processes-secret"
	srv := mastodontest.NewServer(mastodontest.Options{Token: token})
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "c.db")
	first := command(context.Background(), db, srv.URL, "login")
	first.Stdin = strings.NewReader("")
	out, err := first.CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "/oauth/authorize") || !strings.Contains(string(out), "--code") {
		t.Fatalf("login without a code: exit %d\n%s", exitCode(err), out)
	}
	out, err = command(context.Background(), db, srv.URL, "login", "--code", mastodontest.GoodCode).CombinedOutput()
	if err != nil {
		t.Fatalf("login --code in a second process: %v\n%s", err, out)
	}
	if n := srv.CountRequests("/api/v1/apps"); n != 1 {
		t.Errorf("the app was registered %d times, want once", n)
	}
	tokens := filepath.Join(filepath.Dir(db), "copharvest", "tokens.yaml")
	info, err := os.Stat(tokens)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("tokens file: %v %v", info, err)
	}
	data, _ := os.ReadFile(tokens)
	for _, want := range []string{"client_id: fake-client-1", "client_secret:", "token: " + token} {
		if !strings.Contains(string(data), want) {
			t.Errorf("tokens.yaml lacks %q", want)
		}
	}
	if strings.Contains(string(out), token) {
		t.Error("login printed the token")
	}
	// The saved token works for sync.
	if out, err := command(context.Background(), db, srv.URL, "sync", "--quiet").CombinedOutput(); err != nil {
		t.Errorf("sync with the saved token: %v\n%s", err, out)
	}
}

// Server text with terminal escapes (ESC sequences, OSC title changes, CR,
// BEL) is neutralised before it is printed or stored in runs.error, and in
// what status replays from there.
func TestServerTextTerminalEscapesNeutralised(t *testing.T) {
	srv := mastodontest.NewServer(mastodontest.Options{})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 10, Tags: []string{"cop"}, Seed: 3})
	hostile := `{"error":"\u001b]0;pwned\u0007\u001b[2J\rall fine \u009b31m"}`
	srv.InjectFault("/api/v1/timelines/tag/", mastodontest.Fault{Status: 403, Body: hostile}, 1000) // 4xx: not retried
	db := filepath.Join(t.TempDir(), "c.db")
	out, err := command(context.Background(), db, srv.URL, "sync").CombinedOutput()
	if exitCode(err) == 0 {
		t.Fatalf("sync succeeded against a failing server:\n%s", out)
	}
	status, _ := command(context.Background(), db, srv.URL, "status").CombinedOutput()
	stored := ""
	conn, _ := sql.Open("sqlite", "file:"+db+"?mode=ro")
	defer conn.Close()
	conn.QueryRow(`SELECT COALESCE(error, '') FROM runs ORDER BY id DESC LIMIT 1`).Scan(&stored)
	if !strings.Contains(stored, "all fine") {
		t.Fatalf("runs.error lacks the server's message: %q", stored)
	}
	for name, text := range map[string]string{"sync output": string(out), "status output": string(status), "runs.error": stored} {
		if i := strings.IndexAny(text, "\x1b\x07\r\u009b"); i >= 0 {
			t.Errorf("%s holds a raw control character at %d: %q", name, i, text)
		}
	}
}
