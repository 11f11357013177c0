package classify

import (
	"sort"
	"strings"
)

// listID numbers the word lists so a match can be filed without a map.
type listID uint8

// term is one compiled lexicon term.
type term struct {
	list     listID
	text     string   // as written in the lexicon, for Hit.Matched
	pattern  []string // words; a trailing '*' matches by prefix
	anchored bool     // only at the start of a sentence
}

// match is one term found in a post.
type match struct {
	term *term
	text string // the post's words that matched (never the lexicon pattern)
	sent int    // sentence of the term's first word
}

// matcher finds all terms of all word lists in one pass over a post's words.
// Terms are indexed by the first four bytes of their first word (prefix
// terms keep at least four letters), so each word costs one map lookup.
type matcher struct {
	index map[string][]*term
}

func indexKey(w string) string {
	if len(w) > 4 {
		return w[:4]
	}
	return w
}

func newMatcher(lists map[listID][]string) *matcher {
	m := &matcher{index: map[string][]*term{}}
	for id, terms := range lists {
		for _, text := range terms {
			if checkTerm(text) != nil {
				continue // LoadLexicon reports bad terms; a hand-built Lexicon just loses them
			}
			t := &term{list: id, text: text, anchored: strings.HasPrefix(text, "^")}
			for _, w := range splitWords(strings.TrimPrefix(text, "^"), nil) {
				t.pattern = append(t.pattern, w.text)
			}
			key := indexKey(strings.TrimSuffix(t.pattern[0], "*"))
			m.index[key] = append(m.index[key], t)
		}
	}
	// Longest terms first, so "lesson plan" claims its words before "lesson".
	for _, ts := range m.index {
		sort.SliceStable(ts, func(i, j int) bool { return len(ts[i].pattern) > len(ts[j].pattern) })
	}
	return m
}

func wordMatches(pattern, w string) bool {
	if stem, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(w, stem)
	}
	return pattern == w
}

// find appends every term occurrence in words to dst. Within one list, a
// term inside a longer one already found ("lesson" in "lesson plan") is not
// reported again, so a phrase counts once.
func (m *matcher) find(words []word, dst []match) []match {
	var covered [numLists]int // per list: words before this index are claimed
	for i, w := range words {
		cands := m.index[indexKey(w.text)]
	next:
		for _, t := range cands {
			if t.anchored && !w.start {
				continue
			}
			if i+len(t.pattern) > len(words) {
				continue
			}
			end := i + len(t.pattern)
			if end <= covered[t.list] {
				continue
			}
			for k, p := range t.pattern {
				if !wordMatches(p, words[i+k].text) {
					continue next
				}
			}
			covered[t.list] = end
			text := w.text
			if len(t.pattern) > 1 {
				parts := make([]string, len(t.pattern))
				for k := range parts {
					parts[k] = words[i+k].text
				}
				text = strings.Join(parts, " ")
			}
			dst = append(dst, match{term: t, text: text, sent: w.sent})
		}
	}
	return dst
}
