package community

import (
	"encoding/json"
	"strings"
	"testing"
)

// healthy returns metrics that pass every default threshold.
func healthy() Metrics {
	return Metrics{
		Members: 8, Authors: 7, Posts: 60,
		ActiveWeeks: 8, SilentWeeks: 0,
		DomainShare: 0.9, ReplyShare: 0.5, CommunityShare: 0.6, Reciprocity: 0.4,
		IsolatesShare: 0.1, TopAccountShare: 0.4,
		PracticeShare: 0.5, SharedRepertoire: 5,
		ReturningMembers: 5, RecurringPairs: 4, CoreSize: 4, Periphery: 3,
	}
}

func TestDecideEachCriterion(t *testing.T) {
	th := DefaultThresholds()
	if v, reasons := Decide(healthy(), th); v != GenuineCoP {
		t.Fatalf("healthy metrics: %s, want genuine CoP; %v", v, reasons)
	}
	cases := []struct {
		criterion string
		spoil     func(*Metrics)
		want      Verdict
	}{
		{"active-weeks", func(m *Metrics) { m.ActiveWeeks = 0 }, Inactive},
		{"authors", func(m *Metrics) { m.Authors = 2 }, Inactive},
		{"silent-weeks", func(m *Metrics) { m.SilentWeeks = 5 }, Inactive},
		{"domain-share", func(m *Metrics) { m.DomainShare = 0.4 }, OffDomain},
		{"reply-share", func(m *Metrics) { m.ReplyShare = 0.1 }, Network},
		{"community-share", func(m *Metrics) { m.CommunityShare = 0.2 }, Network},
		{"reciprocity", func(m *Metrics) { m.Reciprocity = 0.05 }, Network},
		{"isolates-share", func(m *Metrics) { m.IsolatesShare = 0.6 }, Network},
		{"top-account-share", func(m *Metrics) { m.TopAccountShare = 0.8 }, Network},
		{"practice-share", func(m *Metrics) { m.PracticeShare = 0.2 }, CommunityOfInterest},
		{"shared-repertoire", func(m *Metrics) { m.SharedRepertoire = 1 }, CommunityOfInterest},
		{"sustained-weeks", func(m *Metrics) { m.ActiveWeeks = 3 }, EmergingCoP},
		{"returning-members", func(m *Metrics) { m.ReturningMembers = 2 }, EmergingCoP},
		{"recurring-pairs", func(m *Metrics) { m.RecurringPairs = 1 }, EmergingCoP},
		{"core-size", func(m *Metrics) { m.CoreSize = 2 }, EmergingCoP},
		{"periphery", func(m *Metrics) { m.Periphery = 0 }, EmergingCoP},
	}
	for _, c := range cases {
		m := healthy()
		c.spoil(&m)
		v, reasons := Decide(m, th)
		if v != c.want {
			t.Errorf("%s failing: verdict %s, want %s", c.criterion, v, c.want)
		}
		if len(reasons) != len(cases) {
			t.Fatalf("%d reasons, want one per criterion (%d)", len(reasons), len(cases))
		}
		for _, r := range reasons {
			fails := r.Criterion == c.criterion ||
				(c.criterion == "active-weeks" && r.Criterion == "sustained-weeks") // same metric, higher bar
			if r.Passed == fails {
				t.Errorf("%s failing: reason %s passed=%v", c.criterion, r.Criterion, r.Passed)
			}
			if r.Criterion == c.criterion && (r.Stage != c.want || !strings.Contains(r.Text, ": ")) {
				t.Errorf("%s failing: reason %+v should name stage %s and say why", c.criterion, r, c.want)
			}
		}
	}
}

func TestDecideFirstMatchWins(t *testing.T) {
	m := healthy()
	m.DomainShare, m.PracticeShare, m.ReplyShare = 0.1, 0, 0
	if v, _ := Decide(m, DefaultThresholds()); v != OffDomain {
		t.Errorf("off-domain, no replies, no practice: %s, want off-domain", v)
	}
	m.Authors = 1
	if v, _ := Decide(m, DefaultThresholds()); v != Inactive {
		t.Errorf("and only one author: %s, want inactive", v)
	}
}

func TestReasonText(t *testing.T) {
	m := healthy()
	m.ReplyShare, m.TopAccountShare, m.ActiveWeeks = 0.05, 0.9, 9
	_, reasons := Decide(m, DefaultThresholds())
	want := map[string]string{
		"reply-share":       "reply share 0.05 < 0.20: little replying",
		"top-account-share": "top account share 0.90 > 0.75: one account holds most ties (broadcast)",
		"active-weeks":      "active weeks 9 >= 1",
		"isolates-share":    "isolates share 0.10 <= 0.50",
	}
	for _, r := range reasons {
		if w, ok := want[r.Criterion]; ok && r.Text != w {
			t.Errorf("%s: %q, want %q", r.Criterion, r.Text, w)
		}
	}
}

func TestThresholdsJSONAndValidate(t *testing.T) {
	th := DefaultThresholds()
	if err := th.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	data, err := json.Marshal(th)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"max_top_account_share":0.75`) {
		t.Errorf("JSON lacks the snake_case key: %s", data)
	}
	var back Thresholds
	if err := json.Unmarshal([]byte(`{"min_authors": 5, "min_domain_share": 0.7}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.MinAuthors != 5 || back.MinDomainShare != 0.7 {
		t.Errorf("decoded %+v", back)
	}
	bad := th
	bad.MinReplyShare, bad.MinAuthors, bad.ActiveWeekPosts = 1.5, -1, 0
	err = bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted a share of 1.5, a negative count and active_week_posts 0")
	}
	for _, name := range []string{"min_reply_share", "min_authors", "active_week_posts"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
