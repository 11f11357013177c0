package text

import "testing"

func TestForTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":             "plain text, ünïcode ✓",
		"two\nlines\tand a tab":             "two\nlines\tand a tab",
		"\x1b]0;pwned\x07\x1b[2J\rall fine": `\x1b]0;pwned\x07\x1b[2J\x0dall fine`,
		"csi \u009b31m del \x7f":            `csi \u009b31m del \x7f`,
		"bidi \u202egnp.exe":                `bidi \u202egnp.exe`,
	} {
		if got := ForTerminal(in); got != want {
			t.Errorf("ForTerminal(%q) = %q, want %q", in, got, want)
		}
	}
}
