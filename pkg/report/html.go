package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oeru/copharvest/pkg/community"
)

//go:embed report.html.tmpl
var htmlTemplate string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": pct, "itoa": itoa, "signed": signed, "change": change,
	"f": func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
	"when": func(t time.Time, tz string) string {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		return t.In(loc).Format("Mon 2 Jan 15:04")
	},
	"date": func(t time.Time) string { return t.Format("2006-01-02") },
}).Parse(htmlTemplate))

// Chart colours. Each chart has its own, so the screenshot test can tell
// that every chart was drawn.
const (
	ColorPosts     = "#1f5fbf"
	ColorReplies   = "#7fb2f0"
	ColorDomain    = "#e07b00"
	ColorCommunity = "#2a9d4b"
	ColorPractice  = "#7b3fc4"
	ColorNew       = "#d6246e"
	ColorReturning = "#12a4a4"
	ColorEdge      = "#9aa5b1"
)

// verdictColors colour the trajectory chart, one per verdict (none is used
// by another chart, so the screenshot test can find each).
var verdictColors = map[community.Verdict]string{
	community.OffDomain:           "#8d6e63",
	community.Network:             "#f4a259",
	community.CommunityOfInterest: "#e9d758",
	community.EmergingCoP:         "#5bc0eb",
	community.GenuineCoP:          "#0b6e4f",
}

// colorNoPost marks a week before a group's first post.
const colorNoPost = "#edf2f7"

// VerdictColor is the colour of v in the trajectory chart.
func VerdictColor(v community.Verdict) string {
	if c, ok := verdictColors[v]; ok {
		return c
	}
	return colorNoPost
}

// communityPalette colours the network's communities (cycled).
var communityPalette = []string{"#e4572e", "#17bebb", "#ffc914", "#2e282a", "#76b041", "#8e44ad", "#3d5a80", "#ee6c4d", "#98c1d9", "#b56576"}

// NetworkNodeColor is the colour of the largest community in the picture.
var NetworkNodeColor = communityPalette[0]

type svgRect struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type svgText struct {
	X, Y   float64
	Text   string
	Anchor string
}

type svgLine struct {
	X1, Y1, X2, Y2, Width float64
}

type svgCircle struct {
	X, Y, R float64
	Fill    string
	Title   string
}

type chart struct {
	Title, Desc   string
	Width, Height float64
	Rects         []svgRect
	Texts         []svgText
	Lines         []svgLine
	Grid          []svgLine
	Circles       []svgCircle
	Legend        []legendItem
}

type legendItem struct{ Color, Label string }

type htmlView struct {
	*Report
	Charts           []chart
	CommunitiesShown []Community
}

// WriteHTML writes the report as one self-contained HTML file: inline CSS
// and SVG, no script, font or image from anywhere; a Content-Security-Policy
// forbids loading any. Post text goes through html/template, so a post
// containing <script> shows as text.
func WriteHTML(w io.Writer, rep *Report) error {
	v := htmlView{Report: rep, CommunitiesShown: rep.Communities[:rep.Totals.CommunitiesShown]}
	v.Charts = []chart{activityChart(rep), triadChart(v.CommunitiesShown), membersChart(rep), networkChart(rep), trajectoryChart(v.CommunitiesShown)}
	if err := reportTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

const (
	chartW, chartH = 520.0, 260.0
	padL, padR     = 40.0, 10.0
	padT, padB     = 16.0, 40.0
)

// axis draws horizontal grid lines and their labels for values 0..max and
// returns the y scale.
func axis(c *chart, max int) func(v int) float64 {
	step := niceStep(max)
	top := step * int(math.Ceil(float64(max)/float64(step)))
	if top == 0 {
		top = step
	}
	plotH := c.Height - padT - padB
	y := func(v int) float64 { return padT + plotH - plotH*float64(v)/float64(top) }
	for v := 0; v <= top; v += step {
		c.Grid = append(c.Grid, svgLine{X1: padL, Y1: y(v), X2: c.Width - padR, Y2: y(v), Width: 1})
		c.Texts = append(c.Texts, svgText{X: padL - 6, Y: y(v) + 4, Text: itoa(v), Anchor: "end"})
	}
	return y
}

func niceStep(max int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000} {
		if max/s <= 5 {
			return s
		}
	}
	return max/5 + 1
}

