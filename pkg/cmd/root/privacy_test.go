package root

import (
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/pgtest"
	"github.com/oeru/copharvest/internal/testenv"

	"github.com/oeru/copharvest/pkg/export"
	"github.com/oeru/copharvest/pkg/mastodon/mastodontest"
	"github.com/oeru/copharvest/pkg/privacy"
)

func mention(a mastodontest.Account) string {
	return `<span class="h-card" translate="no"><a href="` + html.EscapeString(a.URL) + `" class="u-url mention">@<span>` +
		html.EscapeString(a.Username) + `</span></a></span>`
}

func link(u string) string {
	return `<a href="` + html.EscapeString(u) + `" rel="nofollow noopener" target="_blank">` + html.EscapeString(u) + `</a>`
}

func tagLink(base string) string {
	return `<a href="` + base + `/tags/cop" class="mention hashtag" rel="tag">#<span>cop</span></a>`
}

// optedOutCourse: jean-luc ("Jean-Luc Picard") on home asks not to be
// indexed (noindex). A second instance serves their post with a copy of
// the account that lacks noindex, as Mastodon does for remote accounts.
// Others reply to them, mention them by short and full handle, link their
// profile and post, name them, and they boost ana's post.
func optedOutCourse(t *testing.T) (home, other *mastodontest.Server, traces []string) {
	t.Helper()
	home = mastodontest.NewServer(mastodontest.Options{})
	t.Cleanup(home.Close)
	other = mastodontest.NewServer(mastodontest.Options{IDs: mastodontest.ULID})
	t.Cleanup(other.Close)
	luc := home.AddAccount(mastodontest.Account{Username: "jean-luc", Acct: "jean-luc", DisplayName: "Jean-Luc Picard",
		Discoverable: true, Indexable: true, NoIndex: true, Note: "<p>Teacher. Please do not index me.</p>"})
	ana := home.AddAccount(mastodontest.Account{Username: "ana", Acct: "ana", DisplayName: "Ana Tane", Discoverable: true, Indexable: true})
	// Hours ago: the report's period ends at the current minute.
	ago := func(h int) time.Time { return time.Now().Add(-time.Duration(h) * time.Hour) }
	question := home.AddStatus(mastodontest.Status{CreatedAt: ago(5), Account: luc, Content: "<p>How do I licence my H5P quizzes? " + tagLink(home.URL) + "</p>",
		Tags: []mastodontest.Tag{{Name: "cop"}}})
	home.AddStatus(mastodontest.Status{CreatedAt: ago(4), Account: ana, InReplyToID: question.ID,
		Content:  "<p>" + mention(luc) + " try CC BY, as Jean-Luc Picard said in " + link(question.URL) + " " + tagLink(home.URL) + "</p>",
		Mentions: []mastodontest.Mention{{Acct: "jean-luc"}}, Tags: []mastodontest.Tag{{Name: "cop"}}})
	story := home.AddStatus(mastodontest.Status{CreatedAt: ago(3), Account: ana,
		Content: "<p>We tried H5P with CC BY resources, thanks to @jean-luc@" + home.Host() + " and " + link(luc.URL) +
			" https://h5p.org/ " + tagLink(home.URL) + "</p>", Mentions: []mastodontest.Mention{{Acct: "jean-luc"}},
		Tags: []mastodontest.Tag{{Name: "cop"}}})
	home.AddReblog(story.ID, luc)

	copyOf := other.AddAccount(mastodontest.Account{Username: "jean-luc", Acct: "jean-luc@" + home.Host(), DisplayName: "Jean-Luc Picard",
		URL: luc.URL, URI: luc.URI, Discoverable: true, Indexable: true, NoIndex: true})
	bo := other.AddAccount(mastodontest.Account{Username: "bo", Acct: "bo", DisplayName: "Bo Li", Discoverable: true, Indexable: true})
	seen := other.AddStatus(mastodontest.Status{URI: question.URI, URL: question.URL, CreatedAt: question.CreatedAt, Account: copyOf,
		Content: question.Content, Tags: []mastodontest.Tag{{Name: "cop"}}})
	other.AddStatus(mastodontest.Status{CreatedAt: ago(2), Account: bo, InReplyToID: seen.ID,
		Content:  "<p>" + mention(copyOf) + " good question, Jean-Luc Picard " + tagLink(other.URL) + "</p>",
		Mentions: []mastodontest.Mention{{Acct: copyOf.Acct}}, Tags: []mastodontest.Tag{{Name: "cop"}}})
	traces = []string{"jean-luc", "jean luc", "picard", "licence my h5p", luc.ID, copyOf.ID, `"` + question.ID + `"`, `"` + seen.ID + `"`,
		strings.ToLower(luc.URL), strings.ToLower(luc.URI), strings.ToLower(question.URI), strings.ToLower(question.URL)}
	return home, other, traces
}

var markdownEscape = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")

