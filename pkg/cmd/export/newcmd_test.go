package export

import (
	"slices"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/cmdutil/cmdtest"
	"github.com/oeru/copharvest/pkg/config"
)

// The dataset and flags land in Options with the format's default filled
// in; combinations that cannot work are usage errors before anything runs.
func TestNewCmdExport(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		args    []string
		want    func(*Options) bool
		wantErr bool
	}{
		{[]string{"posts"}, func(o *Options) bool { return o.Dataset == "posts" && o.Format == "csv" && o.MinInstanceAccounts == 5 }, false},
		{[]string{"graph"}, func(o *Options) bool {
			return o.Dataset == "graph" && o.Format == "gexf" && o.GEXFVersion == "1.2draft"
		}, false},
		{[]string{"accounts", "--format", "jsonl", "--columns", "acct,instance", "-o", "a.jsonl"}, func(o *Options) bool {
			return o.Format == "jsonl" && slices.Equal(o.Columns, []string{"acct", "instance"}) && o.Output == "a.jsonl"
		}, false},
		{[]string{"posts", "--pseudonymize", "--salt", "k", "--since", "2026-11-16"}, func(o *Options) bool {
			return o.Pseudonymize && o.Salt == "k" && o.Period.Since == "2026-11-16"
		}, false},
		{[]string{"nothing"}, nil, true},
		{[]string{"posts", "--format", "gexf"}, nil, true},
		{[]string{"posts", "--format", "jsonl", "--excel"}, nil, true},
		{[]string{"posts", "--csv-raw", "--excel"}, nil, true},
		{[]string{"posts", "--columns", "raw"}, nil, true},
		{[]string{"graph", "--columns", "acct"}, nil, true},
		{[]string{"posts", "--self-loops"}, nil, true},
	}
	for _, c := range cases {
		opts, err := cmdtest.Parse(config.Default(), now, NewCmdExport, c.args...)
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
