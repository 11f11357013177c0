package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/tableprinter"
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteText writes the report as terminal tables (markdown false) or as
// paste-ready Markdown.
func WriteText(w io.Writer, rep *Report, markdown bool) error {
	tw := &textWriter{w: w, markdown: markdown}
	p := rep.Period
	loc, _ := time.LoadLocation(p.TimeZone)
	if loc == nil {
		loc = time.UTC
	}
	title := fmt.Sprintf("Weekly report %s: %s to %s (%s)", p.Label, p.Start.In(loc).Format("Mon 2 Jan 2006 15:04"),
		p.End.In(loc).Format("Mon 2 Jan 2006 15:04"), p.TimeZone)
	if markdown {
		tw.printf("# %s\n", title)
	} else {
		tw.printf("%s\n", title)
	}
	tw.printf("Period: %s\n", p.Reason)
	t := rep.Totals
	tw.section("Summary")
	tw.table([]string{"posts", "replies", "active members", "new", "returning", "threads started", "threads answered", "questions", "unanswered"},
		[][]string{{change(t.Posts, t.PreviousPosts), itoa(t.Replies), change(t.ActiveMembers, t.PreviousActive), itoa(t.NewMembers),
			itoa(t.ReturningMembers), itoa(t.ThreadsStarted), itoa(t.ThreadsAnswered), itoa(t.Questions), itoa(t.Unanswered)}})
	tw.printf("(in brackets: change since the period before)\n")

	tw.section("Posts per day")
	var rows [][]string
	for _, d := range rep.Days {
		rows = append(rows, []string{d.Weekday, d.Date, itoa(d.Posts), itoa(d.Replies)})
	}
	tw.table([]string{"day", "date", "posts", "replies"}, rows)

	tw.section("Members over time")
	rows = nil
	for _, p := range rep.Trend {
		rows = append(rows, []string{p.Label, itoa(p.Posts), itoa(p.Active), itoa(p.New), itoa(p.Returning)})
	}
	tw.table([]string{"period", "posts", "active", "new", "returning"}, rows)
	if len(rep.NewMembers) > 0 {
		tw.printf("\nNew this period (%d): %s\n", t.NewMembers, tw.cell(strings.Join(rep.NewMembers, ", "), 0))
	}

	tw.section(fmt.Sprintf("Questions nobody has answered yet (%d of %d)", t.Unanswered, t.Questions))
	tw.posts(rep.Unanswered, loc, false)

	tw.section("Most shared resources")
	tw.resources(rep.Resources, "resource")
	tw.section("Most used tools")
	tw.resources(rep.Tools, "tool")

	tw.section("Tags used together")
	rows = nil
	for _, p := range rep.TagPairs {
		rows = append(rows, []string{tw.cell("#"+p.A+" + #"+p.B, 0), itoa(p.Posts)})
	}
	tw.table([]string{"tags", "posts"}, rows)

	cp := rep.CommunityPeriod
	tw.section(fmt.Sprintf("Communities (%s, %s to %s UTC; change since a week earlier)", cp.Label,
		cp.Since.Format("2006-01-02"), cp.Until.Add(-time.Second).Format("2006-01-02")))
	tw.printf("%s\n\n", rep.CommunityAccounting) // a blank line: a Markdown table cannot follow a paragraph line
	rows = nil
	for _, c := range rep.Communities[:t.CommunitiesShown] {
		rows = append(rows, []string{tw.cell(c.ID, 0), tw.cell(string(c.Verdict), 0), tw.cell(c.Change, 0), tw.cell(c.Activity.State, 0), itoa(c.Members), signed(c.Posts, c.PostsChange),
			pct(c.DomainShare), pct(c.CommunityShare), pct(c.PracticeShare), tw.cell(c.TrajectoryLine, 0)})
	}
	tw.table([]string{"community", "verdict", "change", "activity", "members", "posts", "domain", "community", "practice", "trajectory"}, rows)
	if t.CommunitiesInView > t.CommunitiesShown {
		tw.printf("(%d more in --format json and copharvest communities)\n", t.CommunitiesInView-t.CommunitiesShown)
	}
	for _, c := range rep.Communities[:t.CommunitiesShown] {
		bullet := "\n"
		if tw.markdown {
			bullet = "\n- "
		}
		tw.printf("%s%s — %s (%s): %s. Health: %s. Members: %s\n", bullet, tw.cell(c.ID, 0), c.Verdict, c.Activity.Text, tw.cell(c.Why, 0),
			strings.Join(c.Health, "; "), tw.cell(strings.Join(c.MemberList, ", "), 0))
	}

	tw.section("Practice being shared")
	tw.posts(rep.Practice, loc, true)
	tw.section(fmt.Sprintf("Ideas for practice proposed (%d)", t.IdeasForPractice))
	tw.posts(rep.Ideas, loc, false)

	if len(rep.Notes) > 0 {
		tw.section("Notes")
		for _, n := range rep.Notes {
			tw.printf("- %s\n", n)
		}
	}
	return tw.err
}

