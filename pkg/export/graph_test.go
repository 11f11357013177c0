package export

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/pkg/store"
)

// The GEXF 1.3 and GraphML schemas (gexf.xsd, graphml.xsd) cannot be
// fetched here, so these tests check what those schemas require of the
// elements copharvest writes: the namespace and version, the element order,
// the allowed values of the enumerated attributes, unique ids, attribute
// values that parse as their declared type, and edges whose ends are
// declared nodes.

type gexfDoc struct {
	XMLName xml.Name `xml:"gexf"`
	Version string   `xml:"version,attr"`
	Meta    struct {
		LastModified string `xml:"lastmodifieddate,attr"`
		Creator      string `xml:"creator"`
	} `xml:"meta"`
	Graphs []struct {
		Mode            string `xml:"mode,attr"`
		DefaultEdgeType string `xml:"defaultedgetype,attr"`
		Children        []struct {
			XMLName    xml.Name
			Class      string `xml:"class,attr"`
			Attributes []struct {
				ID    string `xml:"id,attr"`
				Title string `xml:"title,attr"`
				Type  string `xml:"type,attr"`
			} `xml:"attribute"`
			Nodes []struct {
				ID        string     `xml:"id,attr"`
				Label     string     `xml:"label,attr"`
				AttValues []attValue `xml:"attvalues>attvalue"`
			} `xml:"node"`
			Edges []struct {
				ID        string     `xml:"id,attr"`
				Source    string     `xml:"source,attr"`
				Target    string     `xml:"target,attr"`
				Kind      string     `xml:"kind,attr"`
				Weight    string     `xml:"weight,attr"`
				AttValues []attValue `xml:"attvalues>attvalue"`
			} `xml:"edge"`
		} `xml:",any"`
	} `xml:"graph"`
}

type attValue struct {
	For   string `xml:"for,attr"`
	Value string `xml:"value,attr"`
}

// validValue says whether v is a valid lexical value of an XML Schema
// type as GEXF and GraphML name them.
func validValue(typ, v string) bool {
	var err error
	switch typ {
	case "integer", "long", "int":
		_, err = strconv.ParseInt(v, 10, 64)
	case "double", "float":
		_, err = strconv.ParseFloat(v, 64)
	case "boolean":
		if v != "true" && v != "false" && v != "1" && v != "0" {
			return false
		}
	case "string":
	default:
		return false
	}
	return err == nil
}

// gexfNamespaces are the namespaces of the GEXF versions copharvest writes.
var gexfNamespaces = map[string]string{"1.2": "http://www.gexf.net/1.2draft", "1.3": "http://gexf.net/1.3"}

// ValidateGEXF checks a document against the structure of GEXF 1.2draft or
// 1.3 (the same for the elements copharvest writes, but for the edge's
// kind, only in 1.3).
func validateGEXF(data string) (nodes, edges int, err error) {
	var doc gexfDoc
	if err := xml.Unmarshal([]byte(data), &doc); err != nil {
		return 0, 0, fmt.Errorf("not GEXF: %w", err)
	}
	ns := doc.XMLName.Space
	if gexfNamespaces[doc.Version] != ns {
		return 0, 0, fmt.Errorf("version %q in namespace %q", doc.Version, ns)
	}
	if _, err := time.Parse("2006-01-02", doc.Meta.LastModified); err != nil {
		return 0, 0, fmt.Errorf("lastmodifieddate %q is not an xs:date", doc.Meta.LastModified)
	}
	if len(doc.Graphs) != 1 {
		return 0, 0, fmt.Errorf("%d graph elements, want 1", len(doc.Graphs))
	}
	g := doc.Graphs[0]
	if !slices.Contains([]string{"static", "dynamic"}, g.Mode) || !slices.Contains([]string{"directed", "undirected", "mutual"}, g.DefaultEdgeType) {
		return 0, 0, fmt.Errorf("graph mode %q defaultedgetype %q", g.Mode, g.DefaultEdgeType)
	}
	declared := map[string]map[string]string{"node": {}, "edge": {}}
	nodeIDs := map[string]bool{}
	edgeIDs := map[string]bool{}
	stage := 0 // attributes (0), nodes (1), edges (2): the schema's order
	for _, c := range g.Children {
		order := map[string]int{"attributes": 0, "nodes": 1, "edges": 2}[c.XMLName.Local]
		if c.XMLName.Space != ns || order < stage {
			return 0, 0, fmt.Errorf("element %v out of place", c.XMLName)
		}
		stage = order
		switch c.XMLName.Local {
		case "attributes":
			if declared[c.Class] == nil {
				return 0, 0, fmt.Errorf("attributes class %q", c.Class)
			}
			for _, a := range c.Attributes {
				if a.ID == "" || a.Title == "" || !slices.Contains([]string{"integer", "long", "double", "float", "boolean", "string"}, a.Type) {
					return 0, 0, fmt.Errorf("attribute %+v", a)
				}
				declared[c.Class][a.ID] = a.Type
			}
		case "nodes":
			for _, n := range c.Nodes {
				if n.ID == "" || nodeIDs[n.ID] {
					return 0, 0, fmt.Errorf("node id %q empty or repeated", n.ID)
				}
				nodeIDs[n.ID] = true
				if err := checkAttValues("node "+n.ID, n.AttValues, declared["node"]); err != nil {
					return 0, 0, err
				}
			}
			nodes += len(c.Nodes)
		case "edges":
			for _, e := range c.Edges {
				if e.ID == "" || edgeIDs[e.ID] {
					return 0, 0, fmt.Errorf("edge id %q empty or repeated", e.ID)
				}
				edgeIDs[e.ID] = true
				if !nodeIDs[e.Source] || !nodeIDs[e.Target] {
					return 0, 0, fmt.Errorf("edge %s: %q -> %q names an undeclared node", e.ID, e.Source, e.Target)
				}
				if e.Kind != "" && doc.Version != "1.3" {
					return 0, 0, fmt.Errorf("edge %s: kind is a GEXF 1.3 attribute", e.ID)
				}
				if _, err := strconv.ParseFloat(e.Weight, 64); e.Weight != "" && err != nil {
					return 0, 0, fmt.Errorf("edge %s weight %q", e.ID, e.Weight)
				}
				if err := checkAttValues("edge "+e.ID, e.AttValues, declared["edge"]); err != nil {
					return 0, 0, err
				}
			}
			edges += len(c.Edges)
		default:
			return 0, 0, fmt.Errorf("unknown element %v in graph", c.XMLName)
		}
	}
	return nodes, edges, nil
}

