package copharvest_test

// Tests of the import graph and of where hints live, as docs/ARCHITECTURE.md
// states them: the compiler does not enforce these rules, so this does.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/oeru/copharvest/"

// goFiles parses the Go files below dir (tests too when withTests), by
// package directory.
func goFiles(t *testing.T, dir string, withTests bool, mode parser.Mode) map[string][]*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string][]*ast.File{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || (!withTests && strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(filepath.Dir(path))] = append(out[filepath.ToSlash(filepath.Dir(path))], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files below %s", dir)
	}
	return out
}

// A command never imports another command: what two commands share lives in
// pkg/cmdutil or in a pkg/cmd/<name>/shared package. Only the root command,
// which assembles the tree, imports them all.
func TestCommandsDoNotImportCommands(t *testing.T) {
	for dir, files := range goFiles(t, "pkg/cmd", true, parser.ImportsOnly) {
		if dir == "pkg/cmd/root" {
			continue
		}
		for _, f := range files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				rel, ok := strings.CutPrefix(path, module)
				if !ok || !strings.HasPrefix(rel, "pkg/cmd/") || rel == dir || strings.HasSuffix(rel, "/shared") {
					continue
				}
				t.Errorf("%s imports the command %s: share through pkg/cmdutil or pkg/cmd/<name>/shared", dir, rel)
			}
		}
	}
}

// Only pkg/store talks to a database: no other package imports a driver
// (or knows which backend it talks to). Test support (internal/pgtest,
// tests) and the benchmarks' floors, which measure the bare driver, may.
func TestOnlyStoreImportsADatabaseDriver(t *testing.T) {
	drivers := []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq", "github.com/mattn/go-sqlite3"}
	checked := 0
	for dir, files := range goFiles(t, ".", false, parser.ImportsOnly) {
		if dir == "pkg/store" || dir == "internal/pgtest" || strings.HasPrefix(dir, "bench/") {
			continue
		}
		checked++
		for _, f := range files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, d := range drivers {
					if path == d || strings.HasPrefix(path, d+"/") {
						t.Errorf("%s imports the database driver %s: only pkg/store may", dir, path)
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d packages", checked)
	}
}

var (
	flagName    = regexp.MustCompile(`(^|[^\w-])--[a-z][a-z-]+`)
	commandName = regexp.MustCompile(`copharvest (sync|login|init|status|classify|communities|report|export|sample|eval|train|explain|demo|version|copy)\b`)
)

// Domain packages know nothing of flags or commands: their errors and
// warnings say what is wrong, and the command layer (cmdutil.Explain,
// cmdutil.WarningHint, cmdutil.ExplainAPIError) adds what to type. This
// checks every message a domain package builds: the strings given to
// errors.New, fmt.Errorf and warn functions, and those an Error method
// returns.
func TestDomainMessagesNameNoFlagsOrCommands(t *testing.T) {
	skip := map[string]bool{"pkg/cmd": true, "pkg/cmdutil": true}
	checked := 0
	for dir, files := range goFiles(t, "pkg", false, parser.SkipObjectResolution) {
		top := strings.Join(strings.SplitN(dir, "/", 3)[:2], "/")
		if skip[top] {
			continue
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				var msgs []ast.Node
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Name.Name == "Error" && n.Recv != nil && n.Body != nil {
						msgs = append(msgs, n.Body)
					}
				case *ast.CallExpr:
					if isMessageCall(n.Fun) {
						for _, a := range n.Args {
							msgs = append(msgs, a)
						}
					}
				}
				for _, m := range msgs {
					ast.Inspect(m, func(n ast.Node) bool {
						lit, ok := n.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							return true
						}
						checked++
						s, _ := strconv.Unquote(lit.Value)
						if flagName.MatchString(s) || commandName.MatchString(s) {
							t.Errorf("%s: message %q names a flag or command; return a typed error or warning kind and add the hint in pkg/cmdutil", dir, s)
						}
						return true
					})
				}
				return true
			})
		}
	}
	if checked < 100 {
		t.Errorf("only %d message strings found: the test no longer sees the messages", checked)
	}
}

// isMessageCall: errors.New, fmt.Errorf, and any function or method whose
// name begins with warn or Warn.
func isMessageCall(fun ast.Expr) bool {
	var name, pkg string
	switch f := fun.(type) {
	case *ast.Ident:
		name = f.Name
	case *ast.SelectorExpr:
		name = f.Sel.Name
		if id, ok := f.X.(*ast.Ident); ok {
			pkg = id.Name
		}
	}
	return (pkg == "errors" && name == "New") || (pkg == "fmt" && name == "Errorf") ||
		strings.HasPrefix(name, "warn") || strings.HasPrefix(name, "Warn")
}
