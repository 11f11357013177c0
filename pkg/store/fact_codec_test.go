package store

import (
	"math"
	"reflect"
	"testing"
)

// TestPackedFactsRoundTrip: what encodeFact packs, decodeFact gives back,
// field for field, for facts from empty to full; and every cut-short or
// lengthened copy is refused with an error, never read as another fact.
func TestPackedFactsRoundTrip(t *testing.T) {
	at := int64(1_790_000_000_123_456_789)
	facts := []Fact{
		{PostID: 1, At: at, AuthorID: 1},
		{PostID: 7, At: at, AuthorID: 3, ParentID: 5, ReplyToID: 2, IsReply: true, Flags: FactClassified | FactPractice | FactIdea,
			Repliers: 4, Score: 0.8125, Tags: []uint32{1, 300, 70000}, RootTags: []uint32{2}, Resources: []uint32{9, 1 << 31},
			Acts: []Act{{ActMention, 2, at}, {ActBoost, 1 << 30, at + 3_600_000_000_000}, {ActFavourite, 4, at - 1}}},
		{PostID: 8, At: at, AuthorID: 3, IsReply: true, ReplyToAcct: "stranger@élsewhere.example", Score: math.Inf(-1)},
	}
	for _, want := range facts {
		packed := encodeFact(&want)
		got := Fact{PostID: want.PostID, At: want.At, AuthorID: want.AuthorID, Tags: []uint32{99}, Acts: []Act{{ActBoost, 1, 1}}}
		if err := decodeFact(packed, &got); err != nil {
			t.Fatalf("post %d: %v", want.PostID, err)
		}
		norm := func(f Fact) Fact {
			for _, l := range []*[]uint32{&f.Tags, &f.RootTags, &f.Resources} {
				if len(*l) == 0 {
					*l = nil
				}
			}
			if len(f.Acts) == 0 {
				f.Acts = nil
			}
			return f
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Errorf("post %d:\n got %+v\nwant %+v", want.PostID, got, want)
		}
		for n := range len(packed) {
			var f Fact
			if err := decodeFact(packed[:n], &f); err == nil {
				t.Errorf("post %d cut to %d of %d bytes: read without error", want.PostID, n, len(packed))
			}
		}
		var f Fact
		if err := decodeFact(append(packed, 0), &f); err == nil {
			t.Errorf("post %d with a byte more: read without error", want.PostID)
		}
	}
}
