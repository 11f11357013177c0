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
	c, groups := columnsOfGroups(groups, edges)
	return c.Trajectories(groups, window, t)
}

// Trajectories is the package's Trajectories on columns, for groups found
// on them.
func (c *Columns) Trajectories(groups []Group, window Window, t Thresholds) [][]Step {
	out := make([][]Step, len(groups))
	weeks := window.Weeks()
	if weeks == 0 {
		return out
	}
	for i := range out {
		out[i] = make([]Step, 0, weeks)
	}
	// The edges are split by group once; each group then takes its posts
	// and interactions week by week, keeping what the verdict reads up to
	// date (see stepper), so a trajectory costs one pass over the group.
	parts := c.prepare(groups)
	labels, ends := trajectoryWeeks(window)
	// Groups are independent: each measures its own posts week by week.
	forEach(len(groups), func(gi int) {
		for w, m := range c.stepMetrics(&parts[gi], window, ends, t) {
			step := Step{Week: labels[w]}
			if m.Posts > 0 {
				step.Verdict, _ = Decide(m, t)
			}
			out[gi] = append(out[gi], step)
		}
		parts[gi] = groupPart{}
	})
	return out
}

// trajectoryWeeks returns the label of each UTC ISO week of the window and
// the end of each (the window's end for the last), in Unix nanoseconds.
func trajectoryWeeks(window Window) (labels []string, ends []int64) {
	for end := window.Start.UTC(); end.Before(window.End); {
		y, w := end.ISOWeek()
		monday := end.AddDate(0, 0, -((int(end.Weekday()) + 6) % 7))
		next := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7)
		if next.After(window.End) {
			next = window.End
		}
		labels = append(labels, fmt.Sprintf("%04d-W%02d", y, w))
		ends = append(ends, next.UnixNano())
		end = next
	}
	return labels, ends
}