func checkAttValues(what string, values []attValue, declared map[string]string) error {
	for _, v := range values {
		typ, ok := declared[v.For]
		if !ok {
			return fmt.Errorf("%s: attvalue for undeclared attribute %q", what, v.For)
		}
		if !validValue(typ, v.Value) {
			return fmt.Errorf("%s: %q is not a valid %s", what, v.Value, typ)
		}
	}
	return nil
}

type graphmlDoc struct {
	XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
	Keys    []struct {
		ID   string `xml:"id,attr"`
		For  string `xml:"for,attr"`
		Name string `xml:"attr.name,attr"`
		Type string `xml:"attr.type,attr"`
	} `xml:"http://graphml.graphdrawing.org/xmlns key"`
	Children []struct {
		XMLName xml.Name
	} `xml:",any"`
	Graphs []struct {
		EdgeDefault string `xml:"edgedefault,attr"`
		Nodes       []struct {
			ID   string      `xml:"id,attr"`
			Data []graphData `xml:"http://graphml.graphdrawing.org/xmlns data"`
		} `xml:"http://graphml.graphdrawing.org/xmlns node"`
		Edges []struct {
			ID     string      `xml:"id,attr"`
			Source string      `xml:"source,attr"`
			Target string      `xml:"target,attr"`
			Data   []graphData `xml:"http://graphml.graphdrawing.org/xmlns data"`
		} `xml:"http://graphml.graphdrawing.org/xmlns edge"`
	} `xml:"http://graphml.graphdrawing.org/xmlns graph"`
}

type graphData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

func validateGraphML(data string) (nodes, edges int, err error) {
	var doc graphmlDoc
	if err := xml.Unmarshal([]byte(data), &doc); err != nil {
		return 0, 0, fmt.Errorf("not XML in the GraphML namespace: %w", err)
	}
	// The schema's order: desc?, key*, then graph or data.
	seenGraph := false
	for _, c := range doc.Children {
		switch c.XMLName.Local {
		case "desc":
			if seenGraph {
				return 0, 0, fmt.Errorf("desc after graph")
			}
		case "key":
			if seenGraph {
				return 0, 0, fmt.Errorf("key after graph")
			}
		case "graph":
			seenGraph = true
		default:
			return 0, 0, fmt.Errorf("unexpected element %v", c.XMLName)
		}
	}
	keys := map[string][2]string{}
	for _, k := range doc.Keys {
		if k.ID == "" || keys[k.ID] != [2]string{} || !slices.Contains([]string{"node", "edge", "graph", "all"}, k.For) ||
			!slices.Contains([]string{"boolean", "int", "long", "float", "double", "string"}, k.Type) {
			return 0, 0, fmt.Errorf("key %+v", k)
		}
		keys[k.ID] = [2]string{k.For, k.Type}
	}
	if len(doc.Graphs) != 1 || !slices.Contains([]string{"directed", "undirected"}, doc.Graphs[0].EdgeDefault) {
		return 0, 0, fmt.Errorf("want one graph with edgedefault directed or undirected")
	}
	g := doc.Graphs[0]
	check := func(what, class string, data []graphData) error {
		for _, d := range data {
			k, ok := keys[d.Key]
			if !ok || (k[0] != class && k[0] != "all") {
				return fmt.Errorf("%s: data for key %q not declared for %s", what, d.Key, class)
			}
			if !validValue(k[1], d.Value) {
				return fmt.Errorf("%s: %q is not a valid %s", what, d.Value, k[1])
			}
		}
		return nil
	}
	ids := map[string]bool{}
	for _, n := range g.Nodes {
		if n.ID == "" || ids[n.ID] {
			return 0, 0, fmt.Errorf("node id %q empty or repeated", n.ID)
		}
		ids[n.ID] = true
		if err := check("node "+n.ID, "node", n.Data); err != nil {
			return 0, 0, err
		}
	}
	for _, e := range g.Edges {
		if !ids[e.Source] || !ids[e.Target] {
			return 0, 0, fmt.Errorf("edge %s: %q -> %q names an undeclared node", e.ID, e.Source, e.Target)
		}
		if err := check("edge "+e.ID, "edge", e.Data); err != nil {
			return 0, 0, err
		}
	}
	return len(g.Nodes), len(g.Edges), nil
}

