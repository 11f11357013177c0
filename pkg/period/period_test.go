package period

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]time.Time{
		"2026-11-16":           time.Date(2026, 11, 15, 11, 0, 0, 0, time.UTC), // midnight in Auckland
		"2026-11-16T09:30:00Z": time.Date(2026, 11, 16, 9, 30, 0, 0, time.UTC),
		"7d":                   now.AddDate(0, 0, -7),
		"2w":                   now.AddDate(0, 0, -14),
		"36h":                  now.Add(-36 * time.Hour),
	} {
		got, err := ParseTime(in, now, auckland)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"soon", "2026-13-01", "-3d", ""} {
		if _, err := ParseTime(bad, now, time.UTC); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestParseWeekAndWindow(t *testing.T) {
	if y, w, err := ParseWeek("2026-W07"); err != nil || y != 2026 || w != 7 {
		t.Errorf("2026-W07: %d %d %v", y, w, err)
	}
	if _, w, err := ParseWeek("2026W53"); err != nil || w != 53 {
		t.Errorf("2026 has 53 ISO weeks: %d %v", w, err)
	}
	for _, bad := range []string{"2025-W53", "2026-47", "W07", "2026-W00"} {
		if _, _, err := ParseWeek(bad); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
	if n, err := ParseWindow("84d"); err != nil || n != 12 {
		t.Errorf("84d: %d %v", n, err)
	}
	for _, bad := range []string{"0w", "10d", "521w", "x"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}

func TestResolve(t *testing.T) {
	now := time.Date(2031, 5, 5, 10, 30, 0, 0, time.UTC) // far from the data: must not matter unless asked
	newest := time.Date(2026, 11, 13, 19, 30, 0, 0, time.UTC)
	anchor := Anchor{Now: now, DefaultEnd: EndOfWeekUTC(newest), DefaultEndReason: "ending with the week of the newest stored post (2026-11-13)", DefaultWeeks: 12}
	cases := []struct {
		spec         Spec
		label        string
		since, until time.Time
		reason       string
	}{
		{Spec{}, "2026-W35 to 2026-W46", time.Date(2026, 8, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
			"12 weeks by default, ending with the week of the newest stored post (2026-11-13)"},
		{Spec{Window: "4w"}, "2026-W43 to 2026-W46", time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC),
			"--window 4w, ending with the week of the newest stored post (2026-11-13)"},
		{Spec{Week: "2026-W40", Window: "2w"}, "2026-W39 to 2026-W40", time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
			"--window 2w, --week 2026-W40"},
		{Spec{Since: "2026-09-01", Until: "2026-10-01"}, "2026-09-01 to 2026-09-30", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			"--since 2026-09-01, --until 2026-10-01"},
		{Spec{Since: "30d"}, "2031-04-05 10:30 to 2026-11-16 00:00", time.Time{}, time.Time{}, ""}, // an age before the data: an empty period
	}
	for _, c := range cases {
		p, err := Resolve(c.spec, anchor)
		if c.reason == "" {
			if err == nil || !strings.Contains(err.Error(), "empty") {
				t.Errorf("%+v: %+v, %v; want an empty-period error", c.spec, p, err)
			}
			continue
		}
		if err != nil || p.Label != c.label || !p.Since.Equal(c.since) || !p.Until.Equal(c.until) || p.Reason != c.reason {
			t.Errorf("%+v:\n got %+v %v\nwant %s %s..%s %q", c.spec, p, err, c.label, c.since, c.until, c.reason)
		}
	}
	p, err := Resolve(Spec{Since: "300w"}, anchor)
	if err != nil || !p.Since.Equal(now.AddDate(0, 0, -2100)) || !strings.Contains(p.Reason, "counted back from 2031-05-05T10:30:00Z") {
		t.Errorf("an age says it counts back from now: %+v %v", p, err)
	}
	for _, bad := range []Spec{{Since: "7d", Window: "2w"}, {Week: "2026-W40", Until: "2026-10-01"}, {Week: "2026-47"}} {
		if _, err := Resolve(bad, anchor); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := Resolve(Spec{Window: "4w"}, Anchor{Now: now}); err == nil {
		t.Error("a window without an end accepted")
	}
	if p, err := Resolve(Spec{}, Anchor{Now: now}); err != nil || !p.Open() || p.Reason != "all stored posts" {
		t.Errorf("no flag, no default: %+v %v", p, err)
	}
}

func TestLabelNamesWhatTheReaderCounts(t *testing.T) {
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	week := Week(2026, 49, auckland)
	if got := Label(week, auckland); got != "2026-W49" {
		t.Errorf("W49 in Auckland: %q", got)
	}
	// Seven days from a Wednesday are not an ISO week.
	p := Period{Since: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	if got := Label(p, time.UTC); got != "2026-11-25 09:00 to 2026-12-02 09:00" {
		t.Errorf("7 days to a Wednesday: %q", got)
	}
}
