package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ForTerminal makes text from a server safe to print on a terminal or keep
// in a log: control characters (ESC, CR, BEL, the C1 range such as CSI
// U+009B) and bidirectional overrides are shown as \x.. / \u.... escapes
// instead of acting on the terminal, and so are bytes that are not UTF-8.
// Newlines and tabs stay.
func ForTerminal(s string) string {
	if !needsEscaping(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			// A stray byte such as 0x9b is CSI on an 8-bit terminal.
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscaping(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || unsafeRune(r) {
			return true
		}
	}
	return false
}

// unsafeRune: C1 controls and bidi embeddings, overrides and isolates.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
