package cmdutil

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/harvest"
	"github.com/oeru/copharvest/pkg/lock"
	"github.com/oeru/copharvest/pkg/mastodon"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
)

// Explain adds what the user can do — which flag to give, which command to
// run — to the typed errors of the domain packages, which know nothing of
// flags or commands. It is the one place such hints are written (API
// errors: ExplainAPIError). The result unwraps to err, so exit codes and
// errors.Is/As are unchanged.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	msg, changed := err.Error(), false
	walk(err, func(e error) {
		if h, ok := hint(e); ok {
			if m := strings.Replace(msg, e.Error(), h, 1); m != msg {
				msg, changed = m, true
			}
		}
	})
	if !changed {
		return err
	}
	return &explained{err: err, msg: msg}
}

type explained struct {
	err error
	msg string
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// walk visits err and everything it wraps, outermost first.
func walk(err error, visit func(error)) {
	if err == nil {
		return
	}
	visit(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), visit)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, visit)
		}
	}
}

// periodFlag is the flag that sets each field of a period.Spec (see
// AddPeriodFlags).
func periodFlag(f period.Field) string { return "--" + string(f) }

// hint is e's message with what to do added, for the errors this layer can
// say something about.
func hint(e error) (string, bool) {
	switch e := e.(type) {
	case *store.NotSQLiteError:
		return e.Error() + " (give another --db path)", true
	case *store.NoDatabaseError:
		if e.State == "does not exist" { // OpenExisting: perhaps a typo
			return e.Error() + ": check --db, or run copharvest sync first", true
		}
		return e.Error() + ": run copharvest sync first", true
	case *store.OldSchemaError:
		return e.Error() + ": run copharvest sync once to upgrade it", true
	case *store.NoWALIndexError:
		return fmt.Sprintf("cannot read %s: its directory is not writable and its WAL index (%s-shm) is missing; ask its owner to run copharvest sync once (it leaves the index in place), or copy the file: %v",
			e.Path, filepath.Base(e.Path), e.Err), true
	case *lock.HeldError:
		if e.Holder == "" {
			return "", false
		}
		return e.Error() + "; use --wait to wait for it", true
	case *mastodon.PlainHTTPError:
		return e.Error() + ": if that is intended (a local test server), give --instance http://" + e.Host, true
	case *period.FieldError:
		return periodFlag(e.Field) + ": " + e.Err.Error(), true
	case *period.ConflictError:
		return fmt.Sprintf("give %s or %s, not both (%s %ss the period)", periodFlag(e.Settles), periodFlag(e.Other), periodFlag(e.Settles), e.Part), true
	case *period.NoEndError:
		return e.Error() + ": give --until or --week too", true
	case *export.ForeignDataPackageError:
		return e.Error() + ": export into another directory or give --no-datapackage", true
	case *export.NotInCSVError:
		return e.Error() + ": use --format jsonl or parquet", true
	}
	switch {
	case errors.Is(e, mastodon.ErrNoInstance) && e.Error() == mastodon.ErrNoInstance.Error():
		return e.Error() + " (use --instance https://mastodon.example)", true
	case errors.Is(e, export.ErrNoKey) && e.Error() == export.ErrNoKey.Error():
		return "--pseudonymize needs a key: set salt: in the config file or give --salt", true
	}
	return "", false
}

// WarningHint is what the user can do about a harvest warning of kind k
// ("" when nothing), to be written right after its message.
func WarningHint(k harvest.WarningKind) string {
	switch k {
	case harvest.WarnLocalOnly:
		return "; log in (copharvest login) to see them"
	case harvest.WarnEmptyMaybeHidden:
		return " (try --token)"
	case harvest.WarnEmptyRestricted:
		return "; a token (copharvest login) may be needed"
	}
	return ""
}
