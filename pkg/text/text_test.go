package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Mastodon 4.x renders links, hashtags and mentions like these.
const (
	mastoHashtag = `<a href="https://mastodon.oeru.org/tags/cop" class="mention hashtag" rel="tag">#<span>cop</span></a>`
	mastoMention = `<span class="h-card" translate="no"><a href="https://mastodon.oeru.org/@wayne" class="u-url mention">@<span>wayne</span></a></span>`
	mastoRemote  = `<span class="h-card" translate="no"><a href="https://mastodon.social/@Alice_B" class="u-url mention">@<span>Alice_B</span></a></span>`
	mastoLongURL = `<a href="https://www.oercommons.org/courseware/lesson/12345-open-licensing-basics" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://www.</span><span class="ellipsis">oercommons.org/courseware/less</span><span class="invisible">on/12345-open-licensing-basics</span></a>`
)

func TestFromHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Doc
	}{
		{
			name: "empty",
			in:   "",
			want: Doc{},
		},
		{
			name: "paragraphs and line breaks",
			in:   "<p>First line<br>second line<br/>third</p><p>Next   paragraph\tspaced</p>",
			want: Doc{Text: "First line\nsecond line\nthird\n\nNext paragraph spaced"},
		},
		{
			name: "mastodon hashtag, mention and shortened link",
			in:   "<p>" + mastoMention + " have a look at " + mastoLongURL + " " + mastoHashtag + "</p>",
			want: Doc{
				Text:     "@wayne have a look at oercommons.org/courseware/less… #cop",
				Hashtags: []string{"cop"},
				Mentions: []string{"wayne@mastodon.oeru.org"},
				Links: []Link{{
					URL:    "https://www.oercommons.org/courseware/lesson/12345-open-licensing-basics",
					Domain: "oercommons.org",
					Text:   "oercommons.org/courseware/less…",
				}},
			},
		},
		{
			name: "remote mention keeps the user's domain",
			in:   "<p>" + mastoRemote + " thanks!</p>",
			want: Doc{Text: "@Alice_B thanks!", Mentions: []string{"Alice_B@mastodon.social"}},
		},
		{
			name: "hashtag case folded in the list, duplicates listed once",
			in:   `<p><a href="https://x.example/tags/DS4OERS" class="mention hashtag" rel="tag">#<span>DS4OERS</span></a> and <a href="https://x.example/tags/ds4oers" rel="tag">#ds4oers</a></p>`,
			want: Doc{Text: "#ds4oers and #ds4oers", Hashtags: []string{"ds4oers"}},
		},
		{
			name: "hashtag with empty text takes its name from the href",
			in:   `<a href="https://x.example/tags/oer" class="hashtag"></a>`,
			want: Doc{Text: "#oer", Hashtags: []string{"oer"}},
		},
		{
			name: "pleroma style mention href /users/name",
			in:   `<span class="h-card"><a class="u-url mention" href="https://pleroma.example/users/bob">@<span>bob</span></a></span> hi`,
			want: Doc{Text: "@bob hi", Mentions: []string{"bob@pleroma.example"}},
		},
		{
			name: "entities unescaped",
			in:   "<p>CC BY &amp; CC0 &lt;3 &quot;open&quot; caf&eacute; &#8212; ok&nbsp;then</p>",
			want: Doc{Text: `CC BY & CC0 <3 "open" café — ok then`},
		},
		{
			name: "custom emoji kept in text and listed, clock times are not emoji",
			in:   "<p>Great work :blobcat: :ablobcatheart: see you at 10:30:45 :blobcat:</p>",
			want: Doc{Text: "Great work :blobcat: :ablobcatheart: see you at 10:30:45 :blobcat:", Emojis: []string{"blobcat", "ablobcatheart"}},
		},
		{
			name: "emoji rendered as image with shortcode alt",
			in:   `<p>yay<img class="emoji" alt=":tada:" src="x.png">done</p>`,
			want: Doc{Text: "yay :tada: done", Emojis: []string{"tada"}},
		},
		{
			name: "script and style content is not text",
			in:   "<p>a<script>alert('<b>x</b>')</script><style>p{}</style>b</p>",
			want: Doc{Text: "ab"},
		},
		{
			name: "non-http links stay in text but are not listed",
			in:   `<p>mail <a href="mailto:a@b.example">me</a> or <a href="javascript:alert(1)">this</a></p>`,
			want: Doc{Text: "mail me or this"},
		},
		{
			name: "lists become lines",
			in:   "<p>Steps:</p><ol><li>Open H5P</li><li>Pick a template</li></ol>",
			want: Doc{Text: "Steps:\n\n- Open H5P\n- Pick a template"},
		},
		{
			name: "unclosed anchor at end still counted",
			in:   `<p>see <a href="https://example.org/x">example`,
			want: Doc{Text: "see example", Links: []Link{{URL: "https://example.org/x", Domain: "example.org", Text: "example"}}},
		},
		{
			name: "invalid UTF-8 replaced",
			in:   "<p>bad \xff\xfe byte</p>",
			want: Doc{Text: "bad \uFFFD byte"}, // a run of bad bytes is one replacement
		},
		{
			name: "plain text with newlines",
			in:   "line one\r\nline two\n\n\n\nafter gap",
			want: Doc{Text: "line one\nline two\n\nafter gap"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromHTML(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromHTML(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

// TestFromHTMLGoToSocialFixtures runs the converter over statuses exactly as a
// GoToSocial server served them (copied from the shared fixtures).
func TestFromHTMLGoToSocialFixtures(t *testing.T) {
	type status struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	}
	var timeline []status
	readJSON(t, "tag_fixturetag_all.body.json", &timeline)
	var context struct {
		Ancestors   []status `json:"ancestors"`
		Descendants []status `json:"descendants"`
	}
	readJSON(t, "context_of_thread_root.body.json", &context)
	all := append(append(timeline, context.Ancestors...), context.Descendants...)
	byID := map[string]Doc{}
	for _, s := range all {
		byID[s.ID] = FromHTML(s.Content)
	}

	want := map[string]Doc{
		"01M83JN9SDSWTYG8SVK8CNPSA3": {
			Text:     "Reading list: https://example.org/open-stats adapted for our course #opentextbook #fixturetag",
			Hashtags: []string{"opentextbook", "fixturetag"},
			Links:    []Link{{URL: "https://example.org/open-stats", Domain: "example.org", Text: "https://example.org/open-stats"}},
		},
		"01M83JN9SJ5V2Y3Z8QS39BW6E6": {
			Text:     "Bonjour ! Nous traduisons un manuel libre en français #opentextbook #fixturetag",
			Hashtags: []string{"opentextbook", "fixturetag"},
		},
		"01M83JN9RTNZF25TH6JKDB4JSC": {
			Text:     "@erin which platform did you use to publish it? #fixturetag",
			Hashtags: []string{"fixturetag"},
			Mentions: []string{"erin@localhost"},
		},
		"01M83JN9S6RCPG9QXP39ZQT53N": {
			Text:     "@frank Pressbooks, with the chapters under CC BY 4.0. Happy to share our style guide.",
			Mentions: []string{"frank@localhost"},
		},
	}
	for id, w := range want {
		got, ok := byID[id]
		if !ok {
			t.Errorf("status %s missing from fixtures", id)
			continue
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("status %s\n got %#v\nwant %#v", id, got, w)
		}
	}
	for id, d := range byID {
		if strings.ContainsAny(d.Text, "<>") {
			t.Errorf("status %s: markup left in text %q", id, d.Text)
		}
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "gotosocial", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestShortcodes(t *testing.T) {
	tests := map[string][]string{
		":a:":                  nil, // too short
		":ok: :ok:":            {"ok"},
		"x:ok:":                nil, // word character before
		"::ok::":               nil,
		":blob_cat: :Cat2:end": {"blob_cat"},
		"time 12:00:00":        nil,
		":héllo:":              nil,
	}
	for in, want := range tests {
		if got := Shortcodes(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Shortcodes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDomain(t *testing.T) {
	tests := map[string]string{
		"https://WWW.OERCommons.org/x":    "oercommons.org",
		"http://localhost:8080/tags/x":    "localhost",
		"https://www2.example.org":        "www2.example.org",
		"not a url":                       "",
		"https://oer.pressbooks.pub/a?b=": "oer.pressbooks.pub",
	}
	for in, want := range tests {
		if got := Domain(in); got != want {
			t.Errorf("Domain(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkInvariants holds for every input; the fuzz target and the seed test share it.
func checkInvariants(t *testing.T, in string) {
	d := FromHTML(in)
	for _, s := range append([]string{d.Text}, append(append(d.Hashtags, d.Mentions...), d.Emojis...)...) {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q from %q", s, in)
		}
	}
	for _, l := range d.Links {
		if !utf8.ValidString(l.URL) || !utf8.ValidString(l.Domain) || !utf8.ValidString(l.Text) {
			t.Fatalf("invalid UTF-8 in link %#v from %q", l, in)
		}
	}
	if d.Text != strings.TrimSpace(d.Text) {
		t.Fatalf("untrimmed text %q from %q", d.Text, in)
	}
	// Every '<' in the output must come from text, never from a tag token:
	// when no text token of the input holds a '<', neither may the output.
	if !strings.Contains(d.Text, "<") {
		return
	}
	z := html.NewTokenizer(strings.NewReader(in))
	textHasLT := false
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt == html.TextToken && strings.Contains(string(z.Text()), "<") {
			textHasLT = true
		}
	}
	if !textHasLT {
		t.Fatalf("'<' from markup survived in %q from %q", d.Text, in)
	}
	// Plain text is a fixed point: converting the output again changes nothing.
	if !strings.ContainsAny(d.Text, "<&") {
		if again := FromHTML(d.Text).Text; again != d.Text {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, d.Text, again)
		}
	}
	if !strings.ContainsAny(in, "<&") {
		if want := Normalize(in); d.Text != want {
			t.Fatalf("plain text %q: got %q, want %q", in, d.Text, want)
		}
	}
}

func FuzzFromHTML(f *testing.F) {
	// The seed corpus in testdata/fuzz/FuzzFromHTML adds edge cases found so far.
	for _, s := range []string{
		"", "plain text", "<p>a<br>b</p>", mastoHashtag, mastoMention, mastoLongURL,
		"<a href=x><a href=y>nested</a></a>", "<span class=invisible>hidden", "</span></a></p>",
		"<script>never", "a <b", "&lt;b&gt;", ":blobcat:", "\xff<p>\xfe</p>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkInvariants(t, in)
	})
}

func BenchmarkFromHTML(b *testing.B) {
	status := "<p>" + mastoMention + " We tried the " + mastoLongURL + " template with our Year 8 class &amp; it worked :blobcat:</p><p>Steps: open H5P, pick a template, share it.<br>" + mastoHashtag + " " + strings.Replace(mastoHashtag, "cop", "ds4oers", 2) + "</p>"
	b.SetBytes(int64(len(status)))
	b.ReportAllocs()
	for b.Loop() {
		FromHTML(status)
	}
}
