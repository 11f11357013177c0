package export

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"

	"github.com/oeru/copharvest/pkg/build"
)

// parquetRowGroupRows bounds the rows held in memory before a row group is
// written out, so memory stays flat however many posts there are.
const parquetRowGroupRows = 50_000

// parquetWriter writes Apache Parquet with typed columns: times as UTC
// timestamps (created_local as a wall-clock timestamp), flags as booleans
// (null when unknown), counts as 64-bit integers, scores as doubles, lists
// as LIST of strings, raw JSON as a JSON string; empty text is null. The
// schema follows the selected columns, in their order: a struct type is
// built for them at run time and parquet-go writes values of it.
type parquetWriter struct {
	out     io.Writer
	dataset string
	w       *parquet.GenericWriter[any]
	rows    []any         // the one row Write is given
	next    reflect.Value // the struct the next row is set in
	buf     []byte
}

func newParquetWriter(out io.Writer, dataset string) *parquetWriter {
	return &parquetWriter{out: out, dataset: dataset}
}

func (p *parquetWriter) header(cols []Column) error {
	fields := make([]reflect.StructField, len(cols))
	for i, c := range cols {
		typ, tag := parquetType(c.Kind)
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: typ,
			Tag: reflect.StructTag(fmt.Sprintf(`parquet:"%s%s"`, c.Name, tag))}
	}
	typ := reflect.StructOf(fields)
	p.next = reflect.New(typ).Elem()
	schema := parquet.NewSchema(p.dataset, parquet.SchemaOf(p.next.Addr().Interface()))
	p.w = parquet.NewGenericWriter[any](p.out, schema, parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(parquetRowGroupRows), parquet.CreatedBy("copharvest", build.String(), ""))
	return nil
}

// parquetType is the Go type and parquet tag options of a column kind.
func parquetType(k Kind) (reflect.Type, string) {
	switch k {
	case KindTime:
		return reflect.TypeFor[time.Time](), ",optional,timestamp(microsecond:utc)"
	case KindLocalTime:
		return reflect.TypeFor[time.Time](), ",optional,timestamp(microsecond:local)"
	case KindInt:
		return reflect.TypeFor[int64](), ""
	case KindFloat:
		return reflect.TypeFor[float64](), ""
	case KindBool:
		return reflect.TypeFor[*bool](), ",optional"
	case KindList:
		return reflect.TypeFor[[]string](), ",list"
	case KindJSON:
		return reflect.TypeFor[string](), ",optional,json"
	}
	return reflect.TypeFor[string](), ",optional"
}

func (p *parquetWriter) row(cols []Column, vals []any) error {
	for i, v := range vals {
		f := p.next.Field(i)
		f.SetZero()
		switch v := v.(type) {
		case string:
			f.SetString(validUTF8(v))
		case []string:
			for j, item := range v {
				if !utf8.ValidString(item) {
					v = slices.Clone(v)
					v[j] = validUTF8(item)
				}
			}
			f.Set(reflect.ValueOf(v))
		case bool:
			f.Set(reflect.ValueOf(&v))
		case int64:
			f.SetInt(v)
		case int:
			f.SetInt(int64(v))
		case float64:
			f.SetFloat(v)
		case time.Time:
			if !v.IsZero() && cols[i].Kind == KindLocalTime {
				// A timestamp without time zone holds the wall clock.
				v = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
			}
			f.Set(reflect.ValueOf(v))
		case json.RawMessage:
			if len(v) > 0 {
				p.buf = appendCompactJSON(p.buf[:0], v)
				f.SetString(string(p.buf))
			}
		}
	}
	if p.rows == nil {
		p.rows = []any{p.next.Addr().Interface()}
	}
	_, err := p.w.Write(p.rows)
	return err
}

// validUTF8: CSV and Parquet strings must be UTF-8 (DuckDB rejects the
// file otherwise); each bad byte becomes U+FFFD, as in JSONL.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func (p *parquetWriter) flush() error {
	if p.w == nil {
		return nil
	}
	return p.w.Close()
}
