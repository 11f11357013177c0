package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultLexicon(t *testing.T) {
	lex := DefaultLexicon()
	if strings.Join(lex.SeedTags, ",") != "cop,ds4oers" {
		t.Errorf("seed tags %v", lex.SeedTags)
	}
	for _, name := range ListNames {
		if name == ListSeedTags {
			continue
		}
		if len(lex.Lists[name]) == 0 {
			t.Errorf("list %s is empty", name)
		}
	}
	// A fresh copy each time: changing one does not change the next.
	lex.Lists[ListDomainTerms] = nil
	if len(DefaultLexicon().Lists[ListDomainTerms]) == 0 {
		t.Error("DefaultLexicon shares state between calls")
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadLexiconOverrides(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "seed_tags.txt", "# another course (tags without '#': a leading # is a comment)\nOpenMaths\n")
	writeFile(t, dir, "domain_terms.txt", "algebra   # inline comment\ngeometr*\n")
	writeFile(t, dir, "README.txt", "ignored")
	lex, err := LoadLexicon(dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lex.SeedTags, ",") != "openmaths" {
		t.Errorf("seed tags %v", lex.SeedTags)
	}
	if strings.Join(lex.Lists[ListDomainTerms], ",") != "algebra,geometr*" {
		t.Errorf("domain terms %v", lex.Lists[ListDomainTerms])
	}
	if len(lex.Lists[ListTools]) == 0 {
		t.Error("lists not in dir should stay built in")
	}
	c := New(lex).WithModel(nil)
	r := c.Classify(&Input{HTML: "<p>Geometry proofs</p>", Tags: []string{"openmaths"}})
	if h, ok := hit(r.Domain, "D2"); !ok || !containsString(h.Matched, "geometry") || containsString(h.Matched, "geometr*") {
		t.Errorf("custom term not matched: %v", r.Domain.Hits)
	}
	if h, ok := hit(r.Domain, "D1"); !ok || !containsString(h.Matched, "#openmaths") {
		t.Errorf("custom seed tag not matched: %v", r.Domain.Hits)
	}
}

func TestLoadLexiconErrors(t *testing.T) {
	tests := []struct {
		file, content, want string
	}{
		{"howto.txt", "try\n\nab*\n", "howto.txt:3"},
		{"story.txt", "we ^tried\n", "story.txt:1"},
		{"domain_tags.txt", "open ed\n", "domain_tags.txt:1"},
		{"domian_terms.txt", "x\n", "unknown list"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		writeFile(t, dir, tt.file, tt.content)
		_, err := LoadLexicon(dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to mention %q", tt.file, err, tt.want)
		}
	}
	if _, err := LoadLexicon(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing dir: no error")
	}
}

func TestAnalyse(t *testing.T) {
	info := analyse("Tip: use CC BY 4.0 — it’s easy. Has anyone tried? #cop @ana https://x.org/a?b")
	var words []string
	for _, w := range info.words {
		words = append(words, w.text)
	}
	if got := strings.Join(words, " "); got != "tip use cc by 4 0 it's easy has anyone tried" {
		t.Errorf("words %q", got)
	}
	if !info.words[1].start || info.words[2].start {
		t.Errorf("sentence starts wrong: %+v", info.words[:3])
	}
	last := info.words[len(info.words)-1]
	if !info.question[last.sent] || info.question[info.words[0].sent] {
		t.Errorf("question flags %v", info.question)
	}
}

func TestFoldMatchesFoldRune(t *testing.T) {
	for _, s := range []string{"", "plain words", "Mixed CASE `quoted`", "Ünïcode Straße ’tis", "A\xffB", "ZA`za"} {
		if got, want := fold(s), strings.Map(foldRune, s); got != want {
			t.Errorf("fold(%q) = %q, want %q", s, got, want)
		}
	}
}
