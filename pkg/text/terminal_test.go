package text

import (
	"testing"
	"unicode/utf8"
)

func TestForTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":             "plain text, ünïcode ✓",
		"two\nlines\tand a tab":             "two\nlines\tand a tab",
		"\x1b]0;pwned\x07\x1b[2J\rall fine": `\x1b]0;pwned\x07\x1b[2J\x0dall fine`,
		"csi \u009b31m del \x7f":            `csi \u009b31m del \x7f`,
		"bidi \u202egnp.exe":                `bidi \u202egnp.exe`,
		"stray \x9b31m byte":                `stray \x9b31m byte`,
	} {
		if got := ForTerminal(in); got != want {
			t.Errorf("ForTerminal(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzForTerminal(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J\r", "\u009b31m", "\u202e", "a\nb\tc", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := ForTerminal(s)
		if !utf8.ValidString(out) {
			t.Fatalf("ForTerminal(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || unsafeRune(r) {
				t.Fatalf("ForTerminal(%q) = %q keeps %U", s, out, r)
			}
		}
		if !needsEscaping(s) && out != s {
			t.Fatalf("ForTerminal changed safe text %q to %q", s, out)
		}
	})
}
