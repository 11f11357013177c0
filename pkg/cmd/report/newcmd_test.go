package report

import (
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
)

// The flags land, parsed once and typed, in Options (--window as weeks);
// bad ones are usage errors before anything runs.
func TestNewCmdReport(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		args    []string
		want    func(*Options) bool
		wantErr bool
	}{
		{nil, func(o *Options) bool {
			return o.By == analysis.ByGraph && o.Format == "table" && o.CommunityWeeks == 12 && o.Output == ""
		}, false},
		{[]string{"--week", "2026-W47", "--format", "html", "-o", "w.html", "--window", "6w", "--by", "tag"}, func(o *Options) bool {
			return o.Period.Week == "2026-W47" && o.Format == "html" && o.Output == "w.html" && o.CommunityWeeks == 6 && o.By == analysis.ByTag
		}, false},
		{[]string{"--since", "7d", "--tz", "Pacific/Auckland"}, func(o *Options) bool { return o.Period.Since == "7d" && o.Period.TZ == "Pacific/Auckland" }, false},
		{[]string{"--format", "pdf"}, nil, true},
		{[]string{"--by", "colour"}, nil, true},
		{[]string{"--window", "3d"}, nil, true},
		{[]string{"--week", "2026-W47", "--since", "7d"}, nil, true},
		{[]string{"--salt", "k"}, nil, true},
	}
	for _, c := range cases {
		opts, err := cmdtest.Parse(config.Default(), now, NewCmdReport, c.args...)
		if c.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || opts != nil {
				t.Errorf("%q: exit %d (%v), ran %v; want a usage error before the run", c.args, cmdutil.ExitCode(err), err, opts != nil)
			}
			continue
		}
		if err != nil || opts == nil || !c.want(opts) {
			t.Errorf("%q: %v, options %+v", c.args, err, opts)
		}
	}
}
