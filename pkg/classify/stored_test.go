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
