package classify

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed lexicon/*.txt
var embedded embed.FS

// Names of the lexicon lists; each is the file lexicon/<name>.txt.
const (
	ListSeedTags       = "seed_tags"
	ListAmbiguousTags  = "ambiguous_tags"
	ListDomainTags     = "domain_tags"
	ListDomainTerms    = "domain_terms"
	ListDomainSites    = "domain_sites"
	ListOffDomainTags  = "offdomain_tags"
	ListOffDomainTerms = "offdomain_terms"
	ListTools          = "tools"
	ListHowTo          = "howto"
	ListStory          = "story"
	ListSolution       = "solution"
	ListFeedback       = "feedback"
	ListJoint          = "joint"
	ListCommitment     = "commitment"
	ListQuestion       = "question"
	ListThanks         = "thanks"
	ListGreeting       = "greeting"
	ListHowQuestion    = "howquestion"
	ListNotYet         = "notyet"
	// Cues of the learned model (features, not rules).
	ListDoing    = "doing"
	ListPlanning = "planning"
	ListPast     = "past"
)

// ListNames are all lexicon lists, in a fixed order.
var ListNames = []string{
	ListSeedTags, ListAmbiguousTags, ListDomainTags, ListDomainTerms, ListDomainSites,
	ListOffDomainTags, ListOffDomainTerms, ListTools, ListHowTo, ListStory, ListSolution,
	ListFeedback, ListJoint, ListCommitment, ListQuestion, ListThanks, ListGreeting,
	ListHowQuestion, ListNotYet, ListDoing, ListPlanning, ListPast,
}

// Lexicon holds the word lists the rules match. Lists maps a list name
// (see ListNames) to its terms; SeedTags are the course's own hashtags
// (default cop and ds4oers), lower-case, without '#'.
type Lexicon struct {
	SeedTags []string
	Lists    map[string][]string
}

// DefaultLexicon returns the built-in lexicon. Each call returns a fresh
// copy that the caller may change.
func DefaultLexicon() *Lexicon {
	lex, err := loadLexicon(embedded, "lexicon", false)
	if err != nil {
		// The embedded files are tested; failing here is a build defect.
		panic(fmt.Sprintf("built-in lexicon: %v", err))
	}
	return lex
}

// LoadLexicon returns the built-in lexicon with each list replaced by the
// file of the same name (<name>.txt) found in dir, so a facilitator can adapt
// the lists to another course without recompiling. Files in dir that are not
// lexicon lists (other than README.txt) are an error, as they are most
// likely misnamed. Errors name the file and line.
func LoadLexicon(dir string) (*Lexicon, error) {
	lex := DefaultLexicon()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load lexicon: %w", err)
	}
	known := map[string]bool{}
	for _, n := range ListNames {
		known[n] = true
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".txt") || name == "README.txt" {
			continue
		}
		list := strings.TrimSuffix(name, ".txt")
		if !known[list] {
			return nil, fmt.Errorf("load lexicon %s: unknown list %q (known: %s)",
				filepath.Join(dir, name), list, strings.Join(ListNames, ", "))
		}
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("load lexicon: %w", err)
		}
		terms, err := parseList(f, path, isTagList(list))
		f.Close()
		if err != nil {
			return nil, err
		}
		lex.set(list, terms)
	}
	return lex, nil
}

func loadLexicon(fsys fs.FS, dir string, optional bool) (*Lexicon, error) {
	lex := &Lexicon{Lists: map[string][]string{}}
	for _, list := range ListNames {
		name := dir + "/" + list + ".txt"
		f, err := fsys.Open(name)
		if errors.Is(err, fs.ErrNotExist) && optional {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load lexicon %s: %w", name, err)
		}
		terms, err := parseList(f, name, isTagList(list))
		f.Close()
		if err != nil {
			return nil, err
		}
		lex.set(list, terms)
	}
	return lex, nil
}

func (l *Lexicon) set(list string, terms []string) {
	if list == ListSeedTags {
		l.SeedTags = terms
		return
	}
	l.Lists[list] = terms
}

// isTagList reports whether a list holds hashtags or site names, matched as
// whole strings rather than as words.
func isTagList(list string) bool {
	switch list {
	case ListSeedTags, ListAmbiguousTags, ListDomainTags, ListOffDomainTags, ListDomainSites:
		return true
	}
	return false
}

// parseList reads one term per line; '#' starts a comment at the start of a
// line or after a space. It checks each term so a bad line is reported with
// its file and line number.
func parseList(r io.Reader, name string, tags bool) ([]string, error) {
	var terms []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		term := strings.ToLower(line)
		if tags {
			term = strings.TrimPrefix(term, "#")
			if strings.ContainsAny(term, " \t") {
				return nil, fmt.Errorf("%s:%d: %q: one tag or site per line, without spaces", name, lineNo, line)
			}
		} else if err := checkTerm(term); err != nil {
			return nil, fmt.Errorf("%s:%d: %q: %w", name, lineNo, line, err)
		}
		if !seen[term] {
			seen[term] = true
			terms = append(terms, term)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return terms, nil
}

// checkTerm validates the word-term syntax described in lexicon/README.txt.
func checkTerm(term string) error {
	body := strings.TrimPrefix(term, "^")
	words := splitWords(body, nil)
	if len(words) == 0 {
		return errors.New("no words in term")
	}
	if strings.Contains(body, "^") {
		return errors.New("'^' only at the start of a term")
	}
	first := words[0]
	if strings.HasSuffix(first.text, "*") && len(first.text) < 5 {
		return errors.New("a prefix term needs at least 4 letters before '*'")
	}
	for _, w := range words {
		if strings.Count(w.text, "*") > 1 || (strings.Contains(w.text, "*") && !strings.HasSuffix(w.text, "*")) {
			return errors.New("'*' only at the end of a word")
		}
	}
	return nil
}
