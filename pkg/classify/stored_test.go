package classify

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestStoredAccessorsReadOneRule(t *testing.T) {
	res := Result{
		Practice:  Dimension{Hits: []Hit{{Rule: "P1", Weight: 0.5, Matched: []string{"x}y"}}, {Rule: "P3", Weight: 0.2, Matched: []string{"H5P", `Moo"dle}`}}, {Rule: "P4", Weight: 0.3}, {Rule: "P7", Weight: 1}}},
		Community: Dimension{Hits: []Hit{{Rule: "C4", Matched: []string{"a"}}}},
	}
	stored := EncodeHits(res)
	if got := Tools(stored); len(got) != 2 || got[0] != "h5p" || got[1] != `moo"dle}` {
		t.Errorf("Tools = %q from %s", got, stored)
	}
	if AsksQuestion(stored) {
		t.Error("C3 did not fire, yet the post asks a question")
	}
	if !ProposesPractice(stored) {
		t.Error("P7 fired, yet no idea for practice")
	}
	if got := RuleIDs(stored); !slices.Equal(got, []string{"C4", "P1", "P3", "P4", "P7"}) {
		t.Errorf("RuleIDs = %v", got)
	}
	back := DecodeHits(stored)
	if len(back) != 5 || back[2].Matched[1] != `Moo"dle}` || EncodeStoredHits(back) != stored {
		t.Errorf("round trip: %+v", back)
	}
	if DecodeHits("not json") != nil || Tools("") != nil || RuleIDs("") == nil {
		t.Error("unreadable or empty stored values must give nothing (and an empty list of ids)")
	}
}

// EncodeHits writes what encoding/json writes, byte for byte: stored values
// (and the figures read from them) do not change with the encoder.
func TestEncodeHitsMatchesEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `q"uote`, `back\slash`, "<b>&amp;</b>", "Māori ’tis", "tab\there", "line\u2028sep", "bad\xffutf8", "ctl\x01"}
	weights := []float64{0, 1, -1, 0.6, -0.7, 0.30000000000000004, 1e-7, -2.5e-9, 1e21, 123456789.125}
	results := []Result{{}, {Domain: Dimension{Hits: []Hit{}}}}
	for i, w := range weights {
		h := Hit{Rule: odd[i%len(odd)], Weight: w, Matched: odd[:i%4]}
		if i%3 == 0 {
			h.Matched = []string{}
		}
		results = append(results, Result{Domain: Dimension{Hits: []Hit{h}}, Practice: Dimension{Hits: []Hit{{Rule: "P3", Weight: w, Matched: odd}}}})
	}
	c := New(nil)
	for _, in := range benchInputs() {
		results = append(results, c.Classify(&in))
	}
	for _, r := range results {
		if got, want := EncodeHits(r), encodeHitsReflect([]*Dimension{&r.Domain, &r.Community, &r.Practice}); got != want {
			t.Errorf("EncodeHits = %s, encoding/json = %s", got, want)
		}
	}
}

// ruleIDsDecoded is RuleIDs by a full decode: what the fast reader must match.
func ruleIDsDecoded(stored string) []string {
	ids := []string{}
	for _, h := range DecodeHits(stored) {
		ids = append(ids, h.Rule)
	}
	return ids
}

// RuleIDs reads ids without decoding; it must give what a full decode gives,
// whatever words the hits matched and whatever the stored value holds.
func TestRuleIDsMatchesDecoding(t *testing.T) {
	odd := []string{"", "P1", `{"rule":"X"}`, `"rule":`, `q"uote`, `back\slash`, "<b>", "Māori", "bad\xff", `{"rule":"P9","weight":1}`}
	var values []string
	for _, rule := range odd {
		for _, word := range odd {
			values = append(values, EncodeHits(Result{
				Domain:   Dimension{Hits: []Hit{{Rule: "D1", Weight: 1, Matched: []string{word}}}},
				Practice: Dimension{Hits: []Hit{{Rule: rule, Weight: 0.5, Matched: []string{word, "x"}}, {Rule: "P3", Weight: 0.25}}},
			}))
		}
	}
	values = append(values, "", "null", "[]", "not json", `[{"weight":1,"rule":"P1"}]`, `[{"rule":"P1","weight":1,"matched":["a"]},{"weight":2,"rule":"C1"}]`)
	fast := 0
	for _, v := range values {
		if _, ok := ruleIDsFast(v); ok {
			fast++
		}
		if got, want := RuleIDs(v), ruleIDsDecoded(v); !slices.Equal(got, want) {
			t.Errorf("RuleIDs(%s) = %q, decoding gives %q", v, got, want)
		}
	}
	// Ids that JSON writes without an escape ("", "P1", "Māori": 3 of the
	// odd ones, with every word) and "[]" take the fast path; the rest are
	// decoded.
	if fast != 3*len(odd)+1 {
		t.Errorf("the fast reader took %d values, want the %d whose ids need no escape", fast, 3*len(odd)+1)
	}
}

