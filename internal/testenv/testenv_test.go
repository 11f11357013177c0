package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Run in a child process, so that its failure and skip can be observed.
func TestMissing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		Missing(t, "tool %s is not installed", "frob")
		return
	}
	for ci, want := range map[string]string{"true": "--- FAIL", "": "--- SKIP"} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+ci)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), want) || !strings.Contains(string(out), "tool frob is not installed") {
			t.Errorf("CI=%q: want %s with the message, got:\n%s", ci, want, out)
		}
	}
}
