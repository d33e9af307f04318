package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// viewLayer is the files that may write to the streams: the views, the
// palette, and the renderers they call.
func viewLayer(name string) bool {
	return strings.HasSuffix(name, "view.go") || name == "palette.go" || name == "diagnostics.go" || name == "plantext.go"
}

// The rules view.go states, checked on this command's source: outside the
// view layer no file touches stdout or stderr (main.go makes the streams;
// log.go hands stderr to go-hclog), nothing prints with fmt.Print, and no
// file but palette.go holds an ANSI escape.
func TestOutputGoesThroughViews(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		streamsAllowed := viewLayer(name) || name == "main.go" || name == "log.go"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				x, _ := n.X.(*ast.Ident)
				switch {
				case x != nil && x.Name == "os" && (n.Sel.Name == "Stdout" || n.Sel.Name == "Stderr") && !streamsAllowed,
					x != nil && x.Name == "fmt" && strings.HasPrefix(n.Sel.Name, "Print"),
					(n.Sel.Name == "out" || n.Sel.Name == "err") && endsInStd(n.X) && !streamsAllowed:
					t.Errorf("%s: writes around the view layer", fset.Position(n.Pos()))
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || name == "palette.go" {
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
