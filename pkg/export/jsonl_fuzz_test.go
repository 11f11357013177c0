package export

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJSONLRecord: whatever bytes a server sends as text or as raw JSON, a
// JSONL record is one line of valid UTF-8 JSON that decodes to the text
// (invalid bytes as U+FFFD) and to the same JSON value as the raw.
func FuzzJSONLRecord(f *testing.F) {
	f.Add("plain", []byte(`{"a": 1}`))
	f.Add("line\nbreak\r\u2028\u2029 \xff\xfe", []byte(hostileRaw))
	f.Add("", []byte("[\n 1,\n \"\\u2028\",\n \"x\xc3\"\n]"))
	f.Add("\x00\x1f\"\\", []byte(`"\ud800"`))
	f.Fuzz(func(t *testing.T, text string, raw []byte) {
		cols := []Column{{Name: "text", Kind: KindText}, {Name: "raw", Kind: KindJSON}}
		var out strings.Builder
		w := newJSONLWriter(&out)
		if err := w.row(cols, []any{text, rawJSON(&rowContext{}, string(raw))}); err != nil {
			t.Fatal(err)
		}
		w.flush()
		line := out.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") || strings.ContainsAny(line, "\r\u2028\u2029") ||
			!utf8.ValidString(line) || !json.Valid([]byte(line)) {
			t.Fatalf("not one valid JSON line: %q", line)
		}
		var got struct {
			Text string
			Raw  any
		}
		// Numbers as written: a server's 1E700 is valid JSON that float64
		// cannot hold, and the record keeps it as sent.
		if err := decodeNumbers(line, &got); err != nil {
			t.Fatal(err)
		}
		if want := validUTF8(text); got.Text != want {
			t.Fatalf("text %q, want %q", got.Text, want)
		}
		if !json.Valid(raw) {
			if got.Raw != nil {
				t.Fatalf("invalid raw %q became %v", raw, got.Raw)
			}
			return
		}
		var want any
		decodeNumbers(validUTF8(string(raw)), &want)
		a, _ := json.Marshal(got.Raw)
		b, _ := json.Marshal(want)
		if string(a) != string(b) {
			t.Fatalf("raw %q decodes to %s, want %s", raw, a, b)
		}
	})
}

// decodeNumbers decodes s into v keeping numbers as json.Number.
func decodeNumbers(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}
