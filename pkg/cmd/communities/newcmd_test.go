package communities

import (
	"testing"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
)

// The flags land, parsed once and typed, in Options; bad ones are usage
// errors before anything runs.
func TestNewCmdCommunities(t *testing.T) {
	cmdtest.CheckParse(t, NewCmdCommunities, []cmdtest.ParseCase[Options]{
		{Args: nil, Want: func(o *Options) bool {
			return o.By == analysis.ByGraph && o.Format == "table" && o.Seed == 1 && !o.Pseudonymize
		}},
		{Args: []string{"--by", "tag", "--format", "csv"}, Want: func(o *Options) bool { return o.By == analysis.ByTag && o.Format == "csv" }},
		{Args: []string{"--by", "instance", "--week", "2026-W47", "--window", "6w", "--seed", "7"}, Want: func(o *Options) bool {
			return o.By == analysis.ByInstance && o.Period.Week == "2026-W47" && o.Period.Window == "6w" && o.Seed == 7
		}},
		{Args: []string{"--pseudonymize", "--salt", "k"}, Want: func(o *Options) bool { return o.Pseudonymize && o.Salt == "k" }},
		{Args: []string{"--by", "colour"}, UsageError: true},
		{Args: []string{"--format", "pdf"}, UsageError: true},
		{Args: []string{"--salt", "k"}, UsageError: true},
		{Args: []string{"--week", "2026-47"}, UsageError: true},
	})
}
