package community

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Activity is how recently a group posted, reported beside its verdict:
// a group that went quiet is still what it was.
type Activity struct {
	State      string    `json:"state"`       // "active", "quiet" or "silent" (no post in the period)
	QuietWeeks int       `json:"quiet_weeks"` // whole weeks without a post at the end of the period
	LastPost   time.Time `json:"last_post"`   // zero when silent
	Text       string    `json:"text"`        // "active, last post 2026-11-13", "quiet for 3 weeks, last post 2026-10-20"
}

// ActivityOf reads m's silent weeks: active when the group posted in the
// last t.QuietWeeks weeks of the period, else quiet for that many weeks.
func ActivityOf(m Metrics, t Thresholds) Activity {
	a := Activity{QuietWeeks: m.SilentWeeks, LastPost: m.LastPost}
	switch {
	case m.Posts == 0:
		a.State, a.Text = "silent", "no post in the period"
		a.LastPost = time.Time{}
		return a
	case m.SilentWeeks >= max(t.QuietWeeks, 1):
		a.State = "quiet"
		a.Text = fmt.Sprintf("quiet for %d weeks, last post %s", m.SilentWeeks, m.LastPost.UTC().Format("2006-01-02"))
	default:
		a.State = "active"
		a.Text = "active, last post " + m.LastPost.UTC().Format("2006-01-02")
	}
	return a
}

// HealthOf lists the health signals shown with a verdict: core and
// periphery, newcomers and returning members. They describe how a
// community renews itself and are never gates for a verdict.
func HealthOf(m Metrics) []string {
	signals := []string{}
	switch {
	case m.CoreSize == 0:
		signals = append(signals, "no core")
	case m.Periphery == 0:
		signals = append(signals, fmt.Sprintf("core of %d, no periphery", m.CoreSize))
	default:
		signals = append(signals, fmt.Sprintf("core of %d, periphery of %d", m.CoreSize, m.Periphery))
	}
	if m.Newcomers == 0 {
		signals = append(signals, "no newcomers")
	} else {
		signals = append(signals, fmt.Sprintf("%d newcomers", m.Newcomers))
	}
	signals = append(signals, fmt.Sprintf("%d of %d authors returning", m.ReturningMembers, m.Authors))
	return signals
}

// Step is a group's verdict measured from the start of the period to the
// end of one ISO week. Verdict is empty while the group has not posted yet.
type Step struct {
	Week    string  `json:"week"` // 2026-W07
	Verdict Verdict `json:"verdict"`
}

// Trajectories measures every group from window.Start to the end of each
// UTC ISO week of the window and decides: how each group got to its
// verdict. The last step is the verdict over the whole window.
func Trajectories(groups []Group, edges []Edge, window Window, t Thresholds) [][]Step {
	out := make([][]Step, len(groups))
	weeks := window.Weeks()
	if weeks == 0 {
		return out
	}
	for i := range out {
		out[i] = make([]Step, 0, weeks)
	}
	// The edges are split by group once; each week measures the group's
	// posts up to that week (Posts are in time order, as ByGraph, ByTag and
	// ByInstance keep them), so a step costs what measuring the group costs.
	inside := splitEdges(groups, edges)
	index := make([]memberIndex, len(groups))
	for gi := range groups {
		index[gi] = newMemberIndex(groups[gi])
	}
	sorted := make([]bool, len(groups))
	for gi, g := range groups {
		sorted[gi] = slices.IsSortedFunc(g.Posts, func(a, b *Post) int { return a.At.Compare(b.At) })
	}
	type week struct {
		label string
		next  time.Time
	}
	var steps []week
	for end := window.Start.UTC(); end.Before(window.End); {
		y, w := end.ISOWeek()
		monday := end.AddDate(0, 0, -((int(end.Weekday()) + 6) % 7))
		next := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7)
		if next.After(window.End) {
			next = window.End
		}
		steps = append(steps, week{fmt.Sprintf("%04d-W%02d", y, w), next})
		end = next
	}
	// Groups are independent: each measures its own posts week by week.
	forEach(len(groups), func(gi int) {
		g, all := groups[gi], groups[gi].Posts
		for _, wk := range steps {
			if sorted[gi] {
				n, _ := slices.BinarySearchFunc(all, wk.next, func(p *Post, t time.Time) int {
					if p.At.Before(t) {
						return -1
					}
					return 1
				})
				g.Posts = all[:n]
			}
			step := Step{Week: wk.label}
			if m := measure(g, index[gi], edges, inside[gi], Window{Start: window.Start, End: wk.next}, t); m.Posts > 0 {
				step.Verdict, _ = Decide(m, t)
			}
			out[gi] = append(out[gi], step)
		}
	})
	return out
}

// TrajectoryLine is a trajectory in one line, runs collapsed:
// "network W36–W38 → interest W39–W40 → genuine W41–W47".
func TrajectoryLine(steps []Step) string {
	var parts []string
	for i := 0; i < len(steps); {
		j := i
		for j+1 < len(steps) && steps[j+1].Verdict == steps[i].Verdict {
			j++
		}
		name := steps[i].Verdict.Short()
		if name == "" {
			name = "·"
		}
		span := weekOnly(steps[i].Week)
		if j > i {
			span += "–" + weekOnly(steps[j].Week)
		}
		parts = append(parts, name+" "+span)
		i = j + 1
	}
	return strings.Join(parts, " → ")
}

func weekOnly(label string) string {
	if i := strings.IndexByte(label, 'W'); i >= 0 {
		return label[i:]
	}
	return label
}
