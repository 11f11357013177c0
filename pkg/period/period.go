// Package period says which span of time a command looks at, and why.
//
// A Period is [Since, Until) in UTC with a label and the reason it was
// chosen. Spec holds what the user typed (--since, --until, --week,
// --window); Resolve turns it into a Period. The clock is an input: only an
// age ("7d") is counted back from Now, and only because the user asked for
// a span relative to now. Defaults are the caller's (Anchor): commands that
// must give the same answer on any day anchor them on the newest stored
// post, never on today.
package period

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/config"
)

// Period is a span of time: Since inclusive, Until exclusive, both UTC.
type Period struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Label    string    `json:"label"`     // "2026-W36 to 2026-W47", "2026-W47", "2026-11-01 to 2026-12-01"
	Reason   string    `json:"reason"`    // why this span: "the 12 weeks ending with the newest stored post (2026-11-13)"
	TimeZone string    `json:"time_zone"` // IANA name days and dates are read in
}

// Open reports whether the period has no bound at all.
func (p Period) Open() bool { return p.Since.IsZero() && p.Until.IsZero() }

// Spec is what the user asked for. Every field may be empty.
type Spec struct {
	Since, Until string // a date (midnight in Location), an RFC 3339 time, or an age before now (30d)
	Week         string // an ISO week, 2026-W07: the period ends with it
	Window       string // a length in weeks or days (12w, 84d): the period is that long
	Location     *time.Location
}

// IsZero reports whether the user gave no period flag.
func (s Spec) IsZero() bool { return s.Since == "" && s.Until == "" && s.Week == "" && s.Window == "" }

// Anchor is what a command falls back on when the user did not say.
type Anchor struct {
	// Now is the clock, used only for ages such as --since 7d.
	Now time.Time
	// DefaultEnd ends the period when neither --until nor --week is given
	// (zero: open end); DefaultEndReason says why, e.g. "ending with the
	// week of the newest stored post (2026-11-13)".
	DefaultEnd       time.Time
	DefaultEndReason string
	// DefaultWeeks is the length when neither --since nor --window is
	// given (0: open start, or the one week of --week).
	DefaultWeeks int
}

var weekPattern = regexp.MustCompile(`^(\d{4})-?W(\d{1,2})$`)

// ParseWeek reads "2026-W07" (or "2026W07") as ISO week (year, week).
func ParseWeek(s string) (year, week int, err error) {
	m := weekPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not an ISO week such as 2026-W07", s)
	}
	year, _ = strconv.Atoi(m[1])
	week, _ = strconv.Atoi(m[2])
	// The last ISO week of a year is the one holding 28 December.
	_, last := time.Date(year, time.December, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	if week < 1 || week > last {
		return 0, 0, fmt.Errorf("%q: %d has weeks 1 to %d", s, year, last)
	}
	return year, week, nil
}

// WeekStart returns Monday 00:00 in loc of ISO week (year, week).
func WeekStart(year, week int, loc *time.Location) time.Time {
	// 4 January is always in ISO week 1.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(week-1))
}

// Week is ISO week (year, week) in loc, Monday 00:00 to the next Monday.
func Week(year, week int, loc *time.Location) Period {
	start := WeekStart(year, week, loc)
	return Period{Since: start.UTC(), Until: start.AddDate(0, 0, 7).UTC(), Label: WeekLabel(year, week), TimeZone: loc.String()}
}

// WeekLabel is "2026-W07".
func WeekLabel(year, week int) string { return fmt.Sprintf("%04d-W%02d", year, week) }

// WeekOf returns the ISO week holding t in loc, as a Period.
func WeekOf(t time.Time, loc *time.Location) Period {
	y, w := t.In(loc).ISOWeek()
	return Week(y, w, loc)
}

// ParseTime reads a --since/--until value: a date (midnight in loc), an
// RFC 3339 time, or an age before now (30d, 36h, 12w).
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := config.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01), an RFC 3339 time or an age (30d)", s)
}

