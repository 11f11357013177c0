package text

// isShortcodeByte reports whether c may appear inside a custom emoji shortcode
// (Mastodon allows [a-zA-Z0-9_]).
func isShortcodeByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// isShortcode reports whether s is exactly ":name:" with a valid name of two or more characters.
func isShortcode(s string) bool {
	if len(s) < 4 || s[0] != ':' || s[len(s)-1] != ':' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isShortcodeByte(s[i]) {
			return false
		}
	}
	return true
}

// Shortcodes lists the custom emoji shortcodes (":blobcat:" gives "blobcat")
// in s, unique, in order of appearance. Like Mastodon, it wants a non-word,
// non-colon character (or the text's edge) on both sides, so clock times such
// as "10:30:45" are not emoji.
func Shortcodes(s string) []string {
	var codes []string
	for i := 0; i < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		if i > 0 && (isShortcodeByte(s[i-1]) || s[i-1] == ':') {
			continue
		}
		j := i + 1
		for j < len(s) && isShortcodeByte(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != ':' || j-i-1 < 2 {
			continue
		}
		if j+1 < len(s) && (isShortcodeByte(s[j+1]) || s[j+1] == ':') {
			continue
		}
		code := s[i+1 : j]
		if !contains(codes, code) {
			codes = append(codes, code)
		}
		i = j
	}
	return codes
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
