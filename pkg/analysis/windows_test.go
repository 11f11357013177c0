package analysis_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/period"
)

// One load for two overlapping windows gives exactly what two runs give.
func TestRunPeriodsEqualsSeparateRuns(t *testing.T) {
	st := exporttest.Course(t, filepath.Join(t.TempDir(), "c.db"))
	defer st.Close()
	ctx := context.Background()
	w := period.WeeksEnding(2026, 47, 2)
	prev := period.WeeksEnding(2026, 46, 2)
	opts := analysis.Options{By: analysis.ByGraph, Thresholds: community.DefaultThresholds(), Seed: 1}
	both, err := analysis.RunPeriods(ctx, st, opts, w, prev)
	if err != nil {
		t.Fatal(err)
	}
	for i, win := range []period.Period{w, prev} {
		o := opts
		o.Period = win
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
}
