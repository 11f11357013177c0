package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// word is one lower-cased word of a post, with its place in the sentences.
type word struct {
	text  string
	start bool // first word of its sentence
	sent  int  // sentence number, from 0
}

// textInfo is a post's text cut into words and sentences.
type textInfo struct {
	words    []word
	question []bool // per sentence: it ends with '?' (or starts with '¿')
}

// hasQuestion reports whether any sentence is a question.
func (t *textInfo) hasQuestion() bool {
	for _, q := range t.question {
		if q {
			return true
		}
	}
	return false
}

// foldRune lower-cases and maps the apostrophe look-alikes (’ ‘ ʻ `) to '.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r == '`' {
			return '\''
		}
		return r
	}
	switch r {
	case '\u2019', '\u2018', '\u02bb', '\u02bc', '`':
		return '\''
	}
	return unicode.ToLower(r)
}

// fold is strings.Map(foldRune, s), without a function call per byte when
// s is ASCII (most posts).
func fold(s string) string {
	change := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.Map(foldRune, s)
		}
		change = change || ('A' <= c && c <= 'Z') || c == '`'
	}
	if !change {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '`':
			b[i] = '\''
		}
	}
	return string(b)
}

func isWordRune(r rune, star bool) bool {
	if r < utf8.RuneSelf {
		return ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') || r == '\'' || (star && r == '*')
	}
	return r == '\'' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || (star && r == '*')
}

// isSentenceEnd reports whether r closes a sentence or clause for the
// purpose of "at the start of a sentence" (imperatives after "Tip:" or "—").
func isSentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ':', '…', '\n', '—', '–', '¿', '¡':
		return true
	}
	return false
}

// analyse cuts text into words. Hashtags, mentions and URLs are not words
// (tags are matched separately); a sentence ends at . ! ? ; : … — or a line
// break, except a '.' between digits ("CC BY 4.0").
func analyse(text string) textInfo {
	s := fold(text)
	info := textInfo{words: make([]word, 0, len(s)/6+1), question: []bool{false}}
	sent := 0
	atStart := true // next word starts a sentence
	sentHasWord := false
	endSentence := func(question bool) {
		if question {
			info.question[sent] = true
		}
		if sentHasWord {
			sent++
			info.question = append(info.question, false)
			sentHasWord = false
		}
		atStart = true
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '#' || r == '@' || (r == 'h' || r == 'w') && isURLAt(s, i):
			if (r == '#' || r == '@') && i > 0 && isWordRune(lastRune(s[:i]), false) {
				i += size // "a@b", "c#": part of a word run, not an entity
				continue
			}
			// Skip the whole entity up to the next space.
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) {
				j++
			}
			if j > i && s[j-1] == '?' {
				endSentence(true)
			}
			i = j
		case isWordRune(r, false):
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2, false) {
					break
				}
				j += n
			}
			w := strings.Trim(s[i:j], "'")
			if w != "" {
				info.words = append(info.words, word{text: w, start: atStart, sent: sent})
				atStart = false
				sentHasWord = true
			}
			i = j
		case isSentenceEnd(r):
			if r == '.' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
				i += size
				continue
			}
			endSentence(r == '?' || r == '¿')
			i += size
		default:
			i += size
		}
	}
	// Drop the trailing empty sentence slot.
	if !sentHasWord && len(info.question) > 1 && !info.question[len(info.question)-1] {
		info.question = info.question[:len(info.question)-1]
	}
	return info
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// isURLAt reports whether a URL or a shortened link text ("example.org/path…",
// as Mastodon shows long links) starts at s[i], at the start of a word.
func isURLAt(s string, i int) bool {
	if i > 0 && !unicode.IsSpace(lastRune(s[:i])) && lastRune(s[:i]) != '(' {
		return false
	}
	rest := s[i:]
	if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") || strings.HasPrefix(rest, "www.") {
		return true
	}
	return false
}

// splitWords cuts a lexicon term into words, keeping '*' (prefix marks).
func splitWords(term string, dst []word) []word {
	s := strings.Map(foldRune, term)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r, true) {
			i += size
			continue
		}
		j := i
		for j < len(s) {
			r2, n := utf8.DecodeRuneInString(s[j:])
			if !isWordRune(r2, true) {
				break
			}
			j += n
		}
		if w := strings.Trim(s[i:j], "'"); w != "" {
			dst = append(dst, word{text: w})
		}
		i = j
	}
	return dst
}