// decoded is an export's text to search for traces. Each format needs a
// decoder: a compressed or binary format searched as raw bytes could hide
// a name, so a format without one fails here until it gets one.
func decoded(t *testing.T, format string, data []byte) string {
	t.Helper()
	switch format {
	case "markdown":
		// Backslash escapes would hide "jean-luc" as "jean\-luc".
		return html.UnescapeString(markdownEscape.ReplaceAllString(string(data), "$1"))
	case "csv", "jsonl", "gexf", "graphml", "table", "json", "html":
		// JSON escapes nothing of the traces' characters except '/', which
		// Go writes unescaped; XML and HTML escape none of them.
		return html.UnescapeString(string(data))
	case "parquet":
		return parquetText(t, data)
	}
	t.Fatalf("no decoder for the %s format in this test: add one so the no-trace check covers it", format)
	return ""
}

// TestOptedOutPersonLeavesNoTrace harvests the course from both instances
// and writes every export kind in every format the command offers, with
// --exclude-opted-out (alone and with --pseudonymize), and the report in
// every format: none holds the person's handle, name, account ids, post
// ids or addresses, while the others' posts are still there.
func TestOptedOutPersonLeavesNoTrace(t *testing.T) {
	home, other, traces := optedOutCourse(t)
	dir := t.TempDir()
	db := pgtest.DB(t, "c.db")
	env := map[string]string{"XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir}
	if _, stderr, code := run(t, env, "sync", "--db", db, "--instance", home.URL, "--instance", other.URL, "--tag", "cop", "--quiet"); code != 0 {
		t.Fatalf("sync: exit %d %s", code, stderr)
	}
	if _, stderr, code := run(t, env, "communities", "--db", db); code != 0 {
		t.Fatalf("communities: exit %d %s", code, stderr)
	}
	check := func(what, format, path string) string {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		text := strings.ToLower(decoded(t, format, data))
		for _, trace := range traces {
			if i := strings.Index(text, strings.ToLower(trace)); i >= 0 {
				t.Errorf("%s holds %q: …%s…", what, trace, text[max(0, i-80):min(len(text), i+80)])
			}
		}
		return text
	}
	var postsCSV string
	for _, extra := range [][]string{nil, {"--pseudonymize", "--salt", "k"}} {
		for _, ds := range append(append([]string{}, export.Datasets...), "graph") {
			for _, format := range export.Formats(ds) {
				path := filepath.Join(dir, ds+"."+format)
				args := append([]string{"export", ds, "--db", db, "--format", format, "--exclude-opted-out", "-o", path}, extra...)
				if _, stderr, code := run(t, env, args...); code != 0 {
					t.Fatalf("%v: exit %d %s", args, code, stderr)
				}
				text := check(strings.Join(args[:5], " ")+" "+strings.Join(extra, " "), format, path)
				if ds == "posts" && format == "csv" && extra == nil {
					postsCSV = text
				}
			}
		}
	}
	// Not vacuous: the others' posts are there, with the person redacted.
	for _, want := range []string{"try cc by", "good question", "we tried h5p", privacy.Marker, "ana@", "bo@"} {
		if !strings.Contains(postsCSV, want) {
			t.Errorf("posts export lacks %q:\n%s", want, postsCSV)
		}
	}
	for _, format := range []string{"table", "markdown", "json", "html"} {
		path := filepath.Join(dir, "report."+format)
		if _, stderr, code := run(t, env, "report", "--db", db, "--since", "7d", "--format", format, "-o", path); code != 0 {
			t.Fatalf("report %s: exit %d %s", format, code, stderr)
		}
		if text := check("report --format "+format, format, path); !strings.Contains(text, "ana") {
			t.Errorf("report %s names nobody at all:\n%s", format, text)
		}
	}
	// Without the flag the person is exported (flagged), so the checks above test the flag.
	path := filepath.Join(dir, "all.csv")
	if _, stderr, code := run(t, env, "export", "posts", "--db", db, "-o", path); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	if all, _ := os.ReadFile(path); !strings.Contains(string(all), "jean-luc") {
		t.Error("without --exclude-opted-out the person is missing: the fixture is wrong")
	}
}

// parquetText reads a Parquet file with DuckDB (npm @duckdb/node-api under
// testdata/tools, installed by .ci/run) and returns its rows as JSON text,
// so the no-trace check reads the values, not compressed bytes.
func parquetText(t *testing.T, data []byte) string {
	t.Helper()
	tools, _ := filepath.Abs("../../../testdata/tools")
	_, err := os.Stat(filepath.Join(tools, "node_modules/@duckdb/node-api"))
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err != nil {
		testenv.Missing(t, "DuckDB for node is not installed (cd testdata/tools && npm ci; .ci/run does it): %v", err)
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", filepath.Join(tools, "duckdb-query.js"), "SELECT * FROM read_parquet('"+path+"')").Output()
	if err != nil {
		t.Fatalf("duckdb: %v", err)
	}
	return html.UnescapeString(string(out))
}
