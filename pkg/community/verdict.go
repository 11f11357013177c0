package community

import (
	"errors"
	"fmt"
	"strconv"
)

// Verdict is what a group is, judged by Decide.
type Verdict string

// The verdicts in the order Decide tests them (DESIGN.md, per community).
const (
	Inactive            Verdict = "inactive"
	OffDomain           Verdict = "off-domain"
	Network             Verdict = "network"
	CommunityOfInterest Verdict = "community of interest"
	EmergingCoP         Verdict = "emerging CoP"
	GenuineCoP          Verdict = "genuine CoP"
)

// Thresholds holds every number Measure and Decide use. Shares are in
// [0, 1]. The defaults suit a course hashtag measured over about 12 weeks.
type Thresholds struct {
	// Used by Measure.
	ActiveWeekPosts int `json:"active_week_posts" yaml:"active_week_posts"` // posts for an ISO week to count as active
	CoreK           int `json:"core_k" yaml:"core_k"`                       // k of the k-core

	// inactive: too few active weeks or authors, or silent lately.
	MinActiveWeeks int `json:"min_active_weeks" yaml:"min_active_weeks"`
	MinAuthors     int `json:"min_authors" yaml:"min_authors"`
	MaxSilentWeeks int `json:"max_silent_weeks" yaml:"max_silent_weeks"`

	// off-domain: most posts are not about the domain.
	MinDomainShare float64 `json:"min_domain_share" yaml:"min_domain_share"`

	// network: little replying, many isolates, or one account holds most ties.
	MinReplyShare      float64 `json:"min_reply_share" yaml:"min_reply_share"`
	MinCommunityShare  float64 `json:"min_community_share" yaml:"min_community_share"`
	MinReciprocity     float64 `json:"min_reciprocity" yaml:"min_reciprocity"`
	MaxIsolatesShare   float64 `json:"max_isolates_share" yaml:"max_isolates_share"`
	MaxTopAccountShare float64 `json:"max_top_account_share" yaml:"max_top_account_share"`

	// community of interest: members interact, but practice is thin.
	MinPracticeShare    float64 `json:"min_practice_share" yaml:"min_practice_share"`
	MinSharedRepertoire int     `json:"min_shared_repertoire" yaml:"min_shared_repertoire"`

	// emerging CoP: all three present, not yet sustained, or no core and
	// periphery yet.
	MinSustainedWeeks   int `json:"min_sustained_weeks" yaml:"min_sustained_weeks"`
	MinReturningMembers int `json:"min_returning_members" yaml:"min_returning_members"`
	MinRecurringPairs   int `json:"min_recurring_pairs" yaml:"min_recurring_pairs"`
	MinCoreSize         int `json:"min_core_size" yaml:"min_core_size"`
	MinPeriphery        int `json:"min_periphery" yaml:"min_periphery"`
}

// DefaultThresholds returns the thresholds the course uses unless its
// config says otherwise.
func DefaultThresholds() Thresholds {
	return Thresholds{
		ActiveWeekPosts: 2,
		CoreK:           2,

		MinActiveWeeks: 1,
		MinAuthors:     3,
		MaxSilentWeeks: 4,

		MinDomainShare: 0.5,

		MinReplyShare:      0.2,
		MinCommunityShare:  0.25,
		MinReciprocity:     0.1,
		MaxIsolatesShare:   0.5,
		MaxTopAccountShare: 0.75, // a uniform triangle gives each account 2/3

		MinPracticeShare:    0.3,
		MinSharedRepertoire: 2,

		MinSustainedWeeks:   4,
		MinReturningMembers: 3,
		MinRecurringPairs:   2,
		MinCoreSize:         3,
		MinPeriphery:        1,
	}
}

