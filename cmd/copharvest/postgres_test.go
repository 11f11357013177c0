package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/oeru/copharvest/internal/pgtest"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
)

// run runs copharvest with args (no --instance or --tag added) in a
// config-less home and returns its exit status and combined output.
func run(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), append(env, "XDG_CONFIG_HOME="+t.TempDir())...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	return exitCode(cmd.Run()), buf.String()
}

// federate copies every status of from onto to, as a server sees posts of
// another instance: same uri, new local ids, remote accounts. Reply counts
// grow as the copies of the replies arrive, so they end as on from.
func federate(from, to *mastodontest.Server) {
	ids := map[string]string{}
	remote := func(acct string) string {
		if strings.Contains(acct, "@") {
			return acct
		}
		return acct + "@" + from.Host()
	}
	for _, st := range from.Statuses() {
		c := st
		c.ID, c.InReplyToAccountID, c.RepliesCount = "", "", 0
		c.InReplyToID = ids[st.InReplyToID]
		c.Account.ID, c.Account.Acct = "", remote(st.Account.Acct)
		c.Mentions = nil
		for _, m := range st.Mentions {
			m.ID, m.Acct = "", remote(m.Acct)
			c.Mentions = append(c.Mentions, m)
		}
		ids[st.ID] = to.AddStatus(c).ID
	}
}

// threeInstances: a.example's course is seen on all three servers, each of
// which also has posts of its own.
func threeInstances(t *testing.T, posts int) (srvs []*mastodontest.Server, want int) {
	t.Helper()
	for i := range 3 {
		srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20})
		t.Cleanup(srv.Close)
		own := mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: posts, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: int64(10 + i)})
		want += len(own)
		srvs = append(srvs, srv)
	}
	federate(srvs[0], srvs[1])
	federate(srvs[0], srvs[2])
	return srvs, want
}

// checkShared asserts what three harvests of threeInstances must leave.
func checkShared(t *testing.T, db string, srvs []*mastodontest.Server, want int) {
	t.Helper()
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts`); got != want {
		t.Errorf("%d posts stored, want %d (each once)", got, want)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1) d`); got != 0 {
		t.Errorf("%d duplicated posts", got)
	}
	// The shared course's tagged posts: one row each, seen in the tag
	// timeline of all three instances. (A conversation is fetched from the
	// first instance that gets to it, so untagged replies may be known
	// through one instance only.)
	shared := 0
	for _, st := range srvs[0].Statuses() {
		if len(st.Tags) > 0 {
			shared++
		}
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT post_id FROM post_sources WHERE tag = 'cop'
			GROUP BY post_id HAVING COUNT(DISTINCT instance) = 3) s`); got != shared {
		t.Errorf("%d posts seen in the tag timelines of all 3 instances, want the %d shared tagged ones", got, shared)
	}
	// Counts as every server serves them.
	wrong := 0
	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, srv := range srvs {
		for _, st := range srv.Statuses() {
			var replies int
			if err := conn.QueryRow(`SELECT replies_count FROM posts WHERE uri = $1`, st.URI).Scan(&replies); err != nil || replies != st.RepliesCount {
				wrong++
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d posts with a missing row or a reply count other than served", wrong)
	}
	// Every post was counted new by exactly one run.
	if got := queryInt(t, db, `SELECT COALESCE(SUM(new_posts), 0) FROM runs`); got != want {
		t.Errorf("the runs counted %d new posts, want %d", got, want)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM runs WHERE status <> 'ok'`); got != 0 {
		t.Errorf("%d runs not ok", got)
	}
}

func syncCmd(ctx context.Context, db, instance string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, "--db", db, "--instance", instance, "--tag", "cop", "sync", "--quiet", "--no-interactions")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+os.TempDir()+"/copharvest-pg-e2e-none")
	return cmd
}

// Three harvesters, one per instance, write to one PostgreSQL database at
// once; the instances share a course. Each post ends stored once, with the
// counts served, and every run is ok (different instances never wait for
// one another's lock).
func TestThreeHarvestersOnePostgres(t *testing.T) {
	db := pgtest.NewDatabase(t)
	srvs, want := threeInstances(t, 800)
	var cmds []*exec.Cmd
	for _, srv := range srvs {
		cmds = append(cmds, syncCmd(context.Background(), db, srv.URL))
	}
	codes, outs := runTogether(cmds...)
	for i := range srvs {
		if codes[i] != 0 {
			t.Errorf("harvester %d: exit %d: %s", i, codes[i], outs[i])
		}
	}
	checkShared(t, db, srvs, want)
	if got := queryInt(t, db, `SELECT COUNT(*) FROM runs`); got != 3 {
		t.Errorf("%d runs recorded, want 3", got)
	}
}

