package privacy

import "testing"

func TestGroupNameRedactsOptedOutMembers(t *testing.T) {
	r := NewRedactor([]Person{{Acct: "jean-luc@a.example"}})
	for in, want := range map[string]string{
		"ana+jean-luc":            "ana+" + Marker,
		"jean-luc@a.example+bo@b": Marker + "+bo@b",
		"ana+ben":                 "ana+ben",
		"unconnected":             "unconnected",
		"jean-lucas+ana":          "jean-lucas+ana",
	} {
		if got := r.GroupName(in); got != want {
			t.Errorf("GroupName(%q) = %q, want %q", in, got, want)
		}
	}
}