func FuzzRuleIDs(f *testing.F) {
	f.Add("P1", "word", `[{"rule":"P1","weight":1}]`)
	f.Add(`q"`, `{"rule":"`, "null")
	f.Fuzz(func(t *testing.T, rule, word, raw string) {
		RuleIDs(raw) // any stored text: no panic
		hits := []Hit{{Rule: rule, Weight: 1, Matched: []string{word}}, {Rule: word, Weight: 0.5}}
		for _, v := range []string{
			EncodeHits(Result{Practice: Dimension{Hits: hits}}),
			EncodeStoredHits([]StoredHit{StoredHit(hits[0]), StoredHit(hits[1])}),
		} {
			if got, want := RuleIDs(v), ruleIDsDecoded(v); !slices.Equal(got, want) {
				t.Fatalf("RuleIDs(%q) = %q, decoding gives %q", v, got, want)
			}
		}
	})
}

// matchedDecoded is matchedBy with encoding/json decoding the words: what
// the fast reader must agree with.
func matchedDecoded(stored, rule string) []string {
	rest, ok := matchedArray(stored, rule)
	if !ok {
		return nil
	}
	var words []string
	if json.NewDecoder(strings.NewReader(rest)).Decode(&words) != nil {
		return nil
	}
	return words
}

// Tools reads the words as encoding/json decodes them, whether the fast
// reader takes them (plain words) or leaves them to encoding/json (escapes,
// control characters, bytes that are not UTF-8).
func TestToolsMatchesDecoding(t *testing.T) {
	odd := []string{"", "plain", "H5P", `q"uote`, `back\slash`, "<b>&amp;</b>", "Māori ’tis", "tab\there", "line\u2028sep", "bad\xffutf8", "ctl\x01", "]", ",", `","`}
	fast := 0
	for _, a := range odd {
		for _, b := range odd {
			stored := EncodeHits(Result{Practice: Dimension{Hits: []Hit{{Rule: "P1", Weight: 1, Matched: []string{b}},
				{Rule: "P3", Weight: 0.5, Matched: []string{a, b}}, {Rule: "P4", Weight: 0.2, Matched: []string{a}}}}})
			got, want := matchedBy(stored, "P3"), matchedDecoded(stored, "P3")
			if !slices.Equal(got, want) || len(got) != 2 {
				t.Fatalf("matchedBy(%s) = %q, decoding gives %q", stored, got, want)
			}
			if _, ok := plainStrings(stored[strings.Index(stored, `"P3"`):][strings.Index(stored[strings.Index(stored, `"P3"`):], "["):]); ok {
				fast++
			}
		}
	}
	// "", "plain", "H5P", "]", "," and "Māori ’tis" need no escape.
	if fast != 6*6 {
		t.Errorf("the fast reader took %d pairs, want the %d of words that need no escape", fast, 6*6)
	}
	for _, raw := range []string{`[{"rule":"P3","weight":1,"matched":[]}]`, `[{"rule":"P3","weight":1,"matched":["a",1]}]`,
		`[{"rule":"P3","weight":1,"matched":["a"`, `[{"rule":"P3","weight":1,"matched":["a" ,"b"]}]`, `[{"rule":"P3","weight":1,"matched":null}]`} {
		if got, want := matchedBy(raw, "P3"), matchedDecoded(raw, "P3"); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("matchedBy(%s) = %q, decoding gives %q", raw, got, want)
		}
	}
}

func FuzzTools(f *testing.F) {
	f.Add("H5P", "moodle", `[{"rule":"P3","weight":1,"matched":["a","b"]}]`)
	f.Add(`q"`, "\xff", `[{"rule":"P3","matched":["a\u0041"]}]`)
	f.Fuzz(func(t *testing.T, a, b, raw string) {
		if got, want := matchedBy(raw, "P3"), matchedDecoded(raw, "P3"); !slices.Equal(got, want) {
			t.Fatalf("matchedBy(%q) = %q, decoding gives %q", raw, got, want)
		}
		stored := EncodeHits(Result{Practice: Dimension{Hits: []Hit{{Rule: "P3", Weight: 1, Matched: []string{a, b}}}}})
		if got, want := matchedBy(stored, "P3"), matchedDecoded(stored, "P3"); !slices.Equal(got, want) {
			t.Fatalf("matchedBy(%s) = %q, decoding gives %q", stored, got, want)
		}
	})
}