func TestGEXFAndGraphMLStructure(t *testing.T) {
	st := course(t)
	p, _ := NewPseudonymizer("k")
	// Six accounts; one edge per (source, target, kind) the store aggregates.
	for _, pseudo := range []*Pseudonymizer{nil, p} {
		for format, validate := range map[string]func(string) (int, int, error){"gexf": validateGEXF, "gexf1.3": validateGEXF, "graphml": validateGraphML} {
			opts := Options{Format: format, Pseudonymizer: pseudo}
			if format == "gexf1.3" {
				opts.Format, opts.GEXFVersion = "gexf", "1.3"
			}
			data := export(t, st, "graph", opts)
			nodes, edges, err := validate(data)
			if err != nil {
				t.Fatalf("%s (pseudonymised %v): %v", format, pseudo != nil, err)
			}
			if nodes != 6 {
				t.Errorf("%s: %d nodes, want the 6 accounts", format, nodes)
			}
			var want int
			st.ExportTies(t.Context(), store.ExportFilter{}, func(r *store.TieRow) error {
				if r.Source != r.Target {
					want++
				}
				return nil
			})
			if edges != want || want < 10 {
				t.Errorf("%s: %d edges, want %d (one per source, target, kind; no self-loops)", format, edges, want)
			}
		}
	}
	gexf := export(t, st, "graph", Options{Format: "gexf", GEXFVersion: "1.3"})
	for _, want := range []string{`kind="reply"`, `kind="mention"`, `kind="boost"`, `kind="favourite"`, `<attvalue for="verdict"`} {
		if !strings.Contains(gexf, want) {
			t.Errorf("GEXF 1.3 lacks %s", want)
		}
	}
}

func TestValidatorsRejectBrokenGraphs(t *testing.T) {
	st := course(t)
	gexf := export(t, st, "graph", Options{Format: "gexf"})
	gexf13 := export(t, st, "graph", Options{Format: "gexf", GEXFVersion: "1.3"})
	graphml := export(t, st, "graph", Options{Format: "graphml"})
	for name, broken := range map[string]string{
		"undeclared node":  strings.Replace(gexf, `source="bo@`, `source="zz@`, 1),
		"bad integer":      strings.Replace(gexf, `<attvalue for="posts" value="4"`, `<attvalue for="posts" value="four"`, 1),
		"wrong namespace":  strings.Replace(gexf13, "http://gexf.net/1.3\" xmlns:xsi", "http://www.gexf.net/1.2draft\" xmlns:xsi", 1),
		"kind in 1.2draft": strings.Replace(gexf, `label="reply"`, `kind="reply" label="reply"`, 1),
		"edge type":        strings.Replace(gexf, `defaultedgetype="directed"`, `defaultedgetype="sideways"`, 1),
	} {
		if _, _, err := validateGEXF(broken); err == nil {
			t.Errorf("GEXF validator accepted %s", name)
		}
	}
	for name, broken := range map[string]string{
		"undeclared node": strings.Replace(graphml, `source="bo@`, `source="zz@`, 1),
		"undeclared key":  strings.Replace(graphml, `<data key="kind">`, `<data key="kinds">`, 1),
		"bad boolean":     strings.Replace(graphml, `<data key="opted_out">false`, `<data key="opted_out">nope`, 1),
	} {
		if _, _, err := validateGraphML(broken); err == nil {
			t.Errorf("GraphML validator accepted %s", name)
		}
	}
}
