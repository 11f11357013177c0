package communities

import (
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
)

// The flags land, parsed once and typed, in Options; bad ones are usage
// errors before anything runs.
func TestNewCmdCommunities(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		args    []string
		want    func(*Options) bool
		wantErr bool
	}{
		{nil, func(o *Options) bool {
			return o.By == analysis.ByGraph && o.Format == "table" && o.Seed == 1 && !o.Pseudonymize
		}, false},
		{[]string{"--by", "tag", "--format", "csv"}, func(o *Options) bool { return o.By == analysis.ByTag && o.Format == "csv" }, false},
		{[]string{"--by", "instance", "--week", "2026-W47", "--window", "6w", "--seed", "7"}, func(o *Options) bool {
			return o.By == analysis.ByInstance && o.Period.Week == "2026-W47" && o.Period.Window == "6w" && o.Seed == 7
		}, false},
		{[]string{"--pseudonymize", "--salt", "k"}, func(o *Options) bool { return o.Pseudonymize && o.Salt == "k" }, false},
		{[]string{"--by", "colour"}, nil, true},
		{[]string{"--format", "pdf"}, nil, true},
		{[]string{"--salt", "k"}, nil, true},
		{[]string{"--week", "2026-47"}, nil, true},
	}
	for _, c := range cases {
		opts, err := cmdtest.Parse(config.Default(), now, NewCmdCommunities, c.args...)
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
