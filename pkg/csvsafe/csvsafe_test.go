package csvsafe

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestFormulaCellsNeutralizedAndRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, false, 0)
	rows := [][]string{
		{"-5", "=HYPERLINK(\"http://evil\")", "+1", "@SUM(A1)", "\tx", "\rx", "line one\nline \"two\", three"},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-5", "'=HYPERLINK(\"http://evil\")", "'+1", "'@SUM(A1)", "'\tx", "'\rx", "line one\nline \"two\", three"}
	for i := range want {
		if got[0][i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, got[0][i], want[i])
		}
	}
}

func TestBOM(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, true)
	w.Write([]string{"a"})
	w.Flush()
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) {
		t.Errorf("no BOM: %q", buf.Bytes())
	}
}

func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"=1+1", "-2", "hello", "", "@x", "\t=", "'=a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralize(s)
		if n != "" {
			switch n[0] {
			case '=', '+', '-', '@', '\t', '\r':
				t.Fatalf("Neutralize(%q) = %q still starts like a formula", s, n)
			}
		}
		if n != s && n != "'"+s {
			t.Fatalf("Neutralize(%q) = %q changed more than a prefix", s, n)
		}
	})
}
