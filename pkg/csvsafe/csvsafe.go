// Package csvsafe writes CSV that spreadsheets open without running
// anything: a text cell that starts like a formula (=, +, -, @, tab, CR) is
// prefixed with an apostrophe, as OWASP recommends. encoding/csv does the
// quoting of commas, quotes and newlines.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Neutralize returns s so that no spreadsheet evaluates it.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer that neutralises every cell except those of the
// columns marked numeric (ids, counts, scores), which stay exact.
type Writer struct {
	w       *csv.Writer
	numeric map[int]bool
	row     []string
}

// NewWriter writes to out; bom starts the file with a UTF-8 byte order mark
// so that Excel reads it as UTF-8. numericCols are indexes left untouched.
func NewWriter(out io.Writer, bom bool, numericCols ...int) (*Writer, error) {
	if bom {
		if _, err := io.WriteString(out, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	w := &Writer{w: csv.NewWriter(out), numeric: map[int]bool{}}
	for _, c := range numericCols {
		w.numeric[c] = true
	}
	return w, nil
}

// Write writes one record.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for i, cell := range record {
		if !w.numeric[i] {
			cell = Neutralize(cell)
		}
		w.row = append(w.row, cell)
	}
	return w.w.Write(w.row)
}

// Flush writes buffered data and returns any error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
