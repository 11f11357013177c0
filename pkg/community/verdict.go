package community

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Verdict is what a group is over the period, judged by Decide.
type Verdict string

// The verdicts in the order Decide tests them (DESIGN.md, per community).
// Being quiet lately is not a verdict: see Activity.
const (
	OffDomain           Verdict = "off-domain"
	Network             Verdict = "network"
	CommunityOfInterest Verdict = "community of interest"
	EmergingCoP         Verdict = "emerging CoP"
	GenuineCoP          Verdict = "genuine CoP"
)

// Rank orders verdicts from least to most like a genuine CoP (0 for an
// unknown or empty verdict).
func (v Verdict) Rank() int {
	switch v {
	case OffDomain:
		return 1
	case Network:
		return 2
	case CommunityOfInterest:
		return 3
	case EmergingCoP:
		return 4
	case GenuineCoP:
		return 5
	}
	return 0
}

// Short is the verdict in one word, for trajectories: off-domain, network,
// interest, emerging, genuine.
func (v Verdict) Short() string {
	switch v {
	case CommunityOfInterest:
		return "interest"
	case EmergingCoP:
		return "emerging"
	case GenuineCoP:
		return "genuine"
	}
	return string(v)
}

// Thresholds holds every number Measure, Decide and Activity use. Shares
// are in [0, 1]. The defaults suit a course hashtag measured over about 12
// weeks.
type Thresholds struct {
	// Used by Measure.
	ActiveWeekPosts int `json:"active_week_posts" yaml:"active_week_posts"` // posts for an ISO week to count as active
	CoreK           int `json:"core_k" yaml:"core_k"`                       // k of the k-core

	// Used by ActivityOf: a group is quiet after this many whole weeks
	// without a post at the end of the period.
	QuietWeeks int `json:"quiet_weeks" yaml:"quiet_weeks"`

	// off-domain: most posts are not about the domain.
	MinDomainShare float64 `json:"min_domain_share" yaml:"min_domain_share"`

	// network: too few people, little replying, one-way ties, many
	// isolates, or a broadcast (one account holds most ties and most of
	// the people it is tied to never answer it).
	MinAuthors         int     `json:"min_authors" yaml:"min_authors"`
	MinReplyShare      float64 `json:"min_reply_share" yaml:"min_reply_share"`
	MinCommunityShare  float64 `json:"min_community_share" yaml:"min_community_share"`
	MinReciprocity     float64 `json:"min_reciprocity" yaml:"min_reciprocity"`
	MaxIsolatesShare   float64 `json:"max_isolates_share" yaml:"max_isolates_share"`
	MaxTopAccountShare float64 `json:"max_top_account_share" yaml:"max_top_account_share"`
	MinHubAnswered     float64 `json:"min_hub_answered" yaml:"min_hub_answered"`

	// community of interest: members interact, but practice is thin.
	MinPracticeShare    float64 `json:"min_practice_share" yaml:"min_practice_share"`
	MinSharedRepertoire int     `json:"min_shared_repertoire" yaml:"min_shared_repertoire"`

	// emerging CoP: all three present, not yet sustained over time.
	MinSustainedWeeks int `json:"min_sustained_weeks" yaml:"min_sustained_weeks"`
	MinRecurringPairs int `json:"min_recurring_pairs" yaml:"min_recurring_pairs"`
}

