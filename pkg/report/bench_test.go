package report

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/store"
)

// benchmarkReport times the W47 report (built and rendered as HTML) on a
// synthetic database of n posts over 52 weeks (exporttest.Synthetic; built
// once and cached in the temp dir, which takes a while at 1M). Besides
// ns/op it reports the peak resident set of the process during one more
// run (peak-RSS-MB, VmHWM reset through /proc/self/clear_refs, so it
// includes SQLite's page cache and the Go runtime) and the peak Go heap
// (peak-heap-MB, sampled every millisecond).
//
// Measured 2026-11-23 (2 cores, AMD EPYC): 100k posts 2.2 s, 61 MB RSS;
// 1M posts 24.8 s, 343 MB RSS, 261 MB heap. At 1M about 22 s and most of
// the heap are the two analysis.Run calls (12-week windows, ~230k posts
// each; store.EdgeFacts reads the whole edges view); the report's own
// sections take about 2.3 s.
func benchmarkReport(b *testing.B, n int) {
	path, err := exporttest.Synthetic(n)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, true)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	period, _ := ParseWeek("2026-W47", time.UTC)
	opts := Options{Period: period, By: analysis.ByGraph, Thresholds: community.DefaultThresholds(), Seed: 1, Now: time.Now()}
	var rep *Report
	once := func() {
		if rep, err = Build(ctx, st, opts); err != nil {
			b.Fatal(err)
		}
		if err := WriteHTML(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
	exporttest.Bench(b, once)
	b.ReportMetric(float64(rep.Totals.Posts), "week-posts")
	b.ReportMetric(float64(rep.Totals.CommunitiesInView), "communities")
}

func BenchmarkReport100k(b *testing.B) { benchmarkReport(b, 100_000) }
func BenchmarkReport1M(b *testing.B)   { benchmarkReport(b, 1_000_000) }
