package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"
	"github.com/oeru/copharvest/pkg/lock"
)

// Concurrent writers on PostgreSQL: the same posts saved by several
// stores at once end as one row each, with every count update kept.
func TestConcurrentSavesOnePostEach(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	open(t, url) // migrate once
	const writers, posts = 4, 60
	errs := make(chan error, writers)
	for w := range writers {
		st := open(t, url)
		go func() {
			var err error
			for i := range posts {
				p := post(fmt.Sprintf("https://a.example/s/%d", i), fmt.Sprint(i), at.Add(time.Duration(i)*time.Minute))
				p.Favourites = int64(w*1000 + i)
				if _, e := st.SavePage(ctx, fmt.Sprintf("i%d.example", w), "cop", []Post{p}, Cursor{Newest: fmt.Sprint(i)}); e != nil && err == nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, url)
	var rows, ids, sources int
	st.r.QueryRow(`SELECT COUNT(*) FROM posts`).Scan(&rows)
	st.r.QueryRow(`SELECT COUNT(*) FROM post_ids`).Scan(&ids)
	st.r.QueryRow(`SELECT COUNT(*) FROM post_sources`).Scan(&sources)
	if rows != posts || ids != writers*posts || sources != writers*posts {
		t.Errorf("posts=%d ids=%d sources=%d, want %d, %d, %d", rows, ids, sources, posts, writers*posts, writers*posts)
	}
	// The last write of each post's count is one of the writers' values.
	var bad int
	st.r.QueryRow(`SELECT COUNT(*) FROM posts WHERE favourites_count % 1000 <> CAST(substr(uri, 21) AS INTEGER)`).Scan(&bad)
	if bad != 0 {
		t.Errorf("%d posts with a count no writer wrote", bad)
	}
}

func TestRedactAndIsPostgres(t *testing.T) {
	for in, want := range map[string]string{
		"/home/ana/cop.db":                              "/home/ana/cop.db",
		"postgres://ana@db.example/cop":                 "postgres://ana@db.example/cop",
		"postgres://ana:s3cret@db.example:5432/cop":     "postgres://ana:xxxxx@db.example:5432/cop",
		"postgresql://ana@db.example/cop?password=s3cr": "postgresql://ana@db.example/cop?password=xxxxx",
		"postgres://ana:s3cret@[::1/cop":                "postgres://(unparsable URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if IsPostgres(in) == (in[0] == '/') {
			t.Errorf("IsPostgres(%q) = %v", in, IsPostgres(in))
		}
	}
}

func TestRewriteToPostgres(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT a FROM t WHERE b = ? AND c = ?`:                          `SELECT a FROM t WHERE b = $1 AND c = $2`,
		`SELECT ?2, ?1, ? FROM t WHERE x = '?'`:                          `SELECT $2, $1, $3 FROM t WHERE x = '?'`,
		`INSERT OR IGNORE INTO t(a) VALUES (?)`:                          `INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING`,
		`INSERT OR IGNORE INTO t(a) VALUES (?) RETURNING id`:             `INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`,
		`SET a = MAX(a, excluded.a), b = MAX(b)`:                         `SET a = GREATEST(a, excluded.a), b = MAX(b)`,
		`SELECT group_concat(tag, ' ') FROM t`:                           `SELECT string_agg(CAST(tag AS TEXT), ' ') FROM t`,
		`SELECT x FROM (SELECT 1 AS x) WHERE x IS NOT y`:                 `SELECT x FROM (SELECT 1 AS x) AS subquery1 WHERE x IS DISTINCT FROM y`,
		`SELECT x FROM (SELECT 1 AS x) q WHERE x IS NOT NULL`:            `SELECT x FROM (SELECT 1 AS x) q WHERE x IS NOT NULL`,
		`PRAGMA wal_checkpoint(TRUNCATE)`:                                `SELECT 1`,
		`SELECT instance || char(10) FROM post_ids ORDER BY rowid`:       `SELECT instance || chr(10) FROM post_ids ORDER BY ctid`,
		`SELECT substr(acct, instr(acct, '@') + 1) FROM accounts`:        `SELECT substr(acct, strpos(acct, '@') + 1) FROM accounts`,
		`SELECT (SELECT json_group_array(tag) FROM (SELECT tag FROM t))`: `SELECT (SELECT COALESCE('[' || string_agg(to_json(tag)::text, ',') || ']', '[]') FROM (SELECT tag FROM t) AS subquery1)`,
	} {
		if got := rewrite(in); got != want {
			t.Errorf("rewrite(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// PostgreSQL's text holds neither bytes that are not UTF-8 nor NUL, which a
// misbehaving server sends; they become U+FFFD, valid text passes as is.
func TestPgTextHoldsWhatPostgreSQLRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"plain Māori": "plain Māori",
		"bad\xffbyte": "bad\uFFFDbyte",
		"nul\x00here": "nul\uFFFDhere",
		"":            "",
	} {
		if got := pgText(in); got != want {
			t.Errorf("pgText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Harvest locks: two stores on one database take different (instance,
// tag) locks side by side; the same one is refused, naming the holder,
// and free again once released.
func TestHarvestLocksPerInstanceAndTag(t *testing.T) {
	url := pgtest.NewDatabase(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	la, err := a.LockHarvest(ctx, []string{"a.example", "b.example"}, []string{"cop"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.LockHarvest(ctx, []string{"c.example"}, []string{"cop"}, 0)
	if err != nil {
		t.Fatalf("another instance must not wait: %v", err)
	}
	defer lb.Release()
	_, err = b.LockHarvest(ctx, []string{"b.example"}, []string{"cop"}, 0)
	var held *lock.HeldError
	if !errors.As(err, &held) || !strings.Contains(held.Holder, "copharvest pid") || !strings.Contains(err.Error(), "b.example #cop") {
		t.Fatalf("the same cursor: want a HeldError naming the holder, got %v", err)
	}
	if running, known := b.HarvestRunning(ctx); !running || !known {
		t.Errorf("HarvestRunning = %v, %v while locks are held", running, known)
	}
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	lb2, err := b.LockHarvest(ctx, []string{"b.example"}, []string{"cop"}, 0)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	lb2.Release()
}

// Harvest locks are per database: a harvest of another database on the
// same server (another course, another test) neither shows as a harvest
// of this one nor keeps this one's dead runs alive.
func TestHarvestLocksOfAnotherDatabaseAreNotThisOnes(t *testing.T) {
	ctx := context.Background()
	other, this := open(t, pgtest.NewDatabase(t)), open(t, pgtest.NewDatabase(t))
	held, err := other.LockHarvest(ctx, []string{"x.example"}, []string{"cop"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if running, known := other.HarvestRunning(ctx); !running || !known {
		t.Fatalf("the database holding the lock: HarvestRunning = %v, %v", running, known)
	}
	if running, known := this.HarvestRunning(ctx); running || !known {
		t.Errorf("another database's harvest counts as this one's: HarvestRunning = %v, %v", running, known)
	}
	if _, err := this.StartRun(ctx, []string{"x.example"}, []string{"cop"}); err != nil { // killed: never finished
		t.Fatal(err)
	}
	if n, err := this.CloseDeadRuns(ctx); err != nil || n != 1 {
		t.Errorf("CloseDeadRuns = %d, %v: want the dead run closed though another database holds the same (instance, tag) lock", n, err)
	}
	mine, err := this.LockHarvest(ctx, []string{"x.example"}, []string{"cop"}, 0)
	if err != nil {
		t.Fatalf("the same (instance, tag) in this database: %v", err)
	}
	mine.Release()
}

// Statements that unpack a JSON array (SQLite's json_each) cannot be
// rewritten mechanically: each needs its PostgreSQL text in pgStatements.
func TestEveryJSONBatchHasAPostgresText(t *testing.T) {
	for _, q := range append(append([]string{qPendingRoots}, writeStatements...), rowStatements...) {
		if strings.Contains(q, "json_each") && pgStatements[q] == "" {
			t.Errorf("no PostgreSQL text for:\n%s", q)
		}
	}
	for q, pq := range pgStatements {
		if strings.Contains(pq, "json_each") || strings.Contains(pq, "?") {
			t.Errorf("the PostgreSQL text of %q still reads like SQLite:\n%s", q, pq)
		}
	}
}
