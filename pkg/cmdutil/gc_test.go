package cmdutil

import (
	"runtime/debug"
	"testing"
)

// TestTightenGCLeavesAUsersGOGC: the analyses collect at 50% growth,
// unless the user chose a pacing with GOGC.
func TestTightenGCLeavesAUsersGOGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	t.Setenv("GOGC", "")
	TightenGC()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("GOGC unset: collector at %d%%, want 50%%", got)
	}
	t.Setenv("GOGC", "200")
	TightenGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=200 set by the user: collector changed to %d%%, want it left alone", got)
	}
}
