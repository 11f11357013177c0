package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/oeru/copharvest/pkg/config"
)

// Period is the span a report covers: [Start, End) as instants, labelled
// in the reader's time zone.
type Period struct {
	Label    string    `json:"label"`     // "2026-W47" or "7 days to 2026-11-23 09:00"
	Start    time.Time `json:"start"`     // UTC
	End      time.Time `json:"end"`       // UTC, exclusive
	TimeZone string    `json:"time_zone"` // IANA name the days are counted in
}

var weekPattern = regexp.MustCompile(`^(\d{4})-?W(\d{1,2})$`)

// ISOWeekStart returns Monday 00:00 in loc of ISO week (year, week).
func ISOWeekStart(year, week int, loc *time.Location) time.Time {
	// 4 January is always in ISO week 1.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(week-1))
}

// WeekPeriod is ISO week (year, week) in loc: Monday 00:00 to the next
// Monday 00:00 local time (167, 168 or 169 hours around a DST change).
func WeekPeriod(year, week int, loc *time.Location) Period {
	start := ISOWeekStart(year, week, loc)
	return Period{Label: fmt.Sprintf("%04d-W%02d", year, week), Start: start.UTC(), End: start.AddDate(0, 0, 7).UTC(), TimeZone: loc.String()}
}

// ParseWeek reads "2026-W47" (or "2026W47") as a week in loc.
func ParseWeek(s string, loc *time.Location) (Period, error) {
	m := weekPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("--week %q: give an ISO week such as 2026-W47", s)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	// The last ISO week of a year is the one holding 28 December.
	_, last := time.Date(year, time.December, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	if week < 1 || week > last {
		return Period{}, fmt.Errorf("--week %q: %d has weeks 1 to %d", s, year, last)
	}
	return WeekPeriod(year, week, loc), nil
}

// LastFullWeek is the ISO week before the one holding now, in loc: what a
// facilitator reads on Monday morning.
func LastFullWeek(now time.Time, loc *time.Location) Period {
	y, w := now.In(loc).AddDate(0, 0, -7).ISOWeek()
	return WeekPeriod(y, w, loc)
}

// SincePeriod is the span of d up to now, for --since 7d.
func SincePeriod(d string, now time.Time, loc *time.Location) (Period, error) {
	dur, err := config.ParseDuration(d)
	if err != nil {
		return Period{}, fmt.Errorf("--since: %w", err)
	}
	if dur < time.Hour || dur > 366*24*time.Hour {
		return Period{}, fmt.Errorf("--since %q: give between 1h and 366d", d)
	}
	end := now.Truncate(time.Minute)
	return Period{Label: fmt.Sprintf("%s to %s", d, end.In(loc).Format("2006-01-02 15:04")),
		Start: end.Add(-dur).UTC(), End: end.UTC(), TimeZone: loc.String()}, nil
}
