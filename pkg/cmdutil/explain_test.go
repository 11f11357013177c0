package cmdutil

import (
	"errors"
	"fmt"
	"testing"

	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/lock"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// The messages users saw before the hints moved out of the domain packages,
// word for word: moving them changed where they are written, not what is said.
func TestExplainAddsTheHints(t *testing.T) {
	bad := errors.New(`"x" is not a date`)
	cases := []struct {
		err  error
		want string
	}{
		{&store.NotSQLiteError{Path: "a.txt"}, "a.txt exists and is not a SQLite database; refusing to use or overwrite it (give another --db path)"},
		{fmt.Errorf("open: %w", &store.NoDatabaseError{Path: "c.db", State: "does not exist"}), "open: database c.db does not exist: check --db, or run copharvest sync first"},
		{&store.NoDatabaseError{Path: "c.db", State: "is empty"}, "database c.db is empty: run copharvest sync first"},
		{&store.OldSchemaError{Path: "c.db", Have: 3}, "database c.db has schema version 3: run copharvest sync once to upgrade it"},
		{&store.NoWALIndexError{Path: "/d/c.db", Err: bad}, `cannot read /d/c.db: its directory is not writable and its WAL index (c.db-shm) is missing; ask its owner to run copharvest sync once (it leaves the index in place), or copy the file: "x" is not a date`},
		{&LockedError{Err: &lock.HeldError{Path: "c.db.lock", Holder: "pid 1"}}, "another copharvest is using the database: pid 1 (lock c.db.lock); use --wait to wait for it"},
		{&lock.HeldError{Path: "c.db.lock"}, "another copharvest is using the database (lock c.db.lock)"},
		{fmt.Errorf("instance 1: %w", mastodon.ErrNoInstance), "instance 1: no instance given (use --instance https://mastodon.example)"},
		{&mastodon.NetworkError{Path: "/api", Attempts: 1, Err: fmt.Errorf("%w; %w", bad, &mastodon.PlainHTTPError{Host: "h:8080"})}, ""},
		{errors.Join(&period.FieldError{Field: period.FieldSince, Err: bad}, &period.ConflictError{Settles: period.FieldWeek, Other: period.FieldUntil, Part: "end"}),
			"--since: \"x\" is not a date\ngive --week or --until, not both (--week ends the period)"},
		{&period.ConflictError{Settles: period.FieldWindow, Other: period.FieldSince, Part: "start"}, "give --window or --since, not both (--window starts the period)"},
		{&period.NoEndError{}, "a window needs an end: give --until or --week too"},
		{&export.ForeignDataPackageError{Path: "d/datapackage.json"}, "d/datapackage.json exists and was not written by copharvest; it is left alone: export into another directory or give --no-datapackage"},
		{&export.NotInCSVError{Column: "raw"}, `column "raw" is not in CSV exports: use --format jsonl or parquet`},
		{export.ErrNoKey, "--pseudonymize needs a key: set salt: in the config file or give --salt"},
	}
	for _, c := range cases {
		got := Explain(c.err)
		if c.want == "" { // NetworkError's text is its own; the hint must be in it
			c.want = c.err.Error()[:len(c.err.Error())-len("the server at h:8080 speaks plain http, not https")] +
				"the server at h:8080 speaks plain http, not https: if that is intended (a local test server), give --instance http://h:8080"
		}
		if got.Error() != c.want {
			t.Errorf("Explain(%T)\n got %q\nwant %q", c.err, got, c.want)
		}
		if !errors.Is(got, c.err) || ExitCode(got) != ExitCode(c.err) {
			t.Errorf("Explain(%T) no longer unwraps to the error (exit %d, was %d)", c.err, ExitCode(got), ExitCode(c.err))
		}
	}
	if plain := errors.New("disk full"); Explain(plain) != plain || Explain(nil) != nil {
		t.Error("an error with nothing to add must come back unchanged")
	}
}

func TestWarningHints(t *testing.T) {
	for kind, want := range map[harvest.WarningKind]string{
		harvest.WarnLocalOnly:        "; log in (copharvest login) to see them",
		harvest.WarnEmptyMaybeHidden: " (try --token)",
		harvest.WarnEmptyRestricted:  "; a token (copharvest login) may be needed",
		harvest.WarnOther:            "",
	} {
		if got := WarningHint(kind); got != want {
			t.Errorf("WarningHint(%d) = %q, want %q", kind, got, want)
		}
	}
}
