package status

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/store"
)

func TestCollectWarnsWhenTheLastGoodSyncIsOld(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, _ := Collect(ctx, st, 5, 2*time.Hour, time.Now())
	if !strings.Contains(rep.Warning, "no sync has run") {
		t.Errorf("fresh database: warning %q", rep.Warning)
	}
	id, _ := st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
	st.FinishRun(store.Run{ID: id, Status: "failed", Error: "boom"})
	rep, _ = Collect(ctx, st, 5, 2*time.Hour, time.Now())
	if !strings.Contains(rep.Warning, "no sync has succeeded") {
		t.Errorf("only a failed run: warning %q", rep.Warning)
	}
	id, _ = st.StartRun(ctx, []string{"https://x"}, []string{"cop"})
	st.FinishRun(store.Run{ID: id, Status: "ok", Requests: 3})
	if rep, _ = Collect(ctx, st, 5, 2*time.Hour, time.Now()); rep.Warning != "" {
		t.Errorf("a fresh good sync: warning %q", rep.Warning)
	}
	rep, _ = Collect(ctx, st, 5, 2*time.Hour, time.Now().Add(3*time.Hour))
	if !strings.Contains(rep.Warning, "longer than max_age 2h") {
		t.Errorf("three hours later: warning %q", rep.Warning)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Status != "ok" || rep.Runs[1].Error != "boom" {
		t.Errorf("runs: %+v", rep.Runs)
	}
	var b strings.Builder
	if err := Print(&b, rep, true); err != nil || !strings.Contains(b.String(), "| ok ") {
		t.Errorf("markdown status: %v\n%s", err, b.String())
	}
}
