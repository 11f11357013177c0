package classify

import (
	"slices"
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
