package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oeru/copharvest/pkg/csvsafe"
)

// rowWriter writes the rows of one tabular export.
type rowWriter interface {
	header(cols []Column) error
	row(cols []Column, vals []any) error
	flush() error
}

// csvWriter writes RFC 4180 CSV that survives spreadsheets, or with raw
// set the values unaltered for analysis pipelines.
type csvWriter struct {
	w     *csv.Writer
	excel bool
	raw   bool
	cells []string
	// neutralized counts the cells that got a leading ' so the command can
	// say that the text differs from the post.
	neutralized int
}

func newCSVWriter(w io.Writer, excel, raw bool) (*csvWriter, error) {
	if excel {
		// The byte order mark tells Excel the file is UTF-8.
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = excel
	return &csvWriter{w: cw, excel: excel, raw: raw}, nil
}

func (c *csvWriter) header(cols []Column) error {
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	return c.w.Write(names)
}

func (c *csvWriter) row(cols []Column, vals []any) error {
	c.cells = c.cells[:0]
	for i, v := range vals {
		c.cells = append(c.cells, c.cell(cols[i].Kind, v))
	}
	return c.w.Write(c.cells)
}

func (c *csvWriter) cell(kind Kind, v any) string {
	switch v := v.(type) {
	case string:
		if kind == KindID && c.excel && isLongNumber(v) {
			// Excel turns 18 digits into 1.09876E+17 and loses the tail;
			// a formula that yields the text keeps every digit.
			return `="` + v + `"`
		}
		return c.safe(v)
	case []string:
		return c.safe(joinList(v))
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		return formatTime(v)
	}
	return ""
}

// safe makes s a CSV cell: valid UTF-8 (a bad byte becomes U+FFFD, as in
// JSONL and Parquet) and, unless raw, never a spreadsheet formula.
func (c *csvWriter) safe(s string) string {
	s = validUTF8(s)
	if c.raw {
		return s
	}
	n := csvsafe.Neutralize(s)
	if len(n) != len(s) {
		c.neutralized++
	}
	return n
}

// ListSeparator joins the items of a list cell in CSV. Items never contain
// it: joinList percent-encodes whitespace inside an item (valid tags,
// accounts and URLs have none; in a URL %20 is the same address).
const ListSeparator = " "

func joinList(items []string) string {
	var b strings.Builder
	for i, item := range items {
		if i > 0 {
			b.WriteString(ListSeparator)
		}
		if strings.IndexFunc(item, unicode.IsSpace) < 0 {
			b.WriteString(item)
			continue
		}
		for _, r := range item {
			if unicode.IsSpace(r) {
				var buf [utf8.UTFMax]byte
				for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
					fmt.Fprintf(&b, "%%%02X", c)
				}
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// isLongNumber: digits only and long enough for a spreadsheet to round it.
func isLongNumber(s string) bool {
	if len(s) < 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// jsonlWriter writes one JSON object per line, keys in column order.
type jsonlWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newJSONLWriter(w io.Writer) *jsonlWriter { return &jsonlWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (j *jsonlWriter) header([]Column) error { return nil }

func (j *jsonlWriter) row(cols []Column, vals []any) error {
	b := append(j.buf[:0], '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, cols[i].Name)
		b = append(b, ':')
		b = appendJSONValue(b, v)
	}
	b = append(b, '}', '\n')
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func (j *jsonlWriter) flush() error { return j.w.Flush() }

func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v)
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	case time.Time:
		if v.IsZero() {
			return append(b, "null"...)
		}
		return appendJSONString(b, formatTime(v))
	case json.RawMessage:
		if len(v) == 0 {
			return append(b, "null"...)
		}
		return appendCompactJSON(b, v)
	}
	return append(b, "null"...)
}

// appendJSONString quotes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript source: escape them.
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendCompactJSON appends valid JSON v on one line: whitespace between
// tokens dropped (servers may pretty-print), invalid UTF-8 inside strings
// replaced by U+FFFD, and U+2028/U+2029 escaped, so a JSON Lines record
// never spans two lines for any reader. v must be valid JSON (json.Valid).
func appendCompactJSON(b []byte, v []byte) []byte {
	inString := false
	for i := 0; i < len(v); {
		c := v[i]
		if !inString {
			switch c {
			case ' ', '\t', '\n', '\r':
			case '"':
				inString = true
				b = append(b, c)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\\':
				b = append(b, c, v[i+1]) // an escape: copy it whole (json.Valid guarantees the byte after)
				i += 2
				continue
			case '"':
				inString = false
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', "0123456789abcdef"[r&0xf])
		default:
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return b
}
