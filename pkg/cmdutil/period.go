package cmdutil

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/period"
)

// PeriodFlags are the period flags communities, report and export share:
// --since, --until, --week, --window and --tz.
type PeriodFlags struct {
	Since, Until, Week, Window, TZ string
}

// PeriodHelp is what --week and --window mean for a command, e.g. "weeks
// the communities are measured over (default 12w)". --window has no flag
// default: a default length is the command's (period.Anchor.DefaultWeeks),
// so that --since and a default window never clash.
type PeriodHelp struct {
	Week, Window string
}

// AddPeriodFlags binds the period flags to fs.
func AddPeriodFlags(fs *pflag.FlagSet, pf *PeriodFlags, help PeriodHelp) {
	fs.StringVar(&pf.Since, "since", "", "start: a date (2026-11-01, midnight in --tz), an RFC 3339 time, or an age before now (30d)")
	fs.StringVar(&pf.Until, "until", "", "end (exclusive): a date, an RFC 3339 time, or an age before now")
	fs.StringVar(&pf.Week, "week", "", help.Week)
	fs.StringVar(&pf.Window, "window", "", help.Window)
	fs.StringVar(&pf.TZ, "tz", "", "time zone of dates and days (default: the config's timezone, else the system's)")
}

// Check reports a misspelt period flag as a usage error, before anything
// is opened and without a clock.
func (pf *PeriodFlags) Check() error {
	if pf.TZ != "" {
		if _, err := time.LoadLocation(pf.TZ); err != nil {
			return FlagErrorf("--tz %q: not a time zone name such as Pacific/Auckland", pf.TZ)
		}
	}
	if err := pf.Spec(time.UTC).Check(); err != nil {
		return &FlagError{Err: err}
	}
	return nil
}

// Spec is what the flags ask for, dates read in loc.
func (pf *PeriodFlags) Spec(loc *time.Location) period.Spec {
	return period.Spec{Since: pf.Since, Until: pf.Until, Week: pf.Week, Window: pf.Window, Location: loc}
}

// Location resolves --tz, then the config's timezone, then the system's.
func Location(flag string, cfg *config.Config) (*time.Location, error) {
	name := flag
	if name == "" {
		name = cfg.Timezone
	}
	if name == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, FlagErrorf("time zone %q: %v", name, err)
	}
	return loc, nil
}

// ResolvePeriod resolves the flags against a, a usage error when they
// contradict each other.
func ResolvePeriod(pf *PeriodFlags, loc *time.Location, a period.Anchor) (period.Period, error) {
	p, err := period.Resolve(pf.Spec(loc), a)
	if err != nil {
		return p, &FlagError{Err: err}
	}
	return p, nil
}
