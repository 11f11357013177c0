package report

import (
	"time"

	"github.com/oeru/copharvest/pkg/period"
)

// Period is the span a report covers: [Start, End) as instants, labelled
// in the reader's time zone, with the reason it was chosen.
type Period struct {
	Label    string    `json:"label"`     // "2026-W47" or "2026-11-25 09:00 to 2026-12-02 09:00"
	Start    time.Time `json:"start"`     // UTC
	End      time.Time `json:"end"`       // UTC, exclusive
	TimeZone string    `json:"time_zone"` // IANA name the days are counted in
	Reason   string    `json:"reason"`    // why this period: "--week 2026-W47", "the last full week before 2026-12-02"
}

// FromPeriod is the report period of p.
func FromPeriod(p period.Period) Period {
	return Period{Label: p.Label, Start: p.Since, End: p.Until, TimeZone: p.TimeZone, Reason: p.Reason}
}

// WeekPeriod is ISO week (year, week) in loc: Monday 00:00 to the next
// Monday 00:00 local time (167, 168 or 169 hours around a DST change).
func WeekPeriod(year, week int, loc *time.Location) Period {
	p := period.Week(year, week, loc)
	p.Reason = "--week " + p.Label
	return FromPeriod(p)
}

// ParseWeek reads "2026-W47" (or "2026W47") as a week in loc.
func ParseWeek(s string, loc *time.Location) (Period, error) {
	y, w, err := period.ParseWeek(s)
	if err != nil {
		return Period{}, &period.FieldError{Field: period.FieldWeek, Err: err}
	}
	return WeekPeriod(y, w, loc), nil
}

// LastFullWeek is the ISO week before the one holding now, in loc: what a
// facilitator reads on Monday morning.
func LastFullWeek(now time.Time, loc *time.Location) Period {
	y, w := now.In(loc).AddDate(0, 0, -7).ISOWeek()
	p := WeekPeriod(y, w, loc)
	p.Reason = "the last full week before " + now.In(loc).Format("2006-01-02 15:04")
	return p
}

// isWeek reports whether p is exactly one ISO week in loc.
func (p Period) isWeek(loc *time.Location) bool {
	start := p.Start.In(loc)
	y, w := start.ISOWeek()
	wk := period.Week(y, w, loc)
	return wk.Since.Equal(p.Start) && wk.Until.Equal(p.End)
}