// stepMetrics returns, for each week end in ends, the metrics Decide reads
// of group p measured from window.Start to that end: what measure would
// give for each of those windows (TestStepMetricsEqualMeasure holds them
// to it), from one pass over the group's posts and interactions. Every one
// of them is a count over a set that only grows with the window, so each
// week adds its own posts and interactions to the last week's state.
func (c *Columns) stepMetrics(p *groupPart, window Window, ends []int64, t Thresholds) []Metrics {
	start := window.Start.UnixNano()
	// stepOf is the first week whose end is after at: the first window
	// holding it; len(ends) when none does.
	stepOf := func(at int64) int {
		if at < start {
			return len(ends)
		}
		w, _ := slices.BinarySearch(ends, at+1)
		return w
	}
	rowsBy := bucketByStep(len(ends), len(p.rows), func(i int) int { return stepOf(c.at[p.rows[i]]) })
	edgesBy := bucketByStep(len(ends), len(p.inside), func(j int) int { return stepOf(c.eAt[p.inside[j]]) })

	n := len(p.accounts)
	authored, tied := make([]bool, n), make([]bool, n)
	touching := make([]float64, n)
	partners := make([][]int32, n)
	perWeek := make([]int, window.Weeks())
	firstWindowWeek := weekIndex(window.Start)
	activeAt := max(t.ActiveWeekPosts, 1)
	resources := map[int32]resourceUse{}
	arcs := map[uint64]bool{}
	pairs := map[uint64]int32{}  // the first week of the pair's ties; recurring once another week is seen
	const recurring = noWeek + 1 // no real week: 4 × 10⁷ years before 1970
	// A reply whose replied-to account is unknown is a reply unless its
	// parent, by the same author, is in the window too: the count falls
	// back when that parent comes in later.
	unreply := make([]int, len(ends)+1)
	var parentOf map[int64]int32 // post key -> row index in p.rows

	var m Metrics
	var triad triadCount
	var tiedAuthors, shared, mutual int
	out := make([]Metrics, len(ends))
	for w := range ends {
		for _, i := range rowsBy[w] {
			r := p.rows[i]
			a := p.author[i]
			m.Posts++
			if !authored[a] {
				authored[a] = true
				m.Authors++
				if tied[a] {
					tiedAuthors++
				}
			}
			switch {
			case c.accounts[c.replyTo[r]] != "":
				if c.replyTo[r] != c.author[r] {
					m.Replies++
				}
			case c.parent[r] != 0:
				if parentOf == nil {
					parentOf = make(map[int64]int32, len(p.rows))
					for i, r := range p.rows {
						parentOf[c.key[r]] = int32(i)
					}
				}
				m.Replies++
				if q, ok := parentOf[c.parent[r]]; ok && p.author[q] == a {
					unreply[max(stepOf(c.at[p.rows[q]]), w)]++
				}
			}
			week := weekOfNanos(c.at[r]) - firstWindowWeek
			if perWeek[week]++; perWeek[week] == activeAt {
				m.ActiveWeeks++
			}
			triad.add(c.flags[r])
			for _, res := range c.res[c.resOff[r]:c.resOff[r+1]] {
				use, ok := resources[res]
				switch {
				case !ok:
					resources[res] = resourceUse{firstAuthor: a, authors: 1}
				case use.authors == 1 && use.firstAuthor != a:
					resources[res] = resourceUse{firstAuthor: use.firstAuthor, authors: 2}
					shared++
				}
			}
		}
		m.Replies -= unreply[w]
		for _, j := range edgesBy[w] {
			from, to := p.from[j], p.to[j]
			ei := p.inside[j]
			kind := EdgeKind(c.kind[ei])
			weight := kind.TieWeight()
			if from == to || kind == Favourite || weight == 0 {
				continue
			}
			m.TieWeight += weight
			touching[from] += weight
			touching[to] += weight
			for _, a := range [2]int32{from, to} {
				if !tied[a] {
					tied[a] = true
					if authored[a] {
						tiedAuthors++
					}
				}
			}
			if kind == Reply || kind == Mention {
				arc := uint64(uint32(from))<<32 | uint64(uint32(to))
				if !arcs[arc] {
					arcs[arc] = true
					if arcs[arc<<32|arc>>32] {
						mutual += 2
					}
				}
			}
			key := pairKey(from, to)
			first, seen := pairs[key]
			if !seen {
				partners[from] = append(partners[from], to)
				partners[to] = append(partners[to], from)
				first = noWeek
			}
			if at := c.eAt[ei]; at != zeroTime {
				switch week := weekOfNanos(at); {
				case first == noWeek:
					first = week
				case first != recurring && first != week:
					first = recurring
					m.RecurringPairs++
				}
			}
			pairs[key] = first
		}
		m.ReplyShare = share(m.Replies, m.Posts)
		triad.shares(&m)
		m.Reciprocity = share(mutual, len(arcs))
		m.IsolatesShare = share(m.Authors-tiedAuthors, m.Authors)
		m.SharedRepertoire = shared
		m.TopAccountShare, m.HubPartners, m.HubAnswered = 0, 0, 0
		if m.TieWeight > 0 {
			top := 0
			for a := range n {
				if touching[a] > touching[top] || (touching[a] == touching[top] && c.accounts[p.accounts[a]] < c.accounts[p.accounts[top]]) {
					top = a
				}
			}
			m.TopAccountShare = touching[top] / m.TieWeight
			m.HubPartners = len(partners[top])
			for _, other := range partners[top] {
				if arcs[uint64(uint32(top))<<32|uint64(uint32(other))] && arcs[uint64(uint32(other))<<32|uint64(uint32(top))] {
					m.HubAnswered++
				}
			}
		}
		out[w] = m
	}
	return out
}

// bucketByStep lists the items 0..n-1 by step (stepOf; steps at or beyond
// weeks are left out), each step's items in their order.
func bucketByStep(weeks, n int, stepOf func(i int) int) [][]int32 {
	step := make([]int32, n)
	count := make([]int32, weeks+1)
	for i := range n {
		step[i] = int32(stepOf(i))
		count[step[i]]++
	}
	flat := make([]int32, 0, n)
	buckets := make([][]int32, weeks)
	offs := make([]int32, weeks+1)
	for w := range weeks {
		offs[w+1] = offs[w] + count[w]
	}
	flat = flat[:offs[weeks]]
	fill := slices.Clone(offs[:weeks])
	for i, w := range step {
		if int(w) < weeks {
			flat[fill[w]] = int32(i)
			fill[w]++
		}
	}
	for w := range weeks {
		buckets[w] = flat[offs[w]:offs[w+1]]
	}
	return buckets
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
