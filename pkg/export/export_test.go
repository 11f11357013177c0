package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"

	"github.com/oeru/copharvest/pkg/csvsafe"
	"github.com/oeru/copharvest/pkg/export/exporttest"
	"github.com/oeru/copharvest/pkg/store"
)

var update = flag.Bool("update", false, "rewrite docs/columns.md")

func course(t *testing.T) *store.Store {
	t.Helper()
	return exporttest.Course(t, pgtest.DB(t, "course.db"))
}

func export(t *testing.T, st *store.Store, dataset string, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if dataset == "graph" {
		_, err = Graph(context.Background(), st, &buf, opts)
	} else {
		_, err = Table(context.Background(), st, dataset, &buf, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func readCSV(t *testing.T, data string) (header []string, rows []map[string]string) {
	t.Helper()
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\uFEFF")))
	all, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	header = all[0]
	for _, rec := range all[1:] {
		row := map[string]string{}
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return header, rows
}

// TestPostsCSVRoundTrip reads the posts CSV back with Go's csv reader and
// checks that every id, time and text survives exactly (a text a
// spreadsheet would run as a formula comes back with its leading ').
func TestPostsCSVRoundTrip(t *testing.T) {
	st := course(t)
	loc, _ := time.LoadLocation("Pacific/Auckland")
	_, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", Location: loc}))
	posts := exporttest.CoursePosts()
	if len(rows) != len(posts) {
		t.Fatalf("%d rows, want %d", len(rows), len(posts))
	}
	byURI := map[string]map[string]string{}
	for _, r := range rows {
		byURI[r["uri"]] = r
	}
	for _, p := range posts {
		r, ok := byURI[p.URI()]
		if !ok {
			t.Errorf("post %s missing", p.Key)
			continue
		}
		if r["local_id"] != p.LocalID() || len(r["local_id"]) != 18 {
			t.Errorf("%s: local_id %q, want %q", p.Key, r["local_id"], p.LocalID())
		}
		created, err := time.Parse(time.RFC3339Nano, r["created_at"])
		if err != nil || !created.Equal(p.At) || !strings.HasSuffix(r["created_at"], "Z") {
			t.Errorf("%s: created_at %q, want %s in UTC", p.Key, r["created_at"], p.At)
		}
		local, err := time.Parse(time.RFC3339, r["created_local"])
		if _, off := local.Zone(); err != nil || !local.Equal(p.At) || off != 13*3600 {
			t.Errorf("%s: created_local %q is not the same instant at +13:00", p.Key, r["created_local"])
		}
		want := p.Text
		if strings.ContainsAny(want[:1], "=+-@") {
			want = "'" + want
		}
		if p.Deleted {
			want = ""
			if r["deleted"] != "1" || r["deleted_at"] == "" {
				t.Errorf("%s: tombstone not flagged: deleted=%q at %q", p.Key, r["deleted"], r["deleted_at"])
			}
		}
		if r["text"] != want {
			t.Errorf("%s: text %q, want %q", p.Key, r["text"], want)
		}
		if r["author"] != p.Author {
			t.Errorf("%s: author %q, want %q", p.Key, r["author"], p.Author)
		}
	}
	reply := byURI[posts[7].URI()] // w47c, cy's reply to ana's w47a
	if reply["in_reply_to_uri"] != posts[5].URI() || reply["thread_root_uri"] != posts[5].URI() ||
		reply["in_reply_to_author"] != exporttest.Ana || reply["opted_out"] != "1" {
		t.Errorf("reply row: %v", reply)
	}
	if reply["rules"] != "C1 C3 P3" || reply["community_score"] != "2" || reply["practice"] != "1" {
		t.Errorf("classification of the reply: rules %q community_score %q practice %q", reply["rules"], reply["community_score"], reply["practice"])
	}
	if byURI[posts[5].URI()]["community_id"] == "" {
		t.Error("ana's post has no community_id though communities were saved")
	}
	if strings.Contains(byURI[posts[5].URI()]["text"], "\n\n") == false {
		t.Error("paragraph break lost in a quoted cell")
	}
}

// TestFormulaInjection: no CSV cell of any table starts with a character a
// spreadsheet treats as a formula, in plain and in --excel mode; in --excel
// mode only digit-only ids are wrapped as ="...".
func TestFormulaInjection(t *testing.T) {
	st := course(t)
	for _, excel := range []bool{false, true} {
		for _, ds := range Datasets {
			data := export(t, st, ds, Options{Format: "csv", Excel: excel})
			if excel && (!strings.HasPrefix(data, "\uFEFF") || !strings.Contains(data, "\r\n")) {
				t.Errorf("%s --excel: no byte order mark or CRLF", ds)
			}
			header, rows := readCSV(t, data)
			for _, r := range rows {
				for _, h := range header {
					cell := r[h]
					if cell == "" {
						continue
					}
					if excel && strings.HasPrefix(cell, `="`) {
						digits := strings.TrimSuffix(strings.TrimPrefix(cell, `="`), `"`)
						if !isLongNumber(digits) || !strings.HasSuffix(cell, `"`) {
							t.Errorf("%s.%s: formula cell %q is not a wrapped id", ds, h, cell)
						}
						continue
					}
					if strings.ContainsAny(cell[:1], "=+-@\t\r") {
						t.Errorf("%s.%s (excel=%v): cell %q starts like a formula", ds, h, excel, cell)
					}
				}
			}
		}
	}
	data := export(t, st, "posts", Options{Format: "csv", Columns: []string{"local_id", "text"}, Excel: true})
	if !strings.Contains(data, `'=HYPERLINK(""http://evil.example""`) {
		t.Error("the HYPERLINK post is not neutralised with a leading '")
	}
	if !strings.Contains(data, `"=""1135`) {
		t.Error("--excel did not keep the 18-digit ids as text")
	}
	if !strings.Contains(data, "'-1 for paywalls") {
		t.Error("a text starting with - is not neutralised")
	}
}

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "a=b": "a=b", "'quoted": "'quoted",
	} {
		if got := csvsafe.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColumnsSelectReorderAndReject(t *testing.T) {
	st := course(t)
	header, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", Columns: []string{"text", "uri"}}))
	if strings.Join(header, ",") != "text,uri" || len(rows) == 0 {
		t.Errorf("header %q", header)
	}
	for _, bad := range [][]string{{"uri", "nope"}, {"raw"}, {"uri", "uri"}} {
		if _, err := Table(context.Background(), st, "posts", &bytes.Buffer{}, Options{Format: "csv", Columns: bad}); err == nil {
			t.Errorf("columns %q accepted", bad)
		}
	}
	all, _ := Columns("posts")
	header, _ = readCSV(t, export(t, st, "posts", Options{Format: "csv"}))
	if len(header) != len(all)-1 || header[0] != "uri" || header[len(header)-2] != "verdict" || header[len(header)-1] != "source" || slices.Contains(header, "raw") {
		t.Errorf("default CSV columns: %q", header)
	}
}

func TestJSONLTypesAndRaw(t *testing.T) {
	st := course(t)
	data := export(t, st, "posts", Options{Format: "jsonl"})
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	if len(lines) != len(exporttest.CoursePosts()) {
		t.Fatalf("%d lines", len(lines))
	}
	var sawScript bool
	for _, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, line)
		}
		if _, ok := obj["local_id"].(string); !ok {
			t.Errorf("local_id is %T, want a string", obj["local_id"])
		}
		if _, ok := obj["practice"].(bool); !ok {
			t.Errorf("practice is %T, want a bool", obj["practice"])
		}
		deleted := obj["deleted"].(bool)
		raw, isObject := obj["raw"].(map[string]any)
		if deleted != (obj["raw"] == nil) || (!deleted && (!isObject || raw["uri"] != obj["uri"])) {
			t.Errorf("raw %v for deleted=%v", obj["raw"], deleted)
		}
		if strings.HasPrefix(obj["text"].(string), "<script>") {
			sawScript = true
		}
		if strings.HasPrefix(obj["text"].(string), "'") {
			t.Errorf("JSONL text neutralised: %q", obj["text"])
		}
	}
	if !sawScript {
		t.Error("the <script> text did not come through unchanged")
	}
}

func TestPseudonymizeStableAndComplete(t *testing.T) {
	st := course(t)
	p1, _ := NewPseudonymizer("course-key")
	opts := func(ds, format string, p *Pseudonymizer) string {
		return export(t, st, ds, Options{Format: format, Pseudonymizer: p})
	}
	for _, ds := range append(Datasets, "graph") {
		format := "jsonl"
		if ds == "graph" {
			format = "graphml"
		}
		a, b := opts(ds, format, p1), opts(ds, format, p1)
		if a != b {
			t.Errorf("%s: two exports with the same key differ", ds)
		}
		for _, name := range []string{"ana", "bo@", "@bo", "cy@", "dee", "eve", "mal@", "/users/", "Ms "} {
			if strings.Contains(a, name) {
				i := strings.Index(a, name)
				t.Errorf("%s: pseudonymised export still contains %q: ...%s...", ds, name, a[max(0, i-60):min(len(a), i+60)])
			}
		}
	}
	_, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", Pseudonymizer: p1}))
	ana := p1.Account(exporttest.Ana)
	var checked bool
	for _, r := range rows {
		if strings.HasPrefix(r["text"], "@"+ana) || strings.HasPrefix(r["text"], "'@"+ana) {
			checked = true
			if !strings.Contains(r["mentions"], ana) {
				t.Errorf("text mention and mentions column disagree: %q vs %q", r["text"], r["mentions"])
			}
		}
	}
	if !checked {
		t.Error("no post's text starts with ana's pseudonym, though w47b mentions @ana")
	}
	p2, _ := NewPseudonymizer("other-key")
	if p2.Account(exporttest.Ana) == ana || p1.Account("ANA@mastodon.oeru.org") != ana {
		t.Error("pseudonyms must depend on the key and not on case")
	}
	if _, err := NewPseudonymizer(""); err == nil {
		t.Error("an empty key was accepted")
	}
}

func TestPseudonymizeText(t *testing.T) {
	p, _ := NewPseudonymizer("k")
	got := p.Text("hi @bo and @ana@mastodon.oeru.org, mail me at x@y.org.", []string{"bo@mastodon.oeru.org"})
	want := "hi @" + p.Account("bo@mastodon.oeru.org") + " and @" + p.Account("ana@mastodon.oeru.org") + ", mail me at x@y.org."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestExcludeOptedOut(t *testing.T) {
	st := course(t)
	for _, ds := range append(Datasets, "graph") {
		format := "csv"
		if ds == "graph" {
			format = "gexf"
		}
		data := export(t, st, ds, Options{Format: format, Filter: store.ExportFilter{ExcludeOptedOut: true}})
		if strings.Contains(data, "cy@mastodon.social") {
			t.Errorf("%s: opted-out account exported with ExcludeOptedOut", ds)
		}
		if !strings.Contains(data, exporttest.Ana) && ds != "communities" {
			t.Errorf("%s: ana missing", ds)
		}
	}
	if !strings.Contains(export(t, st, "accounts", Options{Format: "csv"}), "cy@mastodon.social") {
		t.Error("without the flag, cy is exported")
	}
}

func TestWindowFilter(t *testing.T) {
	st := course(t)
	w47 := store.ExportFilter{Since: exporttest.Week47, Until: exporttest.Week47.AddDate(0, 0, 7)}
	_, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", Filter: w47}))
	if len(rows) != 11 {
		t.Errorf("%d posts in W47, want 11", len(rows))
	}
	for _, r := range rows {
		at, _ := time.Parse(time.RFC3339Nano, r["created_at"])
		if at.Before(w47.Since) || !at.Before(w47.Until) {
			t.Errorf("post at %s outside the window", at)
		}
	}
}

func TestColumnsDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteColumnsDoc(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "columns.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != buf.String() {
		t.Error("docs/columns.md is out of date with pkg/export/columns.go: run go test ./pkg/export -run TestColumnsDoc -update")
	}
}

func TestPseudonymizeHyphensLinksAndNames(t *testing.T) {
	p, _ := NewPseudonymizer("k")
	p = p.withNames(map[string]string{"jean-luc@social.example": "Jean-Luc Picard"})
	luc := p.Account("jean-luc@social.example")
	in := "@jean-luc and @jean-luc@social.example: see https://social.example/@jean-luc/1135 and https://social.example/@jean-luc, " +
		"as Jean-Luc Picard said. https://h5p.org/ stays."
	got := p.Text(in, []string{"jean-luc@social.example"})
	want := "@" + luc + " and @" + luc + ": see " + p.Post("https://social.example/users/jean-luc/statuses/1135") + " and " + luc +
		", as " + luc + " said. https://h5p.org/ stays."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if l := p.Link("https://social.example/users/jean-luc/statuses/1135"); l != p.Post("https://social.example/users/jean-luc/statuses/1135") {
		t.Errorf("a post's uri as a link: %q, want the post's pseudonym", l)
	}
}

func TestPseudonymizeCoarsensSmallInstances(t *testing.T) {
	st := course(t)
	p, _ := NewPseudonymizer("k")
	// mastodon.oeru.org has three accounts (ana, bo, mal); the others one each.
	for _, tc := range []struct {
		min  int
		want map[string]bool
	}{
		{3, map[string]bool{Host: true, SmallInstance: true}},
		{4, map[string]bool{SmallInstance: true}},
	} {
		_, rows := readCSV(t, export(t, st, "posts", Options{Format: "csv", Pseudonymizer: p, MinInstanceAccounts: tc.min}))
		got := map[string]bool{}
		for _, r := range rows {
			got[r["author_instance"]] = true
		}
		if len(got) != len(tc.want) || !got[SmallInstance] || got[Host] != tc.want[Host] {
			t.Errorf("at least %d accounts: author instances %v, want %v", tc.min, got, tc.want)
		}
		graph := export(t, st, "graph", Options{Format: "graphml", Pseudonymizer: p, MinInstanceAccounts: tc.min})
		for _, host := range []string{"mastodon.social", "eduhub.social", "mastodon.nz"} {
			if strings.Contains(graph, host) {
				t.Errorf("graph names the one-account instance %s", host)
			}
		}
	}
}

const Host = exporttest.Host

// failingWriter fails every write: a full disk.
type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// A write that fails ends the export with that error, for every format
// (rows are written on another goroutine than the one reading them).
func TestWriteErrorEndsExport(t *testing.T) {
	st := course(t)
	for _, format := range []string{"csv", "jsonl", "parquet"} {
		_, err := Table(context.Background(), st, "posts", failingWriter{}, Options{Format: format})
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s: a failing writer gave %v, want %v", format, err, errDiskFull)
		}
	}
}
