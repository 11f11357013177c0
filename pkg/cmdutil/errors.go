// Package cmdutil holds what every command shares: the Factory of its
// dependencies, the typed errors that decide the exit status, flag helpers.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
)

// Exit statuses, the same for every command (see `copharvest help exit-codes`).
const (
	ExitOK      = 0 // success
	ExitError   = 1 // failure: nothing more was done than the message says
	ExitUsage   = 2 // bad flags, arguments or configuration
	ExitPartial = 3 // stopped early (interrupt, time budget, rate limit, one instance failing); what was fetched is kept
	ExitLocked  = 4 // another copharvest holds the database lock
	ExitCheck   = 5 // status --check found a problem (stale, failed, unclassified, rejected)
)

// FlagError is a usage error: bad flag, argument or config value.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// PartialError: the command stopped early but kept everything it did.
type PartialError struct{ Err error }

func (e *PartialError) Error() string { return e.Err.Error() }
func (e *PartialError) Unwrap() error { return e.Err }

// LockedError: another process holds the lock.
type LockedError struct{ Err error }

func (e *LockedError) Error() string { return e.Err.Error() }
func (e *LockedError) Unwrap() error { return e.Err }

// SilentError exits with a status but prints nothing more (the command has
// already said what went wrong).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error to the process's exit status, in one place.
func ExitCode(err error) int {
	var flagErr *FlagError
	var partial *PartialError
	var locked *LockedError
	var silent *SilentError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &silent):
		return silent.Code
	case errors.As(err, &flagErr):
		return ExitUsage
	case errors.As(err, &locked):
		return ExitLocked
	case errors.As(err, &partial), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ExitPartial
	default:
		return ExitError
	}
}

// ExitCodesHelp is appended to every command's help.
const ExitCodesHelp = `Exit status:
  0  success
  1  failure (the message says what and what to do)
  2  usage error: bad flag, argument or configuration value
  3  partial: stopped early by Ctrl-C, --max-duration, a rate limit or one failing
     instance; everything fetched so far is kept and the next run continues
  4  another copharvest process holds the database lock
  5  status --check: the harvest needs attention (see its messages)`
