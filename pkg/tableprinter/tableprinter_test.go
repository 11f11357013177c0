package tableprinter

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRenderWidthFitsTheTerminal(t *testing.T) {
	long := strings.Repeat("the server answered with a long error message ", 4)
	rows := [][]string{{"1", "failed", long}, {"2", "ok", ""}}
	var b strings.Builder
	if err := RenderWidth(&b, false, 60, []string{"run", "status", "error"}, rows); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if n := utf8.RuneCountInString(line); n > 60 {
			t.Errorf("line of %d columns in a 60-column terminal: %q", n, line)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(strings.NewReplacer("│", " ").Replace(b.String())), " "), "long error message") {
		t.Errorf("the long cell was lost:\n%s", b.String())
	}
	b.Reset()
	RenderWidth(&b, false, 0, []string{"run", "status", "error"}, rows)
	if !strings.Contains(b.String(), long) {
		t.Error("width 0 must not wrap")
	}
}