type textWriter struct {
	w        io.Writer
	markdown bool
	err      error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) section(title string) {
	if t.markdown {
		t.printf("\n## %s\n\n", title)
	} else {
		t.printf("\n%s\n", strings.ToUpper(title[:1])+title[1:])
	}
}

func (t *textWriter) table(headers []string, rows [][]string) {
	if len(rows) == 0 {
		t.printf("(none)\n")
		return
	}
	if t.err == nil {
		t.err = tableprinter.Render(t.w, t.markdown, headers, rows)
	}
}

// cell shortens s to max runes (0: no limit) and, in Markdown, escapes
// what would break the table or be read as HTML.
func (t *textWriter) cell(s string, max int) string {
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	if t.markdown {
		s = markdownText(s)
	}
	return s
}

// markdownText makes s literal text in a GitHub-flavoured Markdown table
// cell: every ASCII punctuation character is backslash-escaped (no
// emphasis, link, image, raw HTML, entity or table break can form, and an
// escaped ':' or '.' stops the autolinker from making http://, ftp:// or
// www. text a link), line breaks become spaces, and a word containing '@'
// (a handle or an e-mail address, which the autolinker would turn into a
// mailto: link whatever is escaped) goes in a code span.
func markdownText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if j := emailLikeEnd(s, i); j > i {
			b.WriteString("`" + s[i:j] + "`")
			i = j
			continue
		}
		c := s[i]
		switch {
		case c == '\n' || c == '\r' || c == '\t':
			b.WriteByte(' ')
		case c < utf8.RuneSelf && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

func emailByte(c byte) bool {
	return c == '.' || c == '-' || c == '_' || c == '+' || c == '@' ||
		('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// emailLikeEnd: when a run of e-mail characters containing '@' starts at
// i, its end; else i.
func emailLikeEnd(s string, i int) int {
	if i > 0 && emailByte(s[i-1]) {
		return i
	}
	j, at := i, false
	for j < len(s) && emailByte(s[j]) {
		at = at || s[j] == '@'
		j++
	}
	if !at {
		return i
	}
	return j
}

// markdownLink is a Markdown link to u when u is an http(s) address, with
// the characters that could end or break the destination percent-encoded;
// any other address (javascript:, data:, relative) is not linked.
func markdownLink(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "—"
	}
	return "[open](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E",
		"\\", "%5C", "|", "%7C", "`", "%60", "[", "%5B", "]", "%5D").Replace(p.String()) + ")"
}

func (t *textWriter) posts(list []PostRef, loc *time.Location, withScore bool) {
	var rows [][]string
	headers := []string{"when", "author", "post", "link"}
	if withScore {
		headers = []string{"when", "author", "score", "rules", "post", "link"}
	}
	for _, p := range list {
		when := p.At.In(loc).Format("Mon 15:04")
		link := p.URL
		if t.markdown {
			link = markdownLink(p.URL)
		}
		if withScore {
			rows = append(rows, []string{when, t.cell(p.Author, 0), strconv.FormatFloat(p.Score, 'f', -1, 64), t.cell(strings.Join(p.Rules, " "), 0), t.cell(p.Excerpt, 80), link})
		} else {
			rows = append(rows, []string{when, t.cell(p.Author, 0), t.cell(p.Excerpt, 80), link})
		}
	}
	t.table(headers, rows)
}

func (t *textWriter) resources(list []Resource, what string) {
	var rows [][]string
	for _, r := range list {
		rows = append(rows, []string{t.cell(r.Name, 70), itoa(r.Authors), itoa(r.Posts)})
	}
	t.table([]string{what, "authors", "posts"}, rows)
}

func itoa(n int) string { return strconv.Itoa(n) }

func pct(v float64) string { return strconv.Itoa(int(v*100+0.5)) + "%" }

// change is "n (+d)" against the previous value.
func change(n, prev int) string { return signed(n, n-prev) }

func signed(n, d int) string {
	switch {
	case d > 0:
		return fmt.Sprintf("%d (+%d)", n, d)
	case d < 0:
		return fmt.Sprintf("%d (%d)", n, d)
	}
	return fmt.Sprintf("%d (=)", n)
}
