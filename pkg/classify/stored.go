package classify

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The stored classification: the classify package alone writes and reads
// the rules JSON kept with each post (store column classifications.rules),
// and answers what other packages need from it by name, so no other package
// matches rule ids or JSON text.

// StoredHit is one fired rule as stored.
type StoredHit struct {
	Rule    string   `json:"rule"`
	Weight  float64  `json:"weight"`
	Matched []string `json:"matched,omitempty"`
}

// EncodeHits is how a result's fired rules are stored: one JSON list for
// the three dimensions, each hit with its rule id (first), weight and words.
// It writes what json.Marshal of the []StoredHit writes, byte for byte,
// without reflection: classify writes one per post.
func EncodeHits(res Result) string {
	dims := [...]*Dimension{&res.Domain, &res.Community, &res.Practice}
	n := 0
	for _, d := range dims {
		for _, h := range d.Hits {
			if math.IsNaN(h.Weight) || math.IsInf(h.Weight, 0) {
				return encodeHitsReflect(dims[:])
			}
			n++
		}
	}
	if n == 0 {
		return "null"
	}
	b := make([]byte, 0, 64*n)
	b = append(b, '[')
	for _, d := range dims {
		for _, h := range d.Hits {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, `{"rule":`...)
			b = appendJSONString(b, h.Rule)
			b = append(b, `,"weight":`...)
			b = appendJSONFloat(b, h.Weight)
			if len(h.Matched) > 0 {
				b = append(b, `,"matched":[`...)
				for i, m := range h.Matched {
					if i > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, m)
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	return string(b)
}

// encodeHitsReflect is EncodeHits through encoding/json (a weight it cannot
// encode gives "", as before).
func encodeHitsReflect(dims []*Dimension) string {
	var hits []StoredHit
	for _, d := range dims {
		for _, h := range d.Hits {
			hits = append(hits, StoredHit(h))
		}
	}
	b, _ := json.Marshal(hits)
	return string(b)
}

// appendJSONString appends s as encoding/json quotes it: printable ASCII
// other than " \ < > & as is, anything else through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends a finite f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 -> e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// DecodeHits reads a stored rules value; a value it cannot read gives none.
func DecodeHits(stored string) []StoredHit {
	var hits []StoredHit
	if stored != "" {
		_ = json.Unmarshal([]byte(stored), &hits)
	}
	return hits
}

// The rules whose firing the report and the exports name.
const (
	ruleQuestion = "C3" // asks the others a question
	ruleTools    = "P3" // names a tool or artefact
	ruleIdea     = "P7" // proposes joint work or a practice, or commits to it
)

// RuleIDs lists the ids of the stored hits, in stored order. Exports call
// it for every post, so it reads the ids where EncodeHits (and the
// encoding/json of earlier versions) puts them, first in each hit, without
// decoding the rest; a value of another shape is decoded in full.
func RuleIDs(stored string) []string {
	if ids, ok := ruleIDsFast(stored); ok {
		return ids
	}
	hits := DecodeHits(stored)
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.Rule)
	}
	return ids
}

// ruleIDsFast reads the ids of a value EncodeHits wrote: a JSON list of
// objects, each starting with its "rule". Outside JSON strings a quote is
// never escaped and inside them always is, so `"rule":` found in the text is
// a key; when every key opens its object and no id holds an escape, the ids
// are the strings that follow them.
func ruleIDsFast(stored string) ([]string, bool) {
	const key = `{"rule":"`
	if len(stored) < 2 || stored[0] != '[' || stored[len(stored)-1] != ']' {
		return nil, false
	}
	n := strings.Count(stored, key)
	if n != strings.Count(stored, `"rule":`) {
		return nil, false
	}
	ids := make([]string, 0, n)
	rest := stored
	for {
		i := strings.Index(rest, key)
		if i < 0 {
			break
		}
		rest = rest[i+len(key):]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return nil, false
		}
		id := rest[:end]
		if strings.IndexByte(id, '\\') >= 0 {
			return nil, false
		}
		ids = append(ids, id)
		rest = rest[end:]
	}
	return ids, true
}

// AsksQuestion reports whether the post asks the others a question. It
// reads the stored value without decoding it all: the analysis calls it
// for every post of a window.
func AsksQuestion(stored string) bool { return fired(stored, ruleQuestion) }

// ProposesPractice reports whether the post proposes a practice or joint
// work, or commits to it: an idea for practice, as the course asks for.
func ProposesPractice(stored string) bool { return fired(stored, ruleIdea) }

// Tools lists the tools and artefacts the post names (lower-case words).
func Tools(stored string) []string {
	words := matchedBy(stored, ruleTools)
	for i, w := range words {
		words[i] = strings.ToLower(w)
	}
	return words
}

func fired(stored, rule string) bool { return strings.Contains(stored, `{"rule":"`+rule+`"`) }

// matchedArray returns the stored hits from rule's "matched" array on
// (EncodeHits writes the rule first); ok is false when the rule did not
// fire or its hit has no words.
func matchedArray(stored, rule string) (rest string, ok bool) {
	i := strings.Index(stored, `{"rule":"`+rule+`"`)
	if i < 0 {
		return "", false
	}
	hit := stored[i:]
	j := strings.Index(hit, `"matched":`)
	// The hit has no words when "matched" is missing or belongs to a later hit.
	if next := strings.Index(hit[1:], `{"rule":"`); j < 0 || (next >= 0 && j > next+1) {
		return "", false
	}
	return hit[j+len(`"matched":`):], true
}

// matchedBy returns the words rule matched, decoding only that hit's
// "matched" array.
func matchedBy(stored, rule string) []string {
	rest, ok := matchedArray(stored, rule)
	if !ok {
		return nil
	}
	if words, ok := plainStrings(rest); ok {
		return words
	}
	var words []string
	dec := json.NewDecoder(strings.NewReader(rest))
	if dec.Decode(&words) != nil {
		return nil
	}
	return words
}

// plainStrings reads the JSON list of strings that s starts with, as
// EncodeHits writes it (no spaces), when no string holds an escape, a
// control character or bytes that are not UTF-8: then each string is its
// text between the quotes. Anything else is not ok, and is left to
// encoding/json. The facts and the exports read the tools of every post.
func plainStrings(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' {
		return nil, false
	}
	words := []string{}
	if s[1] == ']' {
		return words, true
	}
	for i := 1; ; {
		if i >= len(s) || s[i] != '"' {
			return nil, false
		}
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		w := s[i+1 : i+1+end]
		ascii := true
		for k := 0; k < len(w); k++ {
			c := w[k]
			if c < 0x20 || c == '\\' {
				return nil, false
			}
			ascii = ascii && c < utf8.RuneSelf
		}
		if !ascii && !utf8.ValidString(w) {
			return nil, false // encoding/json replaces what is not UTF-8
		}
		words = append(words, w)
		i += end + 2
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ']':
			return words, true
		case ',':
			i++
		default:
			return nil, false
		}
	}
}

// EncodeStoredHits stores hits as EncodeHits does (for fixtures and tools
// that hold hits rather than a Result).
func EncodeStoredHits(hits []StoredHit) string {
	if hits == nil {
		hits = []StoredHit{}
	}
	b, _ := json.Marshal(hits)
	return string(b)
}

// RuleDimension names the dimension a rule id belongs to ("" if none).
func RuleDimension(rule string) string {
	if rule == "" {
		return ""
	}
	switch rule[0] {
	case 'D':
		return "domain"
	case 'C':
		return "community"
	case 'P':
		return "practice"
	}
	return ""
}