// isAge reports whether a --since/--until value counts back from now.
func isAge(s string) bool {
	s = strings.TrimSpace(s)
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return false
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return false
	}
	return true
}

// ParseWindow reads a --window such as 12w or 84d as whole weeks (1 to 520).
func ParseWindow(s string) (int, error) {
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	weeks := int(d / (7 * 24 * time.Hour))
	if weeks < 1 || weeks > 520 || d%(7*24*time.Hour) != 0 {
		return 0, fmt.Errorf("%q: give whole weeks between 1w and 520w (or days: 84d)", s)
	}
	return weeks, nil
}

// Field names a part of a Spec. Errors name fields, not flags: the command
// layer knows which flag sets which field.
type Field string

// The fields of a Spec.
const (
	FieldSince  Field = "since"
	FieldUntil  Field = "until"
	FieldWeek   Field = "week"
	FieldWindow Field = "window"
)

// FieldError is a field that does not parse.
type FieldError struct {
	Field Field
	Err   error
}

func (e *FieldError) Error() string { return string(e.Field) + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// ConflictError is two fields given together where one is allowed:
// Settles is the field that already sets the part of the period (its end or
// its start) that Other would set too.
type ConflictError struct {
	Settles, Other Field
	Part           string // "end" or "start"
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s and %s both set the period's %s; give one", e.Settles, e.Other, e.Part)
}

// NoEndError is a window without an end to count back from.
type NoEndError struct{}

func (e *NoEndError) Error() string { return "a window needs an end" }

// Check reports spelling errors in s without a clock: what a command
// checks before it opens anything.
func (s Spec) Check() error {
	var errs []error
	for _, f := range []struct {
		field Field
		value string
	}{{FieldSince, s.Since}, {FieldUntil, s.Until}} {
		if f.value != "" {
			if _, err := ParseTime(f.value, time.Unix(0, 0), time.UTC); err != nil {
				errs = append(errs, &FieldError{Field: f.field, Err: err})
			}
		}
	}
	if s.Week != "" {
		if _, _, err := ParseWeek(s.Week); err != nil {
			errs = append(errs, &FieldError{Field: FieldWeek, Err: err})
		}
		if s.Until != "" {
			errs = append(errs, &ConflictError{Settles: FieldWeek, Other: FieldUntil, Part: "end"})
		}
	}
	if s.Window != "" {
		if _, err := ParseWindow(s.Window); err != nil {
			errs = append(errs, &FieldError{Field: FieldWindow, Err: err})
		}
		if s.Since != "" {
			errs = append(errs, &ConflictError{Settles: FieldWindow, Other: FieldSince, Part: "start"})
		}
	}
	return errors.Join(errs...)
}

// Resolve turns what the user asked for into a Period, filling what they
// did not say from a.
//
// The end is --until, else the end of --week, else a.DefaultEnd. The start
// is --since, else the end minus --window (whole weeks), else the start of
// --week, else the end minus a.DefaultWeeks. An end at a Monday 00:00 UTC
// keeps windows on whole UTC ISO weeks, which is what the community
// measures count.
func Resolve(s Spec, a Anchor) (Period, error) {
	if err := s.Check(); err != nil {
		return Period{}, err
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	p := Period{TimeZone: loc.String()}
	var endWhy, startWhy string
	var weekStart time.Time
	switch {
	case s.Until != "":
		t, err := ParseTime(s.Until, a.Now, loc)
		if err != nil {
			return Period{}, &FieldError{Field: FieldUntil, Err: err}
		}
		p.Until = t
		endWhy = "--until " + s.Until
		if isAge(s.Until) {
			endWhy += " (counted back from " + a.Now.UTC().Format(time.RFC3339) + ")"
		}
	case s.Week != "":
		y, w, err := ParseWeek(s.Week)
		if err != nil {
			return Period{}, &FieldError{Field: FieldWeek, Err: err}
		}
		wk := Week(y, w, loc)
		p.Until, weekStart = wk.Until, wk.Since
		endWhy = "--week " + wk.Label
	default:
		p.Until = a.DefaultEnd
		endWhy = a.DefaultEndReason
	}
	weeks := 0
	switch {
	case s.Since != "":
		t, err := ParseTime(s.Since, a.Now, loc)
		if err != nil {
			return Period{}, &FieldError{Field: FieldSince, Err: err}
		}
		p.Since = t
		startWhy = "--since " + s.Since
		if isAge(s.Since) {
			startWhy += " (counted back from " + a.Now.UTC().Format(time.RFC3339) + ")"
		}
	case s.Window != "":
		var err error
		if weeks, err = ParseWindow(s.Window); err != nil {
			return Period{}, &FieldError{Field: FieldWindow, Err: err}
		}
		startWhy = "--window " + s.Window
	case s.Week != "" && a.DefaultWeeks == 0:
		p.Since = weekStart
	default:
		weeks = a.DefaultWeeks
		if weeks > 0 {
			startWhy = fmt.Sprintf("%d weeks by default", weeks)
		}
	}
	if weeks > 0 {
		if p.Until.IsZero() {
			return Period{}, &NoEndError{}
		}
		p.Since = p.Until.AddDate(0, 0, -7*weeks)
	}
	if !p.Since.IsZero() && !p.Until.IsZero() && !p.Until.After(p.Since) {
		return Period{}, fmt.Errorf("the period is empty: %s is not after %s", p.Until.Format(time.RFC3339), p.Since.Format(time.RFC3339))
	}
	p.Label = Label(p, loc)
	switch {
	case startWhy != "" && endWhy != "":
		p.Reason = startWhy + ", " + endWhy
	default:
		p.Reason = startWhy + endWhy
	}
	if p.Reason == "" {
		p.Reason = "all stored posts"
	}
	return p, nil
}

// Label names a period the way a reader counts: ISO weeks when both ends
// are Mondays at midnight in loc ("2026-W47", "2026-W36 to 2026-W47"),
// dates when both are midnights, else date and time.
func Label(p Period, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	since, until := p.Since.In(loc), p.Until.In(loc)
	midnight := func(t time.Time) bool {
		return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	monday := func(t time.Time) bool { return midnight(t) && t.Weekday() == time.Monday }
	switch {
	case p.Open():
		return "all time"
	case p.Since.IsZero():
		return "until " + until.Format("2006-01-02 15:04")
	case p.Until.IsZero():
		return "from " + since.Format("2006-01-02 15:04")
	case monday(since) && monday(until):
		y0, w0 := since.ISOWeek()
		y1, w1 := until.AddDate(0, 0, -1).ISOWeek()
		if y0 == y1 && w0 == w1 {
			return WeekLabel(y0, w0)
		}
		return WeekLabel(y0, w0) + " to " + WeekLabel(y1, w1)
	case midnight(since) && midnight(until):
		last := until.AddDate(0, 0, -1)
		if last.Equal(since) {
			return since.Format("2006-01-02")
		}
		return since.Format("2006-01-02") + " to " + last.Format("2006-01-02")
	default:
		return since.Format("2006-01-02 15:04") + " to " + until.Format("2006-01-02 15:04")
	}
}

// EndOfWeekUTC returns the Monday 00:00 UTC after the UTC ISO week holding
// t: the end of a window of whole weeks that includes t.
func EndOfWeekUTC(t time.Time) time.Time {
	y, w := t.UTC().ISOWeek()
	return WeekStart(y, w, time.UTC).AddDate(0, 0, 7)
}

// WeeksEnding is the n UTC ISO weeks up to and including week (year,
// week), e.g. WeeksEnding(2026, 47, 12) for 2026-W36 to 2026-W47.
func WeeksEnding(year, week, n int) Period {
	end := WeekStart(year, week, time.UTC).AddDate(0, 0, 7)
	p := Period{Since: end.AddDate(0, 0, -7*n), Until: end, TimeZone: "UTC"}
	p.Label = Label(p, time.UTC)
	p.Reason = fmt.Sprintf("%d weeks ending with %s", n, WeekLabel(year, week))
	return p
}
