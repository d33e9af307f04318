package views

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot is the repository's root, from this package's directory.
const moduleRoot = "../.."

// streamWiring is the command's files that hand the terminal's streams
// on: main.go makes them, views.go gives them to this package, log.go to
// go-hclog and cli.go to the command framework (for -help).
var streamWiring = map[string]bool{
	"cmd/attachform/main.go":  true,
	"cmd/attachform/views.go": true,
	"cmd/attachform/log.go":   true,
	"cmd/attachform/cli.go":   true,
}

// The rules doc.go states, checked on the module's source: this package
// is the only one that writes to the terminal. Outside it, no file but
// the command's stream wiring touches stdout or stderr (os.Stdout, or a
// streams value's out and err), nothing anywhere prints with fmt.Print,
// and no file but palette.go holds an ANSI escape.
func TestOutputGoesThroughViews(t *testing.T) {
	var names []string
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != moduleRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			rel, err := filepath.Rel(moduleRoot, path)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 100 || !slices.Contains(names, "cmd/attachform/main.go") {
		t.Fatalf("found %d Go files under %s: not the module", len(names), moduleRoot)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		f, err := parser.ParseFile(fset, filepath.Join(moduleRoot, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		streamsAllowed := streamWiring[name]
		inViews := strings.HasPrefix(name, "internal/views/")
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				x, _ := n.X.(*ast.Ident)
				switch {
				case x != nil && x.Name == "os" && (n.Sel.Name == "Stdout" || n.Sel.Name == "Stderr") && name != "cmd/attachform/main.go",
					x != nil && x.Name == "fmt" && strings.HasPrefix(n.Sel.Name, "Print"),
					(n.Sel.Name == "out" || n.Sel.Name == "err") && endsInStd(n.X) && !streamsAllowed && !inViews:
					t.Errorf("%s: writes around the view layer", fset.Position(n.Pos()))
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || name == "internal/views/palette.go" {
					break
				}
				if s, err := strconv.Unquote(n.Value); err == nil && strings.Contains(s, "\x1b") {
					t.Errorf("%s: an ANSI escape outside the palette", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}

// endsInStd reports whether e is std or something.std (a streams value).
func endsInStd(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "std"
	case *ast.SelectorExpr:
		return e.Sel.Name == "std"
	}
	return false
}

// The command wires; the packages beneath it do not reach sideways: the
// views and the workspace never import each other (the workspace reaches
// people through the Reporter it declares, which the views satisfy), and
// the arguments import neither, nor does any of them import the command.
func TestViewsWorkspaceArgumentsStayApart(t *testing.T) {
	const module = "github.com/attachform/attachform/"
	forbidden := map[string][]string{
		"internal/views":     {"internal/workspace", "cmd/"},
		"internal/workspace": {"internal/views", "cmd/"},
		"internal/arguments": {"internal/views", "internal/workspace", "cmd/"},
	}
	fset := token.NewFileSet()
	for dir, not := range forbidden {
		names, err := filepath.Glob(filepath.Join(moduleRoot, dir, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		for _, name := range names {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, n := range not {
					if strings.HasPrefix(path, module+n) {
						t.Errorf("%s imports %s", fset.Position(imp.Pos()), path)
					}
				}
			}
		}
	}
}
