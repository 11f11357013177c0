package sync

import (
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
)

// The flags land typed in Options; a bad --watch is a usage error before
// anything runs.
func TestNewCmdSync(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		args    []string
		want    func(*Options) bool
		wantErr bool
	}{
		{nil, func(o *Options) bool {
			return o.Timeout == 30*time.Second && o.Watch == 0 && o.Workers == 0 && o.Since == ""
		}, false},
		{[]string{"--since", "2026-09-01", "--workers", "8", "--max-duration", "10m", "--no-interactions", "--refresh", "14d"}, func(o *Options) bool {
			return o.Since == "2026-09-01" && o.Workers == 8 && o.MaxDuration == 10*time.Minute && o.NoInteractions && o.Refresh == "14d"
		}, false},
		{[]string{"--watch", "15m", "--wait", "1m", "--timeout", "5s"}, func(o *Options) bool {
			return o.Watch == 15*time.Minute && o.Wait == time.Minute && o.Timeout == 5*time.Second
		}, false},
		{[]string{"--watch", "10ms"}, nil, true},
		{[]string{"--watch", "-1m"}, nil, true},
		{[]string{"--workers", "many"}, nil, true},
	}
	for _, c := range cases {
		opts, err := cmdtest.Parse(config.Default(), now, NewCmdSync, c.args...)
		if c.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || opts != nil {
				t.Errorf("%q: exit %d (%v), ran %v; want a usage error before the run", c.args, cmdutil.ExitCode(err), err, opts != nil)
			}
			continue
		}
		if err != nil || opts == nil || !c.want(opts) || opts.Now() != now {
			t.Errorf("%q: %v, options %+v", c.args, err, opts)
		}
	}
}
