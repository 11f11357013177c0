package report

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/community"
	"github.com/oeru/copharvest/pkg/export/exporttest"
)

// TestReportLeavesOutOptedOutByDefault: cy opted out (#nobot); by default
// no list, excerpt or network node names them, in any format; the counts
// still include their post.
func TestReportLeavesOutOptedOutByDefault(t *testing.T) {
	st := exporttest.Course(t, pgtest.DB(t, "course.db"))
	period, err := ParseWeek("2026-W47", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(context.Background(), st, Options{Period: period, Location: time.UTC, By: analysis.ByGraph,
		Thresholds: community.DefaultThresholds(), Seed: 1, Now: exporttest.Week47.AddDate(0, 0, 8)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Posts != 10 || rep.Totals.Unanswered != 4 {
		t.Errorf("counts changed: %+v", rep.Totals)
	}
	if len(rep.Unanswered) != 3 || len(rep.Network.Nodes) != 3 {
		t.Errorf("%d unanswered listed, %d network nodes; want cy's question and node gone", len(rep.Unanswered), len(rep.Network.Nodes))
	}
	for _, e := range rep.Network.Edges {
		if e.A >= len(rep.Network.Nodes) || e.B >= len(rep.Network.Nodes) {
			t.Errorf("edge %+v points past the nodes", e)
		}
	}
	user, _, _ := strings.Cut(exporttest.Cy, "@")
	for _, format := range []string{"table", "markdown", "json", "html"} {
		var b bytes.Buffer
		switch format {
		case "json":
			err = WriteJSON(&b, rep)
		case "html":
			err = WriteHTML(&b, rep)
		default:
			err = WriteText(&b, rep, format == "markdown")
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(b.String()), user+"@") || strings.Contains(b.String(), "Ms "+user) {
			t.Errorf("%s report names %s", format, exporttest.Cy)
		}
	}
}
