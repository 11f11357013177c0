package sync

import (
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
)

// The flags land typed in Options; a bad --watch is a usage error before
// anything runs.
func TestNewCmdSync(t *testing.T) {
	cmdtest.CheckParse(t, NewCmdSync, []cmdtest.ParseCase[Options]{
		{Args: nil, Want: func(o *Options) bool {
			return o.Timeout == 30*time.Second && o.Watch == 0 && o.Workers == 0 && o.Since == ""
		}},
		{Args: []string{"--since", "2026-09-01", "--workers", "8", "--max-duration", "10m", "--no-interactions", "--refresh", "14d"}, Want: func(o *Options) bool {
			return o.Since == "2026-09-01" && o.Workers == 8 && o.MaxDuration == 10*time.Minute && o.NoInteractions && o.Refresh == "14d"
		}},
		{Args: []string{"--watch", "15m", "--wait", "1m", "--timeout", "5s"}, Want: func(o *Options) bool {
			return o.Watch == 15*time.Minute && o.Wait == time.Minute && o.Timeout == 5*time.Second
		}},
		{Args: []string{"--watch", "10ms"}, UsageError: true},
		{Args: []string{"--watch", "-1m"}, UsageError: true},
		{Args: []string{"--workers", "many"}, UsageError: true},
	})
}
