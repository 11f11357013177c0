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
		IsolatesShare: 0.1, TopAccountShare: 0.4, HubPartners: 5, HubAnswered: 1,
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
		{"domain-share", func(m *Metrics) { m.DomainShare = 0.4 }, OffDomain},
		{"authors", func(m *Metrics) { m.Authors = 2 }, Network},
		{"reply-share", func(m *Metrics) { m.ReplyShare = 0.1 }, Network},
		{"community-share", func(m *Metrics) { m.CommunityShare = 0.2 }, Network},
		{"reciprocity", func(m *Metrics) { m.Reciprocity = 0.05 }, Network},
		{"isolates-share", func(m *Metrics) { m.IsolatesShare = 0.6 }, Network},
		{"broadcast", func(m *Metrics) { m.TopAccountShare = 0.8 }, Network},
		{"practice-share", func(m *Metrics) { m.PracticeShare = 0.2 }, CommunityOfInterest},
		{"shared-repertoire", func(m *Metrics) { m.SharedRepertoire = 1 }, CommunityOfInterest},
		{"sustained-weeks", func(m *Metrics) { m.ActiveWeeks = 3 }, EmergingCoP},
		{"recurring-pairs", func(m *Metrics) { m.RecurringPairs = 1 }, EmergingCoP},
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
			fails := r.Criterion == c.criterion
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
	m.DomainShare = 0.9
	if v, _ := Decide(m, DefaultThresholds()); v != Network {
		t.Errorf("on the domain, no replies, no practice: %s, want network", v)
	}
}

// Health signals and being quiet never change the verdict.
func TestQuietAndHealthAreNotVerdicts(t *testing.T) {
	m := healthy()
	m.SilentWeeks, m.CoreSize, m.Periphery, m.ReturningMembers, m.Newcomers = 9, 0, 0, 0, 0
	if v, _ := Decide(m, DefaultThresholds()); v != GenuineCoP {
		t.Errorf("a genuine CoP silent for 9 weeks with no core: %s, want still genuine CoP", v)
	}
	a := ActivityOf(m, DefaultThresholds())
	if a.State != "quiet" || a.QuietWeeks != 9 || !strings.HasPrefix(a.Text, "quiet for 9 weeks") {
		t.Errorf("activity %+v", a)
	}
	m.SilentWeeks = 1
	if a := ActivityOf(m, DefaultThresholds()); a.State != "active" {
		t.Errorf("one week without a post: %+v, want active", a)
	}
	if h := strings.Join(HealthOf(m), "; "); h != "no core; no newcomers; 0 of 7 authors returning" {
		t.Errorf("health %q", h)
	}
}

func TestBroadcastNeedsOneWayTies(t *testing.T) {
	m := healthy()
	m.TopAccountShare, m.HubPartners, m.HubAnswered = 0.83, 2, 2
	v, reasons := Decide(m, DefaultThresholds())
	if v == Network {
		t.Errorf("a hub everybody answers: %s", v)
	}
	for _, r := range reasons {
		if r.Criterion == "broadcast" && (!r.Passed || !strings.Contains(r.Text, "2 of 2 people tied to it answer it: a conversation, not a broadcast")) {
			t.Errorf("broadcast reason %+v", r)
		}
	}
	m.HubAnswered = 0
	if v, _ := Decide(m, DefaultThresholds()); v != Network {
		t.Errorf("a hub nobody answers: %s, want network", v)
	}
}

func TestExplainIsTheDecidingStage(t *testing.T) {
	m := healthy()
	m.PracticeShare, m.RecurringPairs = 0.1, 0
	v, reasons := Decide(m, DefaultThresholds())
	want := "practice share 0.10 < 0.30: practice is thin (also: recurring pairs 0 < 2: few relationships recur)"
	if got := Explain(v, reasons); v != CommunityOfInterest || got != want {
		t.Errorf("%s: %q, want %q", v, got, want)
	}
	v, reasons = Decide(healthy(), DefaultThresholds())
	if got := Explain(v, reasons); got != "domain, community and practice, sustained: active weeks 8 >= 4; recurring pairs 4 >= 2" {
		t.Errorf("genuine: %q", got)
	}
}

func TestReasonText(t *testing.T) {
	m := healthy()
	m.ReplyShare, m.TopAccountShare, m.ActiveWeeks = 0.05, 0.9, 9
	_, reasons := Decide(m, DefaultThresholds())
	want := map[string]string{
		"reply-share":     "reply share 0.05 < 0.20: little replying",
		"broadcast":       "top account share 0.90 > 0.75: one account holds most ties and few answer it (broadcast) (1 of 5 answer it)",
		"sustained-weeks": "active weeks 9 >= 4",
		"isolates-share":  "isolates share 0.10 <= 0.50",
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
