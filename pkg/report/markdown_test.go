package report

import (
	"bytes"
	"html"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oeru/copharvest/internal/testenv"
)

// hostileTexts are post texts, handles, tags and links a hostile or
// careless server may serve.
var hostileTexts = []string{
	`![tracker](https://track.example/pixel.png) and ![ref][r] [r]: https://track.example/r.png`,
	`<img src="https://track.example/raw.png"> <iframe src="https://track.example/f"></iframe> <script>alert(1)</script>`,
	`[click me](javascript:alert(1)) <javascript:alert(2)> [x](data:text/html,hi)`,
	"www.track.example/auto.png and ftp://track.example/f and mail ana@track.example",
	"pipes | break | tables, `code` ``more``, *bold* _it_ ~~gone~~ &lt;img src=x&gt; &amp; \\ backslash",
	"# heading\n- list\n> quote\n\n<div>block</div>",
}

func hostileReport() *Report {
	at := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	rep := &Report{Period: Period{Label: "2026-W47", Start: at, End: at.AddDate(0, 0, 7), TimeZone: "UTC"}}
	for i, text := range hostileTexts {
		ref := PostRef{URL: "https://ok.example/@a/" + string(rune('1'+i)), Author: "a<img src=x>@evil.example", At: at, Excerpt: text, Rules: []string{"C3"}}
		rep.Unanswered = append(rep.Unanswered, ref)
		rep.Practice = append(rep.Practice, ref)
		rep.Resources = append(rep.Resources, Resource{Name: text, Authors: 1, Posts: 1})
	}
	for _, u := range []string{"javascript:alert(1)", "data:text/html,<img src=x>", "//track.example/x", "https://ok.example/a) ![x](https://track.example/y.png"} {
		rep.Ideas = append(rep.Ideas, PostRef{URL: u, Author: "b@ok.example", At: at, Excerpt: "idea"})
	}
	rep.NewMembers = []string{"<b>x</b>@evil.example", "ana@ok.example"}
	rep.TagPairs = []TagPair{{A: "<img src=x>", B: "![t](https://track.example/t.png)", Posts: 1}}
	rep.Tools = []Resource{{Name: "<script>", Authors: 1, Posts: 1}}
	return rep
}

var (
	tagPattern  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>`)
	hrefPattern = regexp.MustCompile(`href="([^"]*)"`)
)

// TestMarkdownReportRendersInert renders the Markdown report of hostile
// posts with cmark-gfm (GitHub's renderer, with raw HTML allowed as GitHub
// allows <img>) and checks that the HTML makes no request and runs nothing:
// no image, no raw HTML from posts, no link but http(s) ones; and that
// the texts still read as they were written.
func TestMarkdownReportRendersInert(t *testing.T) {
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		testenv.Missing(t, "cmark-gfm not found; .ci/run installs it (apt-get install cmark-gfm)")
	}
	var md bytes.Buffer
	if err := WriteText(&md, hostileReport(), true); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter")
	cmd.Stdin = bytes.NewReader(md.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	page := string(out)
	allowed := map[string]bool{"h1": true, "h2": true, "p": true, "table": true, "thead": true, "tbody": true, "tr": true,
		"th": true, "td": true, "a": true, "code": true, "ul": true, "li": true}
	for _, m := range tagPattern.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		if !allowed[name] {
			t.Errorf("element <%s%s> in the rendered report", name, m[3])
		}
		if attrs := strings.TrimSpace(strings.TrimSuffix(m[3], "/")); attrs != "" && !(name == "a" && hrefPattern.MatchString(attrs)) && !strings.HasPrefix(attrs, "align=") {
			t.Errorf("attributes %q on <%s>", attrs, name)
		}
	}
	links := 0
	for _, m := range hrefPattern.FindAllStringSubmatch(page, -1) {
		links++
		if !strings.HasPrefix(m[1], "https://ok.example/") {
			t.Errorf("link to %q", m[1])
		}
	}
	// One per unanswered and practice post, and the idea whose https
	// address carries Markdown (linked, its brackets percent-encoded).
	if links != len(hostileTexts)*2+1 {
		t.Errorf("%d links, want one per http(s) post address (%d)", links, len(hostileTexts)*2+1)
	}
	text := strings.Join(strings.Fields(html.UnescapeString(tagPattern.ReplaceAllString(page, ""))), " ")
	for _, s := range hostileTexts {
		// Cells are cut at 70-80 characters.
		want := []rune(strings.Join(strings.Fields(s), " "))
		want = want[:min(60, len(want))]
		if !strings.Contains(text, string(want)) {
			t.Errorf("text %q did not come through literally; rendered text:\n%s", want, text)
		}
	}
	if t.Failed() {
		t.Logf("Markdown:\n%s", md.String())
	}
}
