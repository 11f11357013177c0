package privacy

import (
	"reflect"
	"strings"
	"testing"
)

func TestHandles(t *testing.T) {
	text := "@jean-luc@social.example.org: thanks @j.doe. Mail me at bo@example.org, @ana@127.0.0.1:8080 and @bo_2- and @x@localhost"
	var got []string
	for _, h := range Handles(text) {
		if text[h.Start:h.End] != "@"+h.Acct() {
			t.Errorf("span %q, acct %q", text[h.Start:h.End], h.Acct())
		}
		got = append(got, h.Acct())
	}
	want := []string{"jean-luc@social.example.org", "j.doe", "ana@127.0.0.1:8080", "bo_2", "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("handles %q, want %q", got, want)
	}
}

func TestParseAccountLink(t *testing.T) {
	for in, want := range map[string]AccountLink{
		"https://mastodon.social/@jean-luc":                    {Acct: "jean-luc@mastodon.social"},
		"https://Mastodon.social/@Jean-Luc/113500000000000001": {Acct: "jean-luc@mastodon.social", StatusID: "113500000000000001", URI: "https://mastodon.social/users/Jean-Luc/statuses/113500000000000001"},
		"https://mastodon.oeru.org/@luc@mastodon.social":       {Acct: "luc@mastodon.social"},
		"https://gts.example/@luc/statuses/01HX":               {Acct: "luc@gts.example", StatusID: "01HX", URI: "https://gts.example/users/luc/statuses/01HX"},
		"http://127.0.0.1:8080/users/luc":                      {Acct: "luc@127.0.0.1:8080"},
		"https://mastodon.social/users/luc/statuses/1?x=1":     {Acct: "luc@mastodon.social", StatusID: "1", URI: "https://mastodon.social/users/luc/statuses/1"},
	} {
		got, ok := ParseAccountLink(in)
		if !ok || got != want {
			t.Errorf("%s: %+v %v, want %+v", in, got, ok, want)
		}
	}
	for _, in := range []string{"https://h5p.org/", "https://example.org/users/", "javascript:alert(1)", "https://x.org/@a/b/c/d", "mailto:a@b.org"} {
		if got, ok := ParseAccountLink(in); ok {
			t.Errorf("%s: read as %+v", in, got)
		}
	}
}

func TestRedactorText(t *testing.T) {
	r := NewRedactor([]Person{{Acct: "jean-luc@social.example", DisplayName: "Jean-Luc Picard",
		URL: "https://social.example/@jean-luc", URI: "https://social.example/users/jean-luc", AccountIDs: []string{"109876543210"}}})
	in := "@jean-luc great point, @jean-luc@social.example! See https://social.example/@jean-luc/1135 and https://social.example/users/jean-luc. " +
		"Jean-Luc Picard said so. @ana@oeru.org agrees; https://h5p.org stays; jean-luc.picard@mail.example stays"
	got := r.Text(in, []string{"jean-luc@social.example", "ana@oeru.org"})
	for _, trace := range []string{"@jean-luc ", "@jean-luc@", "social.example/@", "users/jean-luc", "Picard said"} {
		if strings.Contains(got, trace) {
			t.Errorf("%q left in %q", trace, got)
		}
	}
	for _, keep := range []string{"@ana@oeru.org", "https://h5p.org", "jean-luc.picard@mail.example"} {
		if !strings.Contains(got, keep) {
			t.Errorf("%q lost from %q", keep, got)
		}
	}
	if n := strings.Count(got, Marker); n != 5 {
		t.Errorf("%d markers in %q, want 5", n, got)
	}
	if !r.Traces(`{"in_reply_to_account_id":"109876543210"}`) || r.Traces(`{"account":{"acct":"ana"}}`) {
		t.Error("Traces wrong")
	}
	if r.Link("https://social.example/@jean-luc/1") != Marker || r.Link("https://social.example/@jean-lucy") == Marker {
		t.Error("Link wrong")
	}
}

// FuzzHandles: spans are in order, inside the text, start with '@' and
// spell the handle; URL spans are in order and start with http; the
// redactor never panics and never leaves a handle of the person.
func FuzzHandles(f *testing.F) {
	for _, s := range []string{"@jean-luc@social.example: hi", "a@b.c @x. @-y @_z_ @a@b@c.d", "https://x.org/@a/1 http://", "@é@ü.example", "@a@1.2.3.4:80"} {
		f.Add(s)
	}
	r := NewRedactor([]Person{{Acct: "jean-luc@social.example", DisplayName: "Jean-Luc Picard", URL: "https://social.example/@jean-luc"}})
	f.Fuzz(func(t *testing.T, s string) {
		last := 0
		for _, h := range Handles(s) {
			if h.Start < last || h.End > len(s) || s[h.Start] != '@' || s[h.Start:h.End] != "@"+h.Acct() {
				t.Fatalf("bad span %+v in %q", h, s)
			}
			last = h.End
		}
		last = 0
		for _, u := range URLs(s) {
			if u.Start < last || u.End > len(s) || !strings.HasPrefix(strings.ToLower(s[u.Start:]), "http") {
				t.Fatalf("bad URL span %+v in %q", u, s)
			}
			last = u.End
		}
		for _, h := range Handles(r.Text(s, []string{"jean-luc@social.example"})) {
			if strings.EqualFold(h.Acct(), "jean-luc@social.example") || strings.EqualFold(h.Acct(), "jean-luc") {
				t.Fatalf("handle %q left in redacted %q", h.Acct(), s)
			}
		}
	})
}