func activityChart(rep *Report) chart {
	c := chart{Title: "Activity per day", Desc: "posts and replies per day", Width: chartW, Height: chartH,
		Legend: []legendItem{{ColorPosts, "posts"}, {ColorReplies, "of which replies"}}}
	max := 1
	for _, d := range rep.Days {
		max = int(math.Max(float64(max), float64(d.Posts)))
	}
	y := axis(&c, max)
	n := float64(len(rep.Days))
	slot := (c.Width - padL - padR) / math.Max(n, 1)
	for i, d := range rep.Days {
		x := padL + slot*float64(i) + slot*0.15
		w := slot * 0.7
		c.Rects = append(c.Rects,
			svgRect{X: x, Y: y(d.Posts), W: w, H: y(0) - y(d.Posts), Fill: ColorPosts, Title: fmt.Sprintf("%s %s: %d posts", d.Weekday, d.Date, d.Posts)},
			svgRect{X: x + w*0.25, Y: y(d.Replies), W: w * 0.5, H: y(0) - y(d.Replies), Fill: ColorReplies, Title: fmt.Sprintf("%s %s: %d replies", d.Weekday, d.Date, d.Replies)})
		label := d.Weekday
		if len(rep.Days) > 10 {
			label = d.Date[8:]
		}
		c.Texts = append(c.Texts, svgText{X: x + w/2, Y: c.Height - padB + 16, Text: label, Anchor: "middle"})
	}
	return c
}

func triadChart(list []Community) chart {
	c := chart{Title: "Triad per community", Desc: "share of posts showing domain, community and practice", Width: chartW, Height: chartH,
		Legend: []legendItem{{ColorDomain, "domain"}, {ColorCommunity, "community"}, {ColorPractice, "practice"}}}
	plotH := c.Height - padT - padB
	y := func(share float64) float64 { return padT + plotH - plotH*share }
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		c.Grid = append(c.Grid, svgLine{X1: padL, Y1: y(v), X2: c.Width - padR, Y2: y(v), Width: 1})
		c.Texts = append(c.Texts, svgText{X: padL - 6, Y: y(v) + 4, Text: pct(v), Anchor: "end"})
	}
	slot := (c.Width - padL - padR) / math.Max(float64(len(list)), 1)
	for i, cm := range list {
		x := padL + slot*float64(i) + slot*0.1
		w := slot * 0.8 / 3
		for j, s := range []struct {
			share float64
			color string
			name  string
		}{{cm.DomainShare, ColorDomain, "domain"}, {cm.CommunityShare, ColorCommunity, "community"}, {cm.PracticeShare, ColorPractice, "practice"}} {
			c.Rects = append(c.Rects, svgRect{X: x + w*float64(j), Y: y(s.share), W: w, H: y(0) - y(s.share), Fill: s.color,
				Title: fmt.Sprintf("%s (%s): %s %s", cm.ID, cm.Verdict, s.name, pct(s.share))})
		}
		c.Texts = append(c.Texts, svgText{X: x + w*1.5, Y: c.Height - padB + 16, Text: shortName(cm.ID, max(3, int(slot/6.5))), Anchor: "middle"})
	}
	if len(list) == 0 {
		c.Texts = append(c.Texts, svgText{X: c.Width / 2, Y: c.Height / 2, Text: "no community in this window", Anchor: "middle"})
	}
	return c
}

func membersChart(rep *Report) chart {
	c := chart{Title: "New and returning members", Desc: "active members per period: new (first post ever) and returning", Width: chartW, Height: chartH,
		Legend: []legendItem{{ColorNew, "new"}, {ColorReturning, "returning"}}}
	max := 1
	for _, p := range rep.Trend {
		max = int(math.Max(float64(max), float64(p.Active)))
	}
	y := axis(&c, max)
	slot := (c.Width - padL - padR) / math.Max(float64(len(rep.Trend)), 1)
	for i, p := range rep.Trend {
		x := padL + slot*float64(i) + slot*0.15
		w := slot * 0.7
		c.Rects = append(c.Rects,
			svgRect{X: x, Y: y(p.Returning), W: w, H: y(0) - y(p.Returning), Fill: ColorReturning, Title: fmt.Sprintf("%s: %d returning", p.Label, p.Returning)},
			svgRect{X: x, Y: y(p.Active), W: w, H: y(p.Returning) - y(p.Active), Fill: ColorNew, Title: fmt.Sprintf("%s: %d new", p.Label, p.New)})
		c.Texts = append(c.Texts, svgText{X: x + w/2, Y: c.Height - padB + 16, Text: axisLabel(p.Label), Anchor: "middle"})
	}
	return c
}