// DefaultThresholds returns the thresholds the course uses unless its
// config says otherwise.
func DefaultThresholds() Thresholds {
	return Thresholds{
		ActiveWeekPosts: 2,
		CoreK:           2,
		QuietWeeks:      2,

		MinDomainShare: 0.5,

		MinAuthors:         3,
		MinReplyShare:      0.2,
		MinCommunityShare:  0.25,
		MinReciprocity:     0.1,
		MaxIsolatesShare:   0.5,
		MaxTopAccountShare: 0.75, // a uniform triangle gives each account 2/3
		MinHubAnswered:     0.5,

		MinPracticeShare:    0.3,
		MinSharedRepertoire: 2,

		MinSustainedWeeks: 4,
		MinRecurringPairs: 2,
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
		{"core_k", t.CoreK}, {"quiet_weeks", t.QuietWeeks},
		{"min_authors", t.MinAuthors}, {"min_shared_repertoire", t.MinSharedRepertoire},
		{"min_sustained_weeks", t.MinSustainedWeeks}, {"min_recurring_pairs", t.MinRecurringPairs},
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
		{"min_hub_answered", t.MinHubAnswered}, {"min_practice_share", t.MinPracticeShare},
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
// at most Threshold for a maximum (the broadcast criterion also passes when
// the top account's partners answer it).
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
// criterion, in the order off-domain, network, community of interest,
// emerging CoP; genuine CoP when every criterion passes. The reasons list
// every criterion, passed or failed, in that order.
//
// Only what the group is counts: how recently it posted (ActivityOf) and
// its core, periphery, newcomers and returning members (HealthOf) are
// reported beside the verdict, not folded into it.
func Decide(m Metrics, t Thresholds) (Verdict, []Reason) {
	checks := []criterion{
		{"domain-share", "domain share", OffDomain, m.DomainShare, t.MinDomainShare, false, false, "most posts are not about the domain"},

		{"authors", "authors", Network, float64(m.Authors), float64(t.MinAuthors), false, true, "too few people for a community"},
		{"reply-share", "reply share", Network, m.ReplyShare, t.MinReplyShare, false, false, "little replying"},
		{"community-share", "community share", Network, m.CommunityShare, t.MinCommunityShare, false, false, "few posts engage others"},
		{"reciprocity", "reciprocity", Network, m.Reciprocity, t.MinReciprocity, false, false, "ties are one-way"},
		{"isolates-share", "isolates share", Network, m.IsolatesShare, t.MaxIsolatesShare, true, false, "many authors have no tie"},
		{"broadcast", "top account share", Network, m.TopAccountShare, t.MaxTopAccountShare, true, false, "one account holds most ties and few answer it (broadcast)"},

		{"practice-share", "practice share", CommunityOfInterest, m.PracticeShare, t.MinPracticeShare, false, false, "practice is thin"},
		{"shared-repertoire", "shared resources", CommunityOfInterest, float64(m.SharedRepertoire), float64(t.MinSharedRepertoire), false, true, "little shared repertoire"},

		{"sustained-weeks", "active weeks", EmergingCoP, float64(m.ActiveWeeks), float64(t.MinSustainedWeeks), false, true, "not yet sustained over time"},
		{"recurring-pairs", "recurring pairs", EmergingCoP, float64(m.RecurringPairs), float64(t.MinRecurringPairs), false, true, "few relationships recur"},
	}
	verdict := GenuineCoP
	reasons := make([]Reason, len(checks))
	for i, c := range checks {
		passed := c.value >= c.threshold
		if c.isMax {
			passed = c.value <= c.threshold
		}
		text := c.text(passed)
		if c.name == "broadcast" && !passed {
			// Size-aware: in a small group one member naturally touches most
			// ties; it is a broadcast only when the others do not answer.
			answered := share(m.HubAnswered, m.HubPartners)
			if answered >= t.MinHubAnswered {
				passed = true
				text = fmt.Sprintf("top account share %s > %s, but %d of %d people tied to it answer it: a conversation, not a broadcast",
					c.format(c.value), c.format(c.threshold), m.HubAnswered, m.HubPartners)
			} else {
				text += fmt.Sprintf(" (%d of %d answer it)", m.HubAnswered, m.HubPartners)
			}
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
			Text:      text,
		}
	}
	return verdict, reasons
}

func (c criterion) format(v float64) string {
	if c.integer {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// text says e.g. "reply share 0.05 < 0.20: little replying".
func (c criterion) text(passed bool) string {
	op := map[[2]bool]string{
		{false, true}: ">=", {false, false}: "<",
		{true, true}: "<=", {true, false}: ">",
	}[[2]bool{c.isMax, passed}]
	s := fmt.Sprintf("%s %s %s %s", c.label, c.format(c.value), op, c.format(c.threshold))
	if !passed {
		s += ": " + c.failure
	}
	return s
}

// Explain is the one explanation of a verdict that every output prints:
// for genuine CoP, the sustained criteria it met; otherwise the criteria of
// the deciding stage that failed, then what else it lacks for genuine CoP.
func Explain(v Verdict, reasons []Reason) string {
	var decided, later, sustained []string
	for _, r := range reasons {
		switch {
		case r.Stage == EmergingCoP && r.Passed:
			sustained = append(sustained, r.Text)
		case r.Passed:
		case r.Stage == v:
			decided = append(decided, r.Text)
		default:
			later = append(later, r.Text)
		}
	}
	if v == GenuineCoP {
		return "domain, community and practice, sustained: " + strings.Join(sustained, "; ")
	}
	s := strings.Join(decided, "; ")
	if len(later) > 0 {
		s += " (also: " + strings.Join(later, "; ") + ")"
	}
	return s
}
