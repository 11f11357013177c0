// Package pgtest gives tests a fresh PostgreSQL database on the cluster
// named by COPHARVEST_TEST_POSTGRES (a URL of a role that may create
// databases; .ci/postgres.sh starts one). Without it the test skips, or
// fails under CI=true (internal/testenv's rule).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/oeru/copharvest/internal/testenv"
)

// EnvVar names the cluster to create test databases on.
const EnvVar = "COPHARVEST_TEST_POSTGRES"

// NewDatabase creates an empty database for t (dropped when t ends) and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		testenv.Missing(t, "%s is not set: no PostgreSQL to test against (.ci/postgres.sh starts one)", EnvVar)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s is not a URL", EnvVar)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "copharvest_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open the test cluster: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// C collation: the byte order SQLite compares text in.
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		t.Fatalf("create a test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u.Path = "/" + name
	return u.String()
}

// Backend is a database backend a test runs against.
type Backend struct {
	Name string
	// New returns the location of a new empty database: a file path for
	// SQLite, a URL for PostgreSQL.
	New func(t testing.TB) string
}

// Backends are SQLite and PostgreSQL, for table-driven tests; PostgreSQL's
// New skips (or fails under CI) when no cluster is given.
var Backends = []Backend{
	{Name: "sqlite", New: func(t testing.TB) string { return filepath.Join(t.TempDir(), "copharvest.db") }},
	{Name: "postgres", New: NewDatabase},
}

// BackendVar, set to "postgres", makes DB give PostgreSQL databases, so
// the tests written against a store run on PostgreSQL too (.ci/run runs
// them a second time so).
const BackendVar = "COPHARVEST_TEST_BACKEND"

// DB returns where a test's database lives: a file named name in a
// temporary directory, or a fresh PostgreSQL database when BackendVar is
// "postgres".
func DB(t testing.TB, name string) string {
	t.Helper()
	if os.Getenv(BackendVar) == "postgres" {
		return NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), name)
}
