package mastodon

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCompareIDs: the id order is a total order for any strings (snowflakes,
// ULIDs or garbage), so paging can never loop.
func FuzzCompareIDs(f *testing.F) {
	f.Add("117231553643692212", "117231553643692213", "99")
	f.Add("01M83JN9RD8ZGGE98JQHT9A52D", "01M83JN9T9X5CWZ3JTM2CH23EF", "")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if CompareIDs(a, b) != -CompareIDs(b, a) {
			t.Fatalf("not antisymmetric: %q %q", a, b)
		}
		if (CompareIDs(a, b) == 0) != (a == b) {
			t.Fatalf("equal ids differ or different ids equal: %q %q", a, b)
		}
		if CompareIDs(a, b) < 0 && CompareIDs(b, c) < 0 && CompareIDs(a, c) >= 0 {
			t.Fatalf("not transitive: %q %q %q", a, b, c)
		}
	})
}

// FuzzNormalizeTag: a normalised tag is lower-case, has no '#', and
// normalising it again changes nothing.
func FuzzNormalizeTag(f *testing.F) {
	for _, s := range []string{"#COP", "ds4oers", " Cop ", "#", "éducation", "a b", "#\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := NormalizeTag(s)
		if err != nil {
			return
		}
		if tag == "" || strings.ContainsAny(tag, "#/?& ") || !utf8.ValidString(tag) {
			t.Fatalf("NormalizeTag(%q) = %q", s, tag)
		}
		again, err := NormalizeTag(tag)
		if err != nil || again != tag {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, tag, again, err)
		}
	})
}

// FuzzNormalizeInstance: an accepted instance is a bare http(s) origin.
func FuzzNormalizeInstance(f *testing.F) {
	for _, s := range []string{"mastodon.oeru.org", "https://x.org/", "http://127.0.0.1:8080", "ftp://a", "https://a.org/path", "https://@/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		inst, err := NormalizeInstance(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(inst, "https://") && !strings.HasPrefix(inst, "http://") {
			t.Fatalf("NormalizeInstance(%q) = %q", s, inst)
		}
		rest := inst[strings.Index(inst, "://")+3:]
		if rest == "" || strings.ContainsAny(rest, "/?#") {
			t.Fatalf("NormalizeInstance(%q) = %q has a path", s, inst)
		}
	})
}

// FuzzParseResetTime: any header value gives a time or an error, never a panic.
func FuzzParseResetTime(f *testing.F) {
	for _, s := range []string{"2026-11-23T06:54:25.000Z", "30", "1763880000", "", "soon", "1e400", "-5"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		parseResetTime(s, now)
	})
}

// FuzzSplitArray: on every body that encoding/json reads as an array,
// splitArray returns the same elements; on anything else it must not panic.
// encoding/json also reads `null` into a nil slice without error; a page
// that answers null is not a timeline, so splitArray refuses it.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, ` [ ] `, `[{"id":"1","content":"a, b ] }"},{"id":"2"}]`, `[1,"x\"]",null,true,[2,[3]],{"a":{}}]`,
		`[{"a":"\\"}, {"b":"\u005d"}]`, `{"a":1}`, `[1,]`, `[1 2]`, `[`, `[1]x`, `["`, `null`, ` null `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want []json.RawMessage
		wantErr := json.Unmarshal(body, &want)
		got, err := splitArray(body)
		if wantErr != nil {
			return // splitArray is only given bodies that decoded
		}
		if want == nil {
			if err == nil {
				t.Fatalf("splitArray(%q) accepted a JSON null", body)
			}
			return
		}
		if err != nil {
			t.Fatalf("splitArray(%q): %v, encoding/json read it", body, err)
		}
		if len(got) != len(want) {
			t.Fatalf("splitArray(%q) = %d elements, want %d", body, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("element %d = %q, want %q", i, got[i], want[i])
			}
		}
	})
}

// FuzzMembers: on every object encoding/json reads, decoding the members
// Members finds, in order, gives what decoding the whole object into a
// struct with that one field gives.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"id":"1","account":{"discoverable":true,"noindex":false},"content":"a\"b"}`,
		`{"account":{"indexable":true},"ACCOUNT":{"noindex":true}}`, `{"account":{"discoverable":true},"account":null}`,
		`{"reblog":{"account":{"noindex":true}},"Account":{"indexable":false}}`, `{"acc\u006funt":{"noindex":true}}`,
		`{"account":"x","b":[1,{"account":{}}]}`, `{"a":1,"account":{"discoverable":"yes","indexable":true}}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	type flags struct {
		Discoverable *bool `json:"discoverable"`
		Indexable    *bool `json:"indexable"`
		NoIndex      *bool `json:"noindex"`
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // Members is only given bodies that decoded
		}
		var got flags
		if !Members(b, "account", func(v json.RawMessage) { _ = json.Unmarshal(v, &got) }) {
			return // the caller decodes b whole
		}
		var want struct {
			Account flags `json:"account"`
		}
		_ = json.Unmarshal(b, &want)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want.Account)
		if !bytes.Equal(g, w) {
			t.Fatalf("Members(%q): %s, encoding/json: %s", b, g, w)
		}
	})
}