func networkChart(rep *Report) chart {
	net := rep.Network
	c := chart{Title: "Interaction network", Width: chartW, Height: chartW,
		Desc: fmt.Sprintf("replies, mentions and boosts of the period: %d of %d accounts, %d ties; colour = community", len(net.Nodes), net.Accounts, net.Ties)}
	const pad = 16.0
	size := c.Width - 2*pad
	maxEdge, maxNode := 0.0, 0.0
	for _, e := range net.Edges {
		maxEdge = math.Max(maxEdge, e.Weight)
	}
	for _, n := range net.Nodes {
		maxNode = math.Max(maxNode, n.Weight)
	}
	for _, e := range net.Edges {
		a, b := net.Nodes[e.A], net.Nodes[e.B]
		c.Lines = append(c.Lines, svgLine{X1: pad + a.X*size, Y1: pad + a.Y*size, X2: pad + b.X*size, Y2: pad + b.Y*size,
			Width: 0.5 + 3*e.Weight/maxEdge})
	}
	colors := map[string]string{}
	for _, n := range net.Nodes {
		if _, ok := colors[n.Community]; !ok {
			colors[n.Community] = communityPalette[len(colors)%len(communityPalette)]
		}
		circle := svgCircle{X: pad + n.X*size, Y: pad + n.Y*size, R: 4 + 8*math.Sqrt(n.Weight/maxNode),
			Fill: colors[n.Community], Title: n.Acct + " (" + n.Community + ")"}
		c.Circles = append(c.Circles, circle)
		if len(net.Nodes) <= 40 { // names stay readable only in a small network
			user, _, _ := strings.Cut(n.Acct, "@")
			c.Texts = append(c.Texts, svgText{X: circle.X, Y: circle.Y - circle.R - 3, Text: user, Anchor: "middle"})
		}
	}
	if len(net.Nodes) == 0 {
		c.Texts = append(c.Texts, svgText{X: c.Width / 2, Y: c.Height / 2, Text: "no interaction in this period", Anchor: "middle"})
	}
	return c
}

// trajectoryChart draws each community's verdict week by week (measured
// from the start of the community period to the end of each week): one row
// per community, one cell per week, coloured by verdict.
func trajectoryChart(list []Community) chart {
	c := chart{Title: "How each community got there", Width: chartW,
		Desc: "verdict from the start of the period to the end of each week; grey: no post yet"}
	for _, v := range []community.Verdict{community.OffDomain, community.Network, community.CommunityOfInterest, community.EmergingCoP, community.GenuineCoP} {
		c.Legend = append(c.Legend, legendItem{verdictColors[v], v.Short()})
	}
	const labelW, rowH, top = 120.0, 22.0, 8.0
	c.Height = top + rowH*float64(max(len(list), 1)) + 28
	weeks := 0
	for _, cm := range list {
		weeks = max(weeks, len(cm.Trajectory))
	}
	cellW := (c.Width - labelW - padR) / math.Max(float64(weeks), 1)
	for i, cm := range list {
		y := top + rowH*float64(i)
		c.Texts = append(c.Texts, svgText{X: labelW - 6, Y: y + rowH/2 + 4, Text: shortName(cm.ID, 18), Anchor: "end"})
		for j, step := range cm.Trajectory {
			verdict := string(step.Verdict)
			if verdict == "" {
				verdict = "no post yet"
			}
			c.Rects = append(c.Rects, svgRect{X: labelW + cellW*float64(j) + 1, Y: y + 2, W: cellW - 2, H: rowH - 4,
				Fill: VerdictColor(step.Verdict), Title: fmt.Sprintf("%s, %s: %s", cm.ID, step.Week, verdict)})
		}
	}
	if len(list) > 0 && weeks > 0 {
		first, last := list[0].Trajectory[0].Week, list[0].Trajectory[len(list[0].Trajectory)-1].Week
		yAxis := top + rowH*float64(len(list)) + 16
		c.Texts = append(c.Texts, svgText{X: labelW, Y: yAxis, Text: first, Anchor: "start"},
			svgText{X: c.Width - padR, Y: yAxis, Text: last, Anchor: "end"})
	} else {
		c.Texts = append(c.Texts, svgText{X: c.Width / 2, Y: c.Height / 2, Text: "no community in this window", Anchor: "middle"})
	}
	return c
}

func shortName(id string, n int) string {
	if r := []rune(id); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return id
}

// axisLabel shortens a trend label: "W47" of "2026-W47", the end date of
// "Nov 25 09:00 – Dec 2 09:00".
func axisLabel(label string) string {
	if i := strings.LastIndex(label, "-W"); i >= 0 {
		return label[i+1:]
	}
	if _, end, ok := strings.Cut(label, " – "); ok {
		if d, _, ok := strings.Cut(end, " "); ok {
			if rest, _, ok2 := strings.Cut(strings.TrimPrefix(end, d+" "), " "); ok2 {
				return d + " " + rest
			}
		}
		return end
	}
	return label
}
