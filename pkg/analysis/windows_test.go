package analysis_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/period"
)

// One load for two overlapping windows gives exactly what two runs give.
func TestRunPeriodsEqualsSeparateRuns(t *testing.T) {
	st := exporttest.Course(t, pgtest.DB(t, "c.db"))
	defer st.Close()
	ctx := context.Background()
	w := period.WeeksEnding(2026, 47, 2)
	prev := period.WeeksEnding(2026, 46, 2)
	opts := analysis.Options{By: analysis.ByGraph, Thresholds: community.DefaultThresholds(), Seed: 1, Period: w}
	brief := opts
	brief.Period, brief.VerdictsOnly = prev, true
	both, err := analysis.RunPeriods(ctx, st, opts, brief)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range []analysis.Options{opts, brief} {
		one, err := analysis.Run(ctx, st, o)
		if err != nil {
			t.Fatal(err)
		}
		if one.Posts == 0 {
			t.Fatalf("window %d has no posts; the test proves nothing", i)
		}
		if !reflect.DeepEqual(one, both[i]) {
			t.Errorf("window %d: RunPeriods differs from Run:\n%+v\n%+v", i, both[i], one)
		}
	}
	// Verdicts only: the same groups, measures and verdicts as a full run,
	// without stability and trajectories.
	full := brief
	full.VerdictsOnly = false
	whole, err := analysis.Run(ctx, st, full)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Communities) == 0 || len(whole.Communities) != len(both[1].Communities) {
		t.Fatalf("%d groups with verdicts only, %d in a full run", len(both[1].Communities), len(whole.Communities))
	}
	for i, c := range both[1].Communities {
		f := whole.Communities[i]
		if c.ID != f.ID || c.Verdict != f.Verdict || !reflect.DeepEqual(c.Members, f.Members) || !reflect.DeepEqual(c.Metrics, f.Metrics) {
			t.Errorf("group %d differs with verdicts only: %s %s, full run %s %s", i, c.ID, c.Verdict, f.ID, f.Verdict)
		}
		if len(c.Trajectory) != 0 {
			t.Errorf("group %s has a trajectory with verdicts only", c.ID)
		}
	}
}
