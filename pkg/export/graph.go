package export

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/store"
)

// GEXFVersions are the GEXF versions Graph writes; the first is the default
// because every reader knows it (networkx reads only 1.1draft and 1.2draft).
var GEXFVersions = []string{"1.2draft", "1.3"}

// Graph writes the interaction network: accounts as nodes (with instance,
// community, verdict, posts, opted_out), one directed edge per (source,
// target, kind) with weight = how many such interactions and their first
// and last time; self-loops only with opts.SelfLoops. Format gexf (Gephi,
// networkx) or graphml (NodeXL, igraph, vosonSML). Nodes stream first, then
// edges, as both formats require.
func Graph(ctx context.Context, st *store.Store, w io.Writer, opts Options) (Stats, error) {
	var g graphWriter
	switch opts.Format {
	case "gexf":
		switch opts.GEXFVersion {
		case "", "1.2draft":
			g = &gexfWriter{ns: "http://www.gexf.net/1.2draft", version: "1.2"}
		case "1.3":
			g = &gexfWriter{ns: "http://gexf.net/1.3", version: "1.3"}
		default:
			return Stats{}, fmt.Errorf("export graph: GEXF version must be 1.2draft or 1.3, not %q", opts.GEXFVersion)
		}
	case "graphml":
		g = &graphmlWriter{}
	default:
		return Stats{}, fmt.Errorf("export graph: the format must be gexf or graphml, not %q", opts.Format)
	}
	if len(opts.Columns) > 0 {
		return Stats{}, fmt.Errorf("export graph: a column selection applies to csv and jsonl exports only")
	}
	rc, err := newRowContext(ctx, st, opts)
	if err != nil {
		return Stats{}, fmt.Errorf("export graph: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	x := &xmlOut{w: bw}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	g.begin(x, now, opts.Filter)
	var stats Stats
	err = st.ExportAccounts(ctx, opts.Filter, false, func(a *store.AccountRow) error {
		stats.Rows++
		g.node(x, graphNode{ID: nodeID(rc.account(a.Acct)), Instance: rc.instance(instanceOf(a.Acct)), Community: rc.community(a.CommunityID),
			Verdict: a.Verdict, Posts: a.Posts, OptedOut: a.OptedOut})
		return x.err
	})
	if err != nil {
		return stats, fmt.Errorf("export graph nodes: %w", err)
	}
	g.between(x)
	err = st.ExportTies(ctx, opts.Filter, func(t *store.TieRow) error {
		if t.Source == t.Target && !opts.SelfLoops {
			stats.SelfLoops++
			return nil
		}
		g.edge(x, stats.Edges, graphEdge{Source: nodeID(rc.account(t.Source)), Target: nodeID(rc.account(t.Target)), Kind: t.Kind,
			Count: t.Count, First: t.First, Last: t.Last})
		stats.Edges++
		return x.err
	})
	if err != nil {
		return stats, fmt.Errorf("export graph edges: %w", err)
	}
	g.end(x)
	if x.err != nil {
		return stats, x.err
	}
	return stats, bw.Flush()
}

// nodeID is an account as a node id that survives XML: characters XML 1.0
// cannot hold (control characters, U+FFFE, invalid UTF-8) and "%" itself
// are percent-encoded, byte by byte. Real accounts contain none of them and
// keep their name; two accounts that differ only in such characters keep
// two ids (XML escaping would turn both into U+FFFD and merge them).
func nodeID(acct string) string {
	if utf8.ValidString(acct) && strings.IndexFunc(acct, func(r rune) bool { return r == '%' || !xmlChar(r) }) < 0 {
		return acct
	}
	var b strings.Builder
	for i := 0; i < len(acct); {
		r, size := utf8.DecodeRuneInString(acct[i:])
		if r == '%' || !xmlChar(r) || (r == utf8.RuneError && size == 1) {
			for _, c := range []byte(acct[i : i+size]) {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		} else {
			b.WriteString(acct[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar: the Char production of XML 1.0.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

type graphNode struct {
	ID, Instance       string
	Community, Verdict string
	Posts              int64
	OptedOut           bool
}

type graphEdge struct {
	Source, Target, Kind string
	Count                int64
	First, Last          time.Time
}

type graphWriter interface {
	begin(x *xmlOut, now time.Time, f store.ExportFilter)
	node(x *xmlOut, n graphNode)
	between(x *xmlOut)
	edge(x *xmlOut, i int, e graphEdge)
	end(x *xmlOut)
}

// xmlOut writes XML text and keeps the first error.
type xmlOut struct {
	w   *bufio.Writer
	err error
}

func (x *xmlOut) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// text writes s escaped for element content or an attribute value; XML
// escaping also replaces characters XML 1.0 does not allow.
func (x *xmlOut) text(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

// attr writes ` name="value"`.
func (x *xmlOut) attr(name, value string) {
	x.raw(" " + name + `="`)
	x.text(value)
	x.raw(`"`)
}

func windowText(f store.ExportFilter) string {
	s := "all stored interactions"
	if !f.Since.IsZero() || !f.Until.IsZero() {
		s = "interactions on posts from " + formatTime(f.Since) + " to " + formatTime(f.Until)
	}
	if f.ExcludeOptedOut {
		s += ", opted-out accounts left out"
	}
	return s
}

// gexfWriter writes GEXF 1.2draft or 1.3. The weight is the edge's own
// weight attribute, which Gephi and networkx read as the weight; the kind
// is an attribute (and in 1.3 also the edge kind, so Gephi keeps parallel
// edges of different kinds apart).
type gexfWriter struct{ ns, version string }

func (g gexfWriter) begin(x *xmlOut, now time.Time, f store.ExportFilter) {
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="` + g.ns + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="` + g.ns + ` ` + g.ns + `/gexf.xsd" version="` + g.version + `">
  <meta lastmodifieddate="` + now.UTC().Format("2006-01-02") + `">
    <creator>copharvest</creator>
    <description>`)
	x.text("Mastodon interaction network (reply, mention, boost, favourite): " + windowText(f))
	x.raw(`</description>
  </meta>
  <graph mode="static" defaultedgetype="directed">
    <attributes class="node" mode="static">
      <attribute id="instance" title="instance" type="string"/>
      <attribute id="community" title="community" type="string"/>
      <attribute id="verdict" title="verdict" type="string"/>
      <attribute id="posts" title="posts" type="integer"/>
      <attribute id="opted_out" title="opted_out" type="boolean"/>
    </attributes>
    <attributes class="edge" mode="static">
      <attribute id="kind" title="kind" type="string"/>
      <attribute id="first" title="first" type="string"/>
      <attribute id="last" title="last" type="string"/>
    </attributes>
    <nodes>
`)
}

func (gexfWriter) node(x *xmlOut, n graphNode) {
	x.raw("      <node")
	x.attr("id", n.ID)
	x.attr("label", n.ID)
	x.raw(">\n        <attvalues>\n")
	for _, kv := range [][2]string{{"instance", n.Instance}, {"community", n.Community}, {"verdict", n.Verdict},
		{"posts", strconv.FormatInt(n.Posts, 10)}, {"opted_out", strconv.FormatBool(n.OptedOut)}} {
		x.raw(`          <attvalue for="` + kv[0] + `"`)
		x.attr("value", kv[1])
		x.raw("/>\n")
	}
	x.raw("        </attvalues>\n      </node>\n")
}

func (gexfWriter) between(x *xmlOut) { x.raw("    </nodes>\n    <edges>\n") }

func (g gexfWriter) edge(x *xmlOut, i int, e graphEdge) {
	x.raw(`      <edge id="e` + strconv.Itoa(i) + `"`)
	x.attr("source", e.Source)
	x.attr("target", e.Target)
	if g.version == "1.3" {
		x.attr("kind", e.Kind)
	}
	x.attr("label", e.Kind)
	x.raw(` weight="` + strconv.FormatInt(e.Count, 10) + `">` + "\n        <attvalues>\n")
	for _, kv := range [][2]string{{"kind", e.Kind}, {"first", formatTime(e.First)}, {"last", formatTime(e.Last)}} {
		x.raw(`          <attvalue for="` + kv[0] + `"`)
		x.attr("value", kv[1])
		x.raw("/>\n")
	}
	x.raw("        </attvalues>\n      </edge>\n")
}

func (gexfWriter) end(x *xmlOut) { x.raw("    </edges>\n  </graph>\n</gexf>\n") }

// graphmlWriter writes GraphML (http://graphml.graphdrawing.org/xmlns).
type graphmlWriter struct{}

func (graphmlWriter) begin(x *xmlOut, now time.Time, f store.ExportFilter) {
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
  <desc>`)
	x.text("copharvest " + now.UTC().Format("2006-01-02") + ": Mastodon interaction network, " + windowText(f))
	x.raw(`</desc>
  <key id="instance" for="node" attr.name="instance" attr.type="string"/>
  <key id="community" for="node" attr.name="community" attr.type="string"/>
  <key id="verdict" for="node" attr.name="verdict" attr.type="string"/>
  <key id="posts" for="node" attr.name="posts" attr.type="int"><default>0</default></key>
  <key id="opted_out" for="node" attr.name="opted_out" attr.type="boolean"><default>false</default></key>
  <key id="kind" for="edge" attr.name="kind" attr.type="string"/>
  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>
  <key id="first" for="edge" attr.name="first" attr.type="string"/>
  <key id="last" for="edge" attr.name="last" attr.type="string"/>
  <graph id="interactions" edgedefault="directed">
`)
}

func (graphmlWriter) node(x *xmlOut, n graphNode) {
	x.raw("    <node")
	x.attr("id", n.ID)
	x.raw(">")
	for _, kv := range [][2]string{{"instance", n.Instance}, {"community", n.Community}, {"verdict", n.Verdict},
		{"posts", strconv.FormatInt(n.Posts, 10)}, {"opted_out", strconv.FormatBool(n.OptedOut)}} {
		x.raw(`<data key="` + kv[0] + `">`)
		x.text(kv[1])
		x.raw("</data>")
	}
	x.raw("</node>\n")
}

func (graphmlWriter) between(*xmlOut) {}

func (graphmlWriter) edge(x *xmlOut, i int, e graphEdge) {
	x.raw(`    <edge id="e` + strconv.Itoa(i) + `"`)
	x.attr("source", e.Source)
	x.attr("target", e.Target)
	x.raw(">")
	for _, kv := range [][2]string{{"kind", e.Kind}, {"weight", strconv.FormatInt(e.Count, 10)},
		{"first", formatTime(e.First)}, {"last", formatTime(e.Last)}} {
		x.raw(`<data key="` + kv[0] + `">`)
		x.text(kv[1])
		x.raw("</data>")
	}
	x.raw("</edge>\n")
}

func (graphmlWriter) end(x *xmlOut) { x.raw("  </graph>\n</graphml>\n") }