// Two harvesters of the same instance and tag: one pages the cursor, the
// other exits 4 naming the holder; on another tag both would run.
func TestSameCursorTwiceOneExits4(t *testing.T) {
	db := pgtest.NewDatabase(t)
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 1500, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 1})
	if code, out := run(t, nil, "--db", db, "--instance", srv.URL, "--tag", "other", "sync", "--quiet"); code != 0 {
		t.Fatalf("first sync (creates the schema): exit %d: %s", code, out)
	}
	codes, outs := runTogether(syncCmd(context.Background(), db, srv.URL), syncCmd(context.Background(), db, srv.URL))
	locked := 0
	for i, c := range codes {
		switch c {
		case 0:
		case 4:
			locked++
			if !strings.Contains(outs[i], "another copharvest") || !strings.Contains(outs[i], "copharvest pid") {
				t.Errorf("exit 4 without naming the holder: %s", outs[i])
			}
		default:
			t.Errorf("sync %d: exit %d: %s", i, c, outs[i])
		}
	}
	if locked != 1 {
		t.Errorf("%d of the two syncs reported the lock, want 1: %q", locked, outs)
	}
}

// kill -9 of one of three harvesters mid-page: the others finish ok, and a
// new run of the killed one completes its instance; nothing is lost or
// stored twice, and the killed run is marked failed.
func TestKill9OneOfThreeHarvesters(t *testing.T) {
	db := pgtest.NewDatabase(t)
	srvs, want := threeInstances(t, 1000)
	// The schema exists before the race, so the kill hits a harvest.
	if code, out := run(t, nil, "--db", db, "--instance", srvs[0].URL, "--tag", "none", "sync", "--quiet"); code != 0 {
		t.Fatalf("first sync (creates the schema): exit %d: %s", code, out)
	}
	var wg sync.WaitGroup
	outs := make([]string, 3)
	codes := make([]int, 3)
	victim := syncCmd(context.Background(), db, srvs[0].URL)
	var victimOut bytes.Buffer
	victim.Stdout, victim.Stderr = &victimOut, &victimOut
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			cmd := syncCmd(context.Background(), db, srvs[i].URL)
			cmd.Stdout, cmd.Stderr = &buf, &buf
			codes[i], outs[i] = exitCode(cmd.Run()), buf.String()
		}()
	}
	// Kill once the victim has stored some pages but not all.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if n := pgIntOr0(db, `SELECT COUNT(*) FROM post_sources WHERE instance = '`+srvs[0].Host()+`'`); n > 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	victim.Process.Signal(syscall.SIGKILL)
	victimErr := victim.Wait()
	stored := queryInt(t, db, `SELECT COUNT(*) FROM post_sources WHERE instance = '`+srvs[0].Host()+`'`)
	wg.Wait()
	for i := 1; i < 3; i++ {
		if codes[i] != 0 {
			t.Errorf("harvester %d: exit %d: %s", i, codes[i], outs[i])
		}
	}
	if exitCode(victimErr) == 0 {
		t.Fatalf("the victim finished before the kill (%d posts of its instance stored); make the course larger", stored)
	}
	t.Logf("killed the harvester of instance 0 with %d of its posts stored", stored)
	if got := queryInt(t, db, `SELECT COUNT(*) FROM runs WHERE status = 'running'`); got != 1 {
		t.Errorf("%d runs left running, want the killed one", got)
	}
	code, out := run(t, nil, "--db", db, "--instance", srvs[0].URL, "--tag", "cop", "sync", "--quiet", "--no-interactions")
	if code != 0 {
		t.Fatalf("re-run of the killed harvester: exit %d: %s", code, out)
	}
	if !strings.Contains(out, "earlier run(s) ended without recording an outcome") {
		t.Errorf("the re-run did not close the killed run: %s", out)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts`); got != want {
		t.Errorf("%d posts stored, want %d", got, want)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM (SELECT uri FROM posts GROUP BY uri HAVING COUNT(*) > 1) d`); got != 0 {
		t.Errorf("%d duplicated posts", got)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM runs WHERE status = 'running'`); got != 0 {
		t.Errorf("%d runs still running", got)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM posts WHERE needs_context = 1`); got != 0 {
		t.Errorf("%d conversations never fetched", got)
	}
}

