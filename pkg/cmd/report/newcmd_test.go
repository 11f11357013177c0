package report

import (
	"testing"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
)

// The flags land, parsed once and typed, in Options (--window as weeks);
// bad ones are usage errors before anything runs.
func TestNewCmdReport(t *testing.T) {
	cmdtest.CheckParse(t, NewCmdReport, []cmdtest.ParseCase[Options]{
		{Args: nil, Want: func(o *Options) bool {
			return o.By == analysis.ByGraph && o.Format == "table" && o.CommunityWeeks == 12 && o.Output == ""
		}},
		{Args: []string{"--week", "2026-W47", "--format", "html", "-o", "w.html", "--window", "6w", "--by", "tag"}, Want: func(o *Options) bool {
			return o.Period.Week == "2026-W47" && o.Format == "html" && o.Output == "w.html" && o.CommunityWeeks == 6 && o.By == analysis.ByTag
		}},
		{Args: []string{"--since", "7d", "--tz", "Pacific/Auckland"}, Want: func(o *Options) bool { return o.Period.Since == "7d" && o.Period.TZ == "Pacific/Auckland" }},
		{Args: []string{"--format", "pdf"}, UsageError: true},
		{Args: []string{"--by", "colour"}, UsageError: true},
		{Args: []string{"--window", "3d"}, UsageError: true},
		{Args: []string{"--week", "2026-W47", "--since", "7d"}, UsageError: true},
		{Args: []string{"--salt", "k"}, UsageError: true},
	})
}
