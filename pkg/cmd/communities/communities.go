// Package communities is `copharvest communities`: groups of people, their
// measures, and which are genuine communities of practice and why.
package communities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oeru/copharvest/pkg/analysis"
	"github.com/oeru/copharvest/pkg/cmdutil"
	"github.com/oeru/copharvest/pkg/config"
	"github.com/oeru/copharvest/pkg/csvsafe"
	"github.com/oeru/copharvest/pkg/iostreams"
	"github.com/oeru/copharvest/pkg/period"
	"github.com/oeru/copharvest/pkg/store"
	"github.com/oeru/copharvest/pkg/tableprinter"
)

// Options of the command.
type Options struct {
	IO           *iostreams.IOStreams
	Config       func() (*config.Config, error)
	Now          func() time.Time
	By           string
	Period       cmdutil.PeriodFlags
	Format       string
	Seed         int64
	Pseudonymize bool
	Salt         string
}

// DefaultWeeks is the length of the default period.
const DefaultWeeks = 12

// NewCmdCommunities builds the command.
func NewCmdCommunities(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "communities",
		Short: "Find communities and say which are genuine communities of practice, and why",
		Long: `Group the people of the stored posts — by the interaction graph (replies 1.0,
mentions 0.5, boosts 0.25; Louvain, seeded so runs agree; people with no tie
form the group "unconnected"), by tag or by instance — measure each group
over the period and say what it is: off-domain, network, community of
interest, emerging CoP or genuine CoP (first match wins), with the criteria
and their numbers. Beside the verdict: its activity (active, quiet for N
weeks), health signals (core and periphery, newcomers, returning members),
how stable the group is across detection seeds, and its trajectory (the
verdict week by week).

The period is the 12 weeks (--window) ending with the week of the newest
stored post, so the same database gives the same answer on any day; --week,
--until and --since move it. Thresholds come from the config file's
"thresholds:" mapping.

` + cmdutil.ExitCodesHelp,
		Example: `  copharvest communities
  copharvest communities --window 6w --week 2026-W47 --format markdown
  copharvest communities --by tag --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := analysis.ParseGrouping(opts.By); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if err := opts.Period.Check(); err != nil {
				return err
			}
			switch opts.Format {
			case "table", "markdown", "json", "csv":
			default:
				return cmdutil.FlagErrorf("--format must be table, markdown, json or csv")
			}
			if opts.Salt != "" && !opts.Pseudonymize {
				return cmdutil.FlagErrorf("--salt is the key of --pseudonymize; give both")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.By, "by", "graph", "group by graph, tag or instance")
	cmdutil.AddPeriodFlags(cmd.Flags(), &opts.Period, cmdutil.PeriodHelp{
		Week:   "end the period with this ISO week, e.g. 2026-W47 (default: the week of the newest stored post)",
		Window: "length of the period, in weeks (default 12w)",
	})
	cmd.Flags().StringVar(&opts.Format, "format", "table", "table, markdown, json or csv")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "seed of the community detection (same seed, same groups)")
	cmd.Flags().BoolVar(&opts.Pseudonymize, "pseudonymize", false, "replace accounts (members and group names) by keyed hashes")
	cmd.Flags().StringVar(&opts.Salt, "salt", "", "key for --pseudonymize (default: salt in the config file)")
	return cmd
}

// Run analyses and prints.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	thresholds, err := cmdutil.Thresholds(cfg)
	if err != nil {
		return err
	}
	loc, err := cmdutil.Location(opts.Period.TZ, cfg)
	if err != nil {
		return err
	}
	rename, err := cmdutil.AccountRenamer(opts.Pseudonymize, opts.Salt, cfg)
	if err != nil {
		return err
	}
	by, _ := analysis.ParseGrouping(opts.By)
	st, err := store.OpenExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	end, why, ok, err := analysis.DefaultEnd(ctx, st)
	if err != nil {
		return err
	}
	if !ok && opts.Period.Until == "" && opts.Period.Week == "" {
		return fmt.Errorf("no posts stored in %s yet: run copharvest sync first", cfg.DB)
	}
	p, err := cmdutil.ResolvePeriod(&opts.Period, loc, period.Anchor{Now: opts.Now(), DefaultEnd: end, DefaultEndReason: why, DefaultWeeks: DefaultWeeks})
	if err != nil {
		return err
	}
	res, err := analysis.Run(ctx, st, analysis.Options{By: by, Period: p,
		Thresholds: thresholds, Seed: opts.Seed, Save: by == analysis.ByGraph})
	if err != nil {
		return err
	}
	if rename != nil {
		res.Rename(rename)
	}
	if res.Posts > 0 && res.Classified < res.Posts {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %d of %d posts are not classified yet: run copharvest classify\n", res.Posts-res.Classified, res.Posts)
	}
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		return WriteCSV(opts.IO.Out, res)
	default:
		return Print(opts.IO.Out, res, opts.Format == "markdown")
	}
}

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
