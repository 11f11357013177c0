// Package shared is what `copharvest communities` prints, shared with the
// commands that show communities too (demo).
package shared

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/csvsafe"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// DefaultWeeks is the length of the default period.
const DefaultWeeks = 12

func pct(v float64) string { return strconv.Itoa(int(v*100+0.5)) + "%" }

// Columns of the table, in order.
var Columns = []string{"community", "verdict", "activity", "authors", "posts", "domain", "community share", "practice",
	"reply share", "reciprocity", "active weeks", "recurring pairs", "shared resources", "stability"}

func row(c analysis.Community) []string {
	m := c.Metrics
	activity := c.Activity.State
	if c.Activity.State == "quiet" {
		activity = fmt.Sprintf("quiet %dw", c.Activity.QuietWeeks)
	}
	return []string{c.ID, string(c.Verdict), activity, strconv.Itoa(m.Authors), strconv.Itoa(m.Posts),
		pct(m.DomainShare), pct(m.CommunityShare), pct(m.PracticeShare), pct(m.ReplyShare), pct(m.Reciprocity),
		strconv.Itoa(m.ActiveWeeks), strconv.Itoa(m.RecurringPairs), strconv.Itoa(m.SharedRepertoire),
		strconv.FormatFloat(c.Stability, 'f', 2, 64)}
}

// Heading names the period, why it was chosen, and how the authors are
// accounted for.
func Heading(res analysis.Result) string {
	p := res.Period
	return fmt.Sprintf("Communities by %s, %s (%s to %s UTC): %s\n%d posts; %s\n", res.By, p.Label,
		p.Since.UTC().Format("2006-01-02"), p.Until.UTC().Add(-time.Second).Format("2006-01-02"), p.Reason, res.Posts, res.Accounting)
}

// Print writes the table and, under it, each community's verdict with its
// explanation, activity, health, trajectory and members.
func Print(w io.Writer, res analysis.Result, markdown bool) error {
	head := Heading(res)
	if markdown {
		head = "**" + strings.Replace(head, "\n", "**\n\n", 1)
	}
	fmt.Fprintln(w, head)
	var rows [][]string
	for _, c := range res.Communities {
		rows = append(rows, row(c))
	}
	if err := tableprinter.Render(w, markdown, Columns, rows); err != nil {
		return err
	}
	for _, c := range res.Communities {
		item, indent := "\n", "  "
		if markdown {
			item, indent = "\n### ", "- "
		}
		_, err := fmt.Fprintf(w, "%s%s — %s (%s; stability %.2f)\n%swhy: %s\n%shealth: %s\n%strajectory: %s\n%smembers (%d): %s\n",
			item, c.ID, c.Verdict, c.Activity.Text, c.Stability,
			indent, c.Why, indent, strings.Join(c.Health, "; "), indent, c.TrajectoryLine,
			indent, len(c.Members), strings.Join(shortNames(c.Members), ", "))
		if err != nil {
			return err
		}
	}
	return nil
}

// shortNames drops the instance of members on the most common one.
func shortNames(members []string) []string {
	count := map[string]int{}
	for _, m := range members {
		_, host, _ := strings.Cut(m, "@")
		count[host]++
	}
	common, best := "", 0
	for host, n := range count {
		if n > best || (n == best && host < common) {
			common, best = host, n
		}
	}
	out := make([]string, len(members))
	for i, m := range members {
		user, host, _ := strings.Cut(m, "@")
		if host == common {
			m = user
		}
		out[i] = m
	}
	return out
}

// CSVColumns are the columns of --format csv: every field of the JSON, one
// row per community; lists are joined with " | ".
var CSVColumns = []string{"id", "verdict", "why", "activity_state", "quiet_weeks", "last_post", "activity", "stability",
	"health", "trajectory", "trajectory_line", "failed_criteria", "reasons", "members",
	"period_label", "period_since", "period_until", "period_reason", "by",
	"member_count", "authors", "posts", "replies", "reply_share", "ties", "tie_weight", "favourites",
	"reciprocity", "isolates_share", "two_way_share", "top_account", "top_account_share", "hub_partners", "hub_answered",
	"core_k", "core_size", "periphery", "window_weeks", "active_weeks", "silent_weeks",
	"returning_members", "recurring_pairs", "newcomers", "domain_share", "community_share", "practice_share",
	"questions", "unanswered", "shared_repertoire", "shared_resources"}

// csvNumeric marks the CSV columns that hold numbers: written as numbers,
// never neutralised.
var csvNumeric = func() []int {
	var idx []int
	for i, c := range CSVColumns {
		switch c {
		case "quiet_weeks", "stability", "member_count", "authors", "posts", "replies", "reply_share", "ties", "tie_weight",
			"favourites", "reciprocity", "isolates_share", "two_way_share", "top_account_share", "hub_partners", "hub_answered",
			"core_k", "core_size", "periphery", "window_weeks", "active_weeks", "silent_weeks", "returning_members",
			"recurring_pairs", "newcomers", "domain_share", "community_share", "practice_share", "questions", "unanswered",
			"shared_repertoire":
			idx = append(idx, i)
		}
	}
	return idx
}()

// WriteCSV writes one row per community with every field of the JSON;
// numbers as plain numbers (shares as decimals), text cells neutralised
// against spreadsheet formulas.
func WriteCSV(w io.Writer, res analysis.Result) error {
	cw, err := csvsafe.NewWriter(w, false, csvNumeric...)
	if err != nil {
		return err
	}
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	itoa := strconv.Itoa
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, c := range res.Communities {
		m := c.Metrics
		var steps, failed, reasons []string
		for _, s := range c.Trajectory {
			steps = append(steps, s.Week+"="+string(s.Verdict))
		}
		for _, r := range c.Reasons {
			if !r.Passed {
				failed = append(failed, r.Criterion)
			}
			reasons = append(reasons, r.Criterion+": "+r.Text)
		}
		err := cw.Write([]string{c.ID, string(c.Verdict), c.Why, c.Activity.State, itoa(c.Activity.QuietWeeks), stamp(c.Activity.LastPost),
			c.Activity.Text, num(c.Stability), strings.Join(c.Health, " | "), strings.Join(steps, " | "), c.TrajectoryLine,
			strings.Join(failed, " | "), strings.Join(reasons, " | "), strings.Join(c.Members, " | "),
			res.Period.Label, stamp(res.Period.Since), stamp(res.Period.Until), res.Period.Reason, string(res.By),
			itoa(m.Members), itoa(m.Authors), itoa(m.Posts), itoa(m.Replies), num(m.ReplyShare), itoa(m.Ties), num(m.TieWeight), itoa(m.Favourites),
			num(m.Reciprocity), num(m.IsolatesShare), num(m.TwoWayShare), m.TopAccount, num(m.TopAccountShare), itoa(m.HubPartners), itoa(m.HubAnswered),
			itoa(m.CoreK), itoa(m.CoreSize), itoa(m.Periphery), itoa(m.WindowWeeks), itoa(m.ActiveWeeks), itoa(m.SilentWeeks),
			itoa(m.ReturningMembers), itoa(m.RecurringPairs), itoa(m.Newcomers), num(m.DomainShare), num(m.CommunityShare), num(m.PracticeShare),
			itoa(m.Questions), itoa(m.Unanswered), itoa(m.SharedRepertoire), strings.Join(m.SharedResources, " | ")})
		if err != nil {
			return err
		}
	}
	return cw.Flush()
}
