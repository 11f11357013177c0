// Package testenv holds the one rule for tests whose tool or fixture is
// missing: under CI (CI=true), where .ci/run installs everything, the test
// fails; elsewhere it skips and says what to install.
package testenv

import (
	"os"
	"testing"
)

// Missing fails the test under CI=true and skips it elsewhere, with the
// message format and args give.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}