func pgIntOr0(db, q string) int {
	conn, err := sql.Open("pgx", db)
	if err != nil {
		return 0
	}
	defer conn.Close()
	var n int
	conn.QueryRow(q).Scan(&n)
	return n
}

// The readers print the same on both backends for the same data: a SQLite
// harvest copied into PostgreSQL (and back, to the same checksum).
func TestReadersIdenticalOnBothBackends(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 600, Tags: []string{"cop"}, ReplyShare: 0.5, Seed: 4})
	dir := t.TempDir()
	file := filepath.Join(dir, "h.db")
	if code, out := run(t, nil, "--db", file, "--instance", srv.URL, "--tag", "cop", "sync", "--quiet"); code != 0 {
		t.Fatalf("sync: exit %d: %s", code, out)
	}
	code, out := run(t, nil, "copy", "--from", file, "--to", pg)
	if code != 0 {
		t.Fatalf("copy: exit %d: %s", code, out)
	}
	sums := checksums(out)
	if len(sums) != 2 || sums[0] != sums[1] {
		t.Errorf("copy printed checksums %q:\n%s", sums, out)
	}
	for _, args := range [][]string{
		{"communities"},
		{"communities", "--format", "json"},
		{"report", "--week", "2026-W47", "--format", "markdown"},
		{"report", "--week", "2026-W47", "--format", "json"},
		{"export", "posts", "--no-datapackage"},
		{"export", "posts", "--format", "jsonl", "--no-datapackage"},
		{"export", "accounts", "--no-datapackage"},
		{"export", "edges", "--no-datapackage"},
		{"export", "communities", "--columns", "community_id,verdict,account,opted_out", "--no-datapackage"}, // computed_at: when communities ran
		{"export", "graph", "--format", "graphml", "--no-datapackage"},
		{"status", "--format", "json"},
	} {
		codeF, outF := run(t, []string{"TZ=UTC"}, append([]string{"--db", file}, args...)...)
		codeP, outP := run(t, []string{"TZ=UTC"}, append([]string{"--db", pg}, args...)...)
		if args[0] == "status" {
			// The database line names each; the rest must agree.
			outF, outP = strings.ReplaceAll(outF, file, "DB"), strings.ReplaceAll(outP, pg, "DB")
		}
		// The one wall-clock value: when the report was made.
		outF, outP = generatedAt.ReplaceAllString(outF, "GENERATED"), generatedAt.ReplaceAllString(outP, "GENERATED")
		if codeF != 0 || codeP != 0 {
			t.Errorf("%v: exit %d on SQLite, %d on PostgreSQL:\n%s\n%s", args, codeF, codeP, outF, outP)
			continue
		}
		if outF != outP {
			t.Errorf("%v differs between SQLite and PostgreSQL:\n--- sqlite\n%s\n--- postgres\n%s", args, head(outF), head(outP))
		}
		if len(outF) < 100 {
			t.Errorf("%v printed almost nothing: %q", args, outF)
		}
	}
	// And back: a new file from PostgreSQL has the same posts.
	back := filepath.Join(dir, "back.db")
	code, out = run(t, nil, "copy", "--from", pg, "--to", back)
	if code != 0 {
		t.Fatalf("copy back: exit %d: %s", code, out)
	}
	if b := checksums(out); len(b) != 2 || len(sums) != 2 || b[1] != sums[0] {
		t.Errorf("copy back: checksums %q, first copy %q", b, sums)
	}
	// A second copy into a database that holds data needs --replace.
	if code, out := run(t, nil, "copy", "--from", file, "--to", pg); code != 2 || !strings.Contains(out, "--replace") {
		t.Errorf("copy into a full database: exit %d: %s", code, out)
	}
	if code, out := run(t, nil, "copy", "--from", file, "--to", pg, "--replace"); code != 0 {
		t.Errorf("copy --replace: exit %d: %s", code, out)
	}
}

var generatedAt = regexp.MustCompile(`"generated_at": "[^"]*"`)

func checksums(out string) []string {
	var sums []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "posts checksum") {
			sums = append(sums, l[strings.LastIndex(l, " ")+1:])
		}
	}
	return sums
}

