package export

import (
	"slices"
	"testing"

	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
)

// The dataset and flags land in Options with the format's default filled
// in; combinations that cannot work are usage errors before anything runs.
func TestNewCmdExport(t *testing.T) {
	cmdtest.CheckParse(t, NewCmdExport, []cmdtest.ParseCase[Options]{
		{Args: []string{"posts"}, Want: func(o *Options) bool { return o.Dataset == "posts" && o.Format == "csv" && o.MinInstanceAccounts == 5 }},
		{Args: []string{"graph"}, Want: func(o *Options) bool {
			return o.Dataset == "graph" && o.Format == "gexf" && o.GEXFVersion == "1.2draft"
		}},
		{Args: []string{"accounts", "--format", "jsonl", "--columns", "acct,instance", "-o", "a.jsonl"}, Want: func(o *Options) bool {
			return o.Format == "jsonl" && slices.Equal(o.Columns, []string{"acct", "instance"}) && o.Output == "a.jsonl"
		}},
		{Args: []string{"posts", "--pseudonymize", "--salt", "k", "--since", "2026-11-16"}, Want: func(o *Options) bool {
			return o.Pseudonymize && o.Salt == "k" && o.Period.Since == "2026-11-16"
		}},
		{Args: []string{"nothing"}, UsageError: true},
		{Args: []string{"posts", "--format", "gexf"}, UsageError: true},
		{Args: []string{"posts", "--format", "jsonl", "--excel"}, UsageError: true},
		{Args: []string{"posts", "--csv-raw", "--excel"}, UsageError: true},
		{Args: []string{"posts", "--columns", "raw"}, UsageError: true},
		{Args: []string{"graph", "--columns", "acct"}, UsageError: true},
		{Args: []string{"posts", "--self-loops"}, UsageError: true},
	})
}