// Validate reports thresholds that cannot be meant: negative counts, shares
// outside [0, 1], an empty week counting as active.
func (t Thresholds) Validate() error {
	var errs []error
	counts := []struct {
		name  string
		value int
	}{
		{"core_k", t.CoreK}, {"min_active_weeks", t.MinActiveWeeks},
		{"min_authors", t.MinAuthors}, {"max_silent_weeks", t.MaxSilentWeeks},
		{"min_shared_repertoire", t.MinSharedRepertoire}, {"min_sustained_weeks", t.MinSustainedWeeks},
		{"min_returning_members", t.MinReturningMembers}, {"min_recurring_pairs", t.MinRecurringPairs},
		{"min_core_size", t.MinCoreSize}, {"min_periphery", t.MinPeriphery},
	}
	if t.ActiveWeekPosts < 1 {
		errs = append(errs, fmt.Errorf("active_week_posts %d: must be at least 1", t.ActiveWeekPosts))
	}
	for _, c := range counts {
		if c.value < 0 {
			errs = append(errs, fmt.Errorf("%s %d: must not be negative", c.name, c.value))
		}
	}
	shares := []struct {
		name  string
		value float64
	}{
		{"min_domain_share", t.MinDomainShare}, {"min_reply_share", t.MinReplyShare},
		{"min_community_share", t.MinCommunityShare}, {"min_reciprocity", t.MinReciprocity},
		{"max_isolates_share", t.MaxIsolatesShare}, {"max_top_account_share", t.MaxTopAccountShare},
		{"min_practice_share", t.MinPracticeShare},
	}
	for _, s := range shares {
		if !(s.value >= 0 && s.value <= 1) {
			errs = append(errs, fmt.Errorf("%s %g: must be between 0 and 1", s.name, s.value))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("community thresholds: %w", err)
	}
	return nil
}

// Reason is one criterion Decide checked. Stage is the verdict the group
// gets when this criterion (the first failing one) fails. Passed means the
// group meets the criterion, i.e. Value is at least Threshold for a minimum,
// at most Threshold for a maximum.
type Reason struct {
	Criterion string  `json:"criterion"`
	Stage     Verdict `json:"stage"`
	Passed    bool    `json:"passed"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Text      string  `json:"text"`
}

// criterion describes one check: a metric and its bound.
type criterion struct {
	name      string // id, e.g. "reply-share"
	label     string // words for Text, e.g. "reply share"
	stage     Verdict
	value     float64
	threshold float64
	isMax     bool   // value must be <= threshold (else >=)
	integer   bool   // print without decimals
	failure   string // why failing matters, appended to Text
}

// Decide returns the verdict for metrics m: the stage of the first failing
// criterion, in the order inactive, off-domain, network, community of
// interest, emerging CoP; genuine CoP when every criterion passes. The
// reasons list every criterion, passed or failed, in that order.
func Decide(m Metrics, t Thresholds) (Verdict, []Reason) {
	checks := []criterion{
		{"active-weeks", "active weeks", Inactive, float64(m.ActiveWeeks), float64(t.MinActiveWeeks), false, true, "too few weeks with posts"},
		{"authors", "authors", Inactive, float64(m.Authors), float64(t.MinAuthors), false, true, "too few people posting"},
		{"silent-weeks", "weeks silent", Inactive, float64(m.SilentWeeks), float64(t.MaxSilentWeeks), true, true, "silent lately"},

		{"domain-share", "domain share", OffDomain, m.DomainShare, t.MinDomainShare, false, false, "most posts are not about the domain"},

		{"reply-share", "reply share", Network, m.ReplyShare, t.MinReplyShare, false, false, "little replying"},
		{"community-share", "community share", Network, m.CommunityShare, t.MinCommunityShare, false, false, "few posts engage others"},
		{"reciprocity", "reciprocity", Network, m.Reciprocity, t.MinReciprocity, false, false, "ties are one-way"},
		{"isolates-share", "isolates share", Network, m.IsolatesShare, t.MaxIsolatesShare, true, false, "many authors have no tie"},
		{"top-account-share", "top account share", Network, m.TopAccountShare, t.MaxTopAccountShare, true, false, "one account holds most ties (broadcast)"},

		{"practice-share", "practice share", CommunityOfInterest, m.PracticeShare, t.MinPracticeShare, false, false, "practice is thin"},
		{"shared-repertoire", "shared resources", CommunityOfInterest, float64(m.SharedRepertoire), float64(t.MinSharedRepertoire), false, true, "little shared repertoire"},

		{"sustained-weeks", "active weeks", EmergingCoP, float64(m.ActiveWeeks), float64(t.MinSustainedWeeks), false, true, "not yet sustained over time"},
		{"returning-members", "returning members", EmergingCoP, float64(m.ReturningMembers), float64(t.MinReturningMembers), false, true, "few members come back"},
		{"recurring-pairs", "recurring pairs", EmergingCoP, float64(m.RecurringPairs), float64(t.MinRecurringPairs), false, true, "few relationships recur"},
		{"core-size", "core size", EmergingCoP, float64(m.CoreSize), float64(t.MinCoreSize), false, true, "no core yet"},
		{"periphery", "periphery", EmergingCoP, float64(m.Periphery), float64(t.MinPeriphery), false, true, "no periphery"},
	}
	verdict := GenuineCoP
	reasons := make([]Reason, len(checks))
	for i, c := range checks {
		passed := c.value >= c.threshold
		if c.isMax {
			passed = c.value <= c.threshold
		}
		if !passed && verdict == GenuineCoP {
			verdict = c.stage
		}
		reasons[i] = Reason{
			Criterion: c.name,
			Stage:     c.stage,
			Passed:    passed,
			Value:     c.value,
			Threshold: c.threshold,
			Text:      c.text(passed),
		}
	}
	return verdict, reasons
}

// text says e.g. "reply share 0.05 < 0.20: little replying".
func (c criterion) text(passed bool) string {
	op := map[[2]bool]string{
		{false, true}: ">=", {false, false}: "<",
		{true, true}: "<=", {true, false}: ">",
	}[[2]bool{c.isMax, passed}]
	format := func(v float64) string {
		if c.integer {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	s := fmt.Sprintf("%s %s %s %s", c.label, format(c.value), op, format(c.threshold))
	if !passed {
		s += ": " + c.failure
	}
	return s
}