func head(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// A password, in the URL or in PGPASSWORD, is never printed: not by status,
// not by a sync, not in a connection error.
func TestPasswordNeverPrinted(t *testing.T) {
	db := pgtest.NewDatabase(t)
	const secret = "s3cr3t-Pa55word"
	u, _ := url.Parse(db)
	u.User = url.UserPassword(u.User.Username(), secret)
	withPassword := u.String()
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 30, Tags: []string{"cop"}, Seed: 5})
	dead := strings.Replace(withPassword, u.Host, "127.0.0.1:1", 1)
	for _, c := range []struct {
		env  []string
		args []string
		ok   bool
	}{
		{nil, []string{"--db", withPassword, "--instance", srv.URL, "--tag", "cop", "sync"}, true},
		{nil, []string{"--db", withPassword, "--log-format", "json", "--instance", srv.URL, "--tag", "cop", "sync"}, true},
		{nil, []string{"--db", withPassword, "status"}, true},
		{nil, []string{"--db", withPassword, "status", "--format", "json"}, true},
		{[]string{"PGPASSWORD=" + secret}, []string{"--db", db, "status"}, true},
		{nil, []string{"--db", dead, "status"}, false},
		{nil, []string{"--db", dead, "--instance", srv.URL, "sync"}, false},
		{[]string{"PGPASSWORD=" + secret}, []string{"--db", strings.Replace(db, u.Host, "127.0.0.1:1", 1), "status"}, false},
		{nil, []string{"copy", "--from", withPassword, "--to", filepath.Join(t.TempDir(), "c.db")}, true},
	} {
		code, out := run(t, c.env, c.args...)
		if (code == 0) != c.ok {
			t.Errorf("%v: exit %d: %s", c.args, code, out)
		}
		if strings.Contains(out, secret) {
			t.Errorf("%v printed the password:\n%s", c.args, out)
		}
		if c.args[len(c.args)-1] == "status" && c.ok && !strings.Contains(out, "postgres://") {
			t.Errorf("status does not name the backend: %s", out)
		}
	}
	if code, out := run(t, nil, "--db", withPassword, "status"); code != 0 || !strings.Contains(out, "xxxxx@") {
		t.Errorf("status should show the URL with the password redacted: %s", out)
	}
}

// Readers work with a role that may only read (README's "PostgreSQL").
func TestReadOnlyRoleReads(t *testing.T) {
	db := pgtest.NewDatabase(t)
	srv := mastodontest.NewServer(mastodontest.Options{RateLimit: 1 << 20})
	defer srv.Close()
	mastodontest.GenerateCourse(srv, mastodontest.CourseConfig{Posts: 200, Tags: []string{"cop"}, ReplyShare: 0.3, Seed: 6})
	if code, out := run(t, nil, "--db", db, "--instance", srv.URL, "--tag", "cop", "sync", "--quiet"); code != 0 {
		t.Fatalf("sync: %d %s", code, out)
	}
	u, _ := url.Parse(db)
	role := "reader_" + strings.TrimPrefix(u.Path, "/copharvest_test_")
	admin, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	dbName := strings.TrimPrefix(u.Path, "/")
	for _, q := range []string{
		fmt.Sprintf(`CREATE ROLE %s LOGIN`, role),
		fmt.Sprintf(`GRANT CONNECT ON DATABASE %s TO %s`, dbName, role),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %s`, role),
		fmt.Sprintf(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s`, role),
	} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		a, _ := sql.Open("pgx", os.Getenv(pgtest.EnvVar))
		defer a.Close()
		a.Exec(`DROP OWNED BY ` + role)
		a.Exec(`DROP ROLE IF EXISTS ` + role)
	})
	u.User = url.User(role)
	reader := u.String()
	for _, args := range [][]string{{"status"}, {"communities"}, {"report", "--week", "2026-W47"}, {"export", "posts", "--no-datapackage"}} {
		if code, out := run(t, nil, append([]string{"--db", reader}, args...)...); code != 0 {
			t.Errorf("%v as a read-only role: exit %d: %s", args, code, head(out))
		}
	}
	// The reader may not write.
	if code, out := run(t, nil, "--db", reader, "--instance", srv.URL, "--tag", "cop", "sync", "--quiet"); code == 0 {
		t.Errorf("sync as a read-only role succeeded: %s", out)
	}
}
