package export

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oeru/copharvest/internal/testenv"

	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/store"
)

// These tests read the exports with the tools researchers use — networkx
// and pandas (Debian's python3-networkx and python3-pandas, under
// /usr/bin/python3) and DuckDB (npm @duckdb/node-api, installed under
// testdata/tools by .ci/run) — not only with our own parsers. A missing
// tool skips the test on a workstation and fails it in CI (CI=true).

const debianPython = "/usr/bin/python3"

func needTool(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	testenv.Missing(t, "%s is not installed (%v); .ci/run installs it", what, err)
}

// python runs a script with Debian's Python and returns its standard output.
func python(t *testing.T, modules, script string, args ...string) []byte {
	t.Helper()
	err := exec.Command(debianPython, "-c", "import "+modules).Run()
	needTool(t, "Debian python3 with "+modules, err)
	cmd := exec.Command(debianPython, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

// duckdb runs SQL statements in one DuckDB process and decodes the rows
// of each.
func duckdb(t *testing.T, sql ...string) [][]map[string]any {
	t.Helper()
	tools, _ := filepath.Abs("../../testdata/tools")
	_, err := os.Stat(filepath.Join(tools, "node_modules/@duckdb/node-api"))
	if err == nil {
		_, err = exec.LookPath("node")
	}
	needTool(t, "DuckDB for node (cd testdata/tools && npm ci)", err)
	cmd := exec.Command("node", append([]string{filepath.Join(tools, "duckdb-query.js")}, sql...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb %q: %v\n%s", sql, err, stderr.String())
	}
	var results [][]map[string]any
	if err := json.Unmarshal(out, &results); err != nil || len(results) != len(sql) {
		t.Fatalf("duckdb output: %v (%d results for %d statements)", err, len(results), len(sql))
	}
	return results
}

// Hostile accounts: they differ only in characters XML cannot hold.
const (
	hostileA = "mal\x01@evil.example"
	hostileB = "mal\x02@evil.example"
)

// hostileRaw is pretty-printed server JSON with an invalid UTF-8 byte and a
// line separator inside a string.
const hostileRaw = "{\n  \"id\": \"900\",\n  \"content\": \"bad \xff byte\u2028and a line separator\",\n  \"tags\": [\n    {\"name\": \"cop\"}\n  ]\n}\n"

// hostileCourse is the course plus posts a misbehaving server could send:
// invalid UTF-8, pretty-printed raw JSON, embedded newlines, U+2028, list
// items with spaces, accounts that XML escaping would merge, a self-reply,
// and a reply reached only through its conversation.
func hostileCourse(t *testing.T) *store.Store {
	t.Helper()
	st := course(t)
	ctx := context.Background()
	at := exporttest.Week47.Add(50 * time.Hour)
	acct := func(a string) store.Account { return store.Account{Acct: a, Username: "mal", Raw: []byte(hostileRaw)} }
	page := []store.Post{
		{URI: "https://evil.example/s/900", LocalID: "900", Account: acct(hostileA), CreatedAt: at,
			Text:     "@bo line one\nline two\r\nthree\u2028four \xff end",
			Tags:     []string{"cop", "a b"},
			Mentions: []string{"john smith@evil.example", exporttest.Bo},
			Links:    []store.Link{{URL: "https://evil.example/a b", Domain: "evil.example"}},
			Raw:      []byte(hostileRaw)},
		{URI: "https://evil.example/s/901", LocalID: "901", InReplyToLocalID: "900", InReplyToAcct: hostileA,
			Account: acct(hostileB), CreatedAt: at.Add(time.Minute), Text: "=1+1 and \"quotes\", commas", Tags: []string{"cop"},
			Raw: []byte(`{"id":"901"}`)},
		{URI: "https://evil.example/s/902", LocalID: "902", InReplyToLocalID: "900", InReplyToAcct: hostileA,
			Account: acct(hostileA), CreatedAt: at.Add(2 * time.Minute), Text: "replying to myself", Tags: []string{"cop"},
			Raw: []byte(`not json at all`)},
	}
	if _, err := st.SavePage(ctx, "evil.example", "cop", page, store.Cursor{Newest: "902"}); err != nil {
		t.Fatal(err)
	}
	thread := []store.Post{{URI: "https://evil.example/s/903", LocalID: "903", InReplyToLocalID: "901", InReplyToAcct: hostileB,
		Account: acct(hostileA), CreatedAt: at.Add(3 * time.Minute), Text: "-a reply without the tag", Raw: []byte(`{"id":"903"}`)}}
	if _, err := st.SaveThread(ctx, "evil.example", thread, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

func writeTemp(t *testing.T, name string, fill func(w *bytes.Buffer) (Stats, error)) (string, Stats) {
	t.Helper()
	var buf bytes.Buffer
	stats, err := fill(&buf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, stats
}

// TestNetworkxReadsGraphs: networkx reads the GEXF (default 1.2draft) and
// GraphML files with the node and edge counts copharvest reports, the same
// total weight, no self-loops unless asked, and two nodes for two accounts
// that differ only in characters XML forbids.
func TestNetworkxReadsGraphs(t *testing.T) {
	st := hostileCourse(t)
	ctx := context.Background()
	var weight, selfLoops int64
	err := st.ExportTies(ctx, store.ExportFilter{}, func(r *store.TieRow) error {
		if r.Source == r.Target {
			selfLoops++
		} else {
			weight += r.Count
		}
		return nil
	})
	if err != nil || selfLoops == 0 {
		t.Fatalf("the fixture needs self-loops: %d (%v)", selfLoops, err)
	}
	const script = `
import json, sys
import networkx as nx
path, fmt = sys.argv[1], sys.argv[2]
G = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
print(json.dumps({"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
  "weight": sum(w for _, _, w in G.edges(data="weight")), "self_loops": nx.number_of_selfloops(G),
  "ids": sorted(G.nodes())}))`
	for _, format := range []string{"gexf", "graphml"} {
		for _, keepLoops := range []bool{false, true} {
			path, stats := writeTemp(t, "network."+format, func(w *bytes.Buffer) (Stats, error) {
				return Graph(ctx, st, w, Options{Format: format, SelfLoops: keepLoops})
			})
			var got struct {
				Nodes, Edges int
				SelfLoops    int `json:"self_loops"`
				Weight       float64
				IDs          []string
			}
			if err := json.Unmarshal(python(t, "networkx", script, path, format), &got); err != nil {
				t.Fatal(err)
			}
			wantLoops := 0
			if keepLoops {
				wantLoops = int(selfLoops)
			} else if stats.SelfLoops != int(selfLoops) {
				t.Errorf("%s: stats say %d self-loops left out, want %d", format, stats.SelfLoops, selfLoops)
			}
			if got.Nodes != stats.Rows || got.Edges != stats.Edges || got.SelfLoops != wantLoops {
				t.Errorf("%s (self-loops %v): networkx reads %d nodes, %d edges, %d self-loops; copharvest wrote %d nodes, %d edges, want %d self-loops",
					format, keepLoops, got.Nodes, got.Edges, got.SelfLoops, stats.Rows, stats.Edges, wantLoops)
			}
			if !keepLoops && got.Weight != float64(weight) {
				t.Errorf("%s: networkx total weight %v, want %d", format, got.Weight, weight)
			}
			if !slices.Contains(got.IDs, "mal%01@evil.example") || !slices.Contains(got.IDs, "mal%02@evil.example") {
				t.Errorf("%s: the two accounts differing in a control character are not two nodes: %q", format, got.IDs)
			}
		}
	}
	for _, v := range []string{"1.3", "2.0"} {
		_, err := Graph(ctx, st, &bytes.Buffer{}, Options{Format: "gexf", GEXFVersion: v})
		if (err != nil) != (v == "2.0") {
			t.Errorf("GEXF version %s: %v", v, err)
		}
	}
}

func TestNodeIDIsInjectiveAndKeepsRealAccounts(t *testing.T) {
	for in, want := range map[string]string{
		"ana@mastodon.oeru.org": "ana@mastodon.oeru.org",
		"mal\x01@x":             "mal%01@x",
		"mal\x02@x":             "mal%02@x",
		"mal\xff@x":             "mal%FF@x",
		"mal%01@x":              "mal%2501@x",
		"mal\uFFFE@x":           "mal%EF%BF%BE@x",
		"mäori@x":               "mäori@x",
	} {
		if got := nodeID(in); got != want {
			t.Errorf("nodeID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestJSONLSurvivesHostileBytes: whatever the server sent, every line of
// a JSONL export is one valid, compact, UTF-8 JSON object, raw included,
// and lists stay whole; Python's splitlines (which splits at U+2028) and
// pandas read exactly one record per row.
func TestJSONLSurvivesHostileBytes(t *testing.T) {
	st := hostileCourse(t)
	ctx := context.Background()
	for _, dataset := range []string{"posts", "accounts"} {
		path, stats := writeTemp(t, dataset+".jsonl", func(w *bytes.Buffer) (Stats, error) {
			return Table(ctx, st, dataset, w, Options{Format: "jsonl"})
		})
		data, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(lines) != stats.Rows {
			t.Fatalf("%s: %d lines for %d rows", dataset, len(lines), stats.Rows)
		}
		for i, line := range lines {
			if !utf8.ValidString(line) || !json.Valid([]byte(line)) || strings.ContainsAny(line, "\u2028\u2029\r") {
				t.Fatalf("%s line %d is not one valid UTF-8 JSON line: %q", dataset, i+1, line)
			}
			var row map[string]any
			json.Unmarshal([]byte(line), &row)
			if raw, ok := row["raw"]; ok && raw != nil {
				if _, isObject := raw.(map[string]any); !isObject {
					t.Errorf("%s line %d: raw is %T, want an object", dataset, i+1, raw)
				}
			}
			if dataset == "posts" && row["uri"] == "https://evil.example/s/900" {
				raw := row["raw"].(map[string]any)
				if raw["content"] != "bad \uFFFD byte\u2028and a line separator" {
					t.Errorf("raw content %q", raw["content"])
				}
				if !slices.Equal(toStrings(row["mentions"]), []string{exporttest.Bo, "john smith@evil.example"}) ||
					!slices.Equal(toStrings(row["tags"]), []string{"a b", "cop"}) ||
					!slices.Equal(toStrings(row["links"]), []string{"https://evil.example/a b"}) {
					t.Errorf("lists split or lost: mentions %v tags %v links %v", row["mentions"], row["tags"], row["links"])
				}
				if row["text"] != "@bo line one\nline two\r\nthree\u2028four \uFFFD end" {
					t.Errorf("text %q", row["text"])
				}
			}
			if dataset == "posts" && row["uri"] == "https://evil.example/s/902" && row["raw"] != nil {
				t.Errorf("invalid raw JSON %v should be null", row["raw"])
			}
		}
		out := python(t, "pandas", `
import sys, pandas as pd
text = open(sys.argv[1], encoding="utf-8").read()
print(len(text.splitlines()), len(pd.read_json(sys.argv[1], lines=True, dtype=False)))`, path)
		if want := strings.Repeat(" "+itoa(stats.Rows), 2)[1:]; strings.TrimSpace(string(out)) != want {
			t.Errorf("%s: Python reads %q lines and records, want %q", dataset, strings.TrimSpace(string(out)), want)
		}
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// jsonlTexts reads uri → text from a JSONL posts export.
func jsonlTexts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	texts := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var row struct{ URI, Text string }
		if err := json.Unmarshal(line, &row); err != nil {
			t.Fatal(err)
		}
		texts[row.URI] = row.Text
	}
	return texts
}

// TestCSVRawAndParquetKeepTheText: pandas reads the --csv-raw CSV and
// DuckDB the Parquet file with the same text per post as JSONL, while the
// default CSV neutralises formula-like cells and counts them; DuckDB sees
// Parquet's columns typed.
func TestCSVRawAndParquetKeepTheText(t *testing.T) {
	st := hostileCourse(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Pacific/Auckland")
	export := func(name string, opts Options) (string, Stats) {
		opts.Location = loc
		return writeTemp(t, name, func(w *bytes.Buffer) (Stats, error) { return Table(ctx, st, "posts", w, opts) })
	}
	jsonlPath, _ := export("posts.jsonl", Options{Format: "jsonl"})
	rawPath, rawStats := export("raw.csv", Options{Format: "csv", CSVRaw: true})
	safePath, safeStats := export("safe.csv", Options{Format: "csv"})
	pqPath, pqStats := export("posts.parquet", Options{Format: "parquet"})
	jsonlData, _ := os.ReadFile(jsonlPath)
	want := jsonlTexts(t, jsonlData)
	if rawStats.Neutralized != 0 || safeStats.Neutralized < 5 || pqStats.Rows != len(want) {
		t.Errorf("neutralised cells: raw %d, safe %d (want 0 and several); parquet rows %d of %d", rawStats.Neutralized, safeStats.Neutralized, pqStats.Rows, len(want))
	}
	readCSV := `
import json, sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
print(json.dumps(dict(zip(df["uri"], df["text"]))))`
	for path, raw := range map[string]bool{rawPath: true, safePath: false} {
		var got map[string]string
		if err := json.Unmarshal(python(t, "pandas", readCSV, path), &got); err != nil {
			t.Fatal(err)
		}
		differ := 0
		for uri, text := range want {
			if got[uri] != text {
				differ++
				if raw || got[uri] != "'"+text {
					t.Errorf("%s: pandas reads %q for %s, JSONL has %q", filepath.Base(path), got[uri], uri, text)
				}
			}
		}
		if len(got) != len(want) || (!raw && differ == 0) {
			t.Errorf("%s: %d rows, %d texts differ from JSONL", filepath.Base(path), len(got), differ)
		}
	}
	withRaw, _ := export("raw.parquet", Options{Format: "parquet", Columns: []string{"uri", "raw"}})
	others := map[string]Stats{}
	var counts []string
	for _, dataset := range []string{"accounts", "edges", "communities"} {
		path, stats := writeTemp(t, dataset+".parquet", func(w *bytes.Buffer) (Stats, error) {
			return Table(ctx, st, dataset, w, Options{Format: "parquet"})
		})
		others[dataset] = stats
		counts = append(counts, "SELECT '"+dataset+"' AS dataset, count(*) AS n FROM read_parquet('"+path+"')")
	}
	res := duckdb(t,
		"SELECT uri, text FROM read_parquet('"+pqPath+"')",
		"DESCRIBE SELECT * FROM read_parquet('"+pqPath+"')",
		"SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS at, strftime(created_local, '%H:%M') AS local, tags, source, deleted "+
			"FROM read_parquet('"+pqPath+"') WHERE uri = '"+exporttest.CoursePosts()[5].URI()+"'",
		"SELECT source FROM read_parquet('"+pqPath+"') WHERE uri = 'https://evil.example/s/903'",
		strings.Join(counts, " UNION ALL "),
		"SELECT raw->>'content' AS content FROM read_parquet('"+withRaw+"') WHERE uri = 'https://evil.example/s/900'")
	rows, describe, ana, conv, n, r := res[0], res[1], res[2], res[3], res[4], res[5]
	if len(rows) != len(want) {
		t.Fatalf("DuckDB reads %d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		text, _ := r["text"].(string) // null: an empty text (tombstones)
		if text != want[r["uri"].(string)] {
			t.Errorf("DuckDB reads %q for %s, JSONL has %q", text, r["uri"], want[r["uri"].(string)])
		}
	}
	types := map[string]string{}
	for _, r := range describe {
		types[r["column_name"].(string)] = r["column_type"].(string)
	}
	for col, typ := range map[string]string{"uri": "VARCHAR", "created_at": "TIMESTAMP WITH TIME ZONE", "created_local": "TIMESTAMP",
		"deleted": "BOOLEAN", "replies_count": "BIGINT", "practice_score": "DOUBLE", "tags": "VARCHAR[]", "source": "VARCHAR[]"} {
		if types[col] != typ {
			t.Errorf("Parquet column %s is %s in DuckDB, want %s", col, types[col], typ)
		}
	}
	if _, ok := types["raw"]; ok {
		t.Error("raw is in Parquet without --columns raw")
	}
	if len(ana) != 1 || ana[0]["at"] != "2026-11-16T09:00:00Z" || ana[0]["local"] != "22:00" || ana[0]["deleted"] != false ||
		!slices.Equal(toStrings(ana[0]["tags"]), []string{"cop", "h5p", "oer"}) || !slices.Equal(toStrings(ana[0]["source"]), []string{"tag:cop@mastodon.oeru.org"}) {
		t.Errorf("ana's w47a in DuckDB: %v", ana)
	}
	if len(conv) != 1 || !slices.Equal(toStrings(conv[0]["source"]), []string{"conversation@evil.example"}) {
		t.Errorf("a post reached through its thread: %v", conv)
	}
	for _, c := range n {
		dataset := c["dataset"].(string)
		if c["n"] != itoa(others[dataset].Rows) || others[dataset].Rows == 0 {
			t.Errorf("%s: DuckDB counts %v rows, copharvest wrote %d", dataset, c["n"], others[dataset].Rows)
		}
	}
	if len(n) != 3 {
		t.Errorf("counts %v", n)
	}
	if len(r) != 1 || r[0]["content"] != "bad \uFFFD byte\u2028and a line separator" {
		t.Errorf("raw JSON in Parquet: %v", r)
	}
}

// TestCSVListsUseASeparatorNoItemHolds: list items with whitespace are
// percent-encoded in CSV, so splitting on the separator gives the items.
func TestCSVListsUseASeparatorNoItemHolds(t *testing.T) {
	st := hostileCourse(t)
	_, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", CSVRaw: true}))
	for _, r := range rows {
		if r["uri"] != "https://evil.example/s/900" {
			continue
		}
		if got := strings.Split(r["mentions"], ListSeparator); !slices.Equal(got, []string{exporttest.Bo, "john%20smith@evil.example"}) {
			t.Errorf("mentions cell %q", r["mentions"])
		}
		if r["links"] != "https://evil.example/a%20b" || r["tags"] != "a%20b cop" {
			t.Errorf("links %q tags %q", r["links"], r["tags"])
		}
		return
	}
	t.Fatal("the hostile post is missing")
}
