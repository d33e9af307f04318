package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docs/troubleshooting.md explains every error this package names: each
// sentinel (by its name and the text users see) and each Graph error code
// the client recognises. A new sentinel or code without an entry fails
// here.
func TestTroubleshootingNamesEveryError(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^Error[A-Z][A-Za-z]+$`)
	fset := token.NewFileSet()
	sentinels, codes := 0, 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				// ErrX = errors.New("text")
				for i, id := range n.Names {
					if !strings.HasPrefix(id.Name, "Err") || !id.IsExported() || i >= len(n.Values) {
						continue
					}
					call, ok := n.Values[i].(*ast.CallExpr)
					if !ok || len(call.Args) != 1 {
						continue
					}
					lit, ok := call.Args[0].(*ast.BasicLit)
					if !ok {
						continue
					}
					text, _ := strconv.Unquote(lit.Value)
					sentinels++
					if !strings.Contains(string(doc), "`graph."+id.Name+"`") || !strings.Contains(string(doc), "`"+text+"`") {
						t.Errorf("docs/troubleshooting.md does not explain graph.%s (%q): give it an entry with both", id.Name, text)
					}
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING && code.MatchString(s) {
					codes++
					if !strings.Contains(string(doc), "`"+s+"`") {
						t.Errorf("%s: the client recognises Graph's %s, which docs/troubleshooting.md does not explain", fset.Position(n.Pos()), s)
					}
				}
			}
			return true
		})
	}
	if sentinels < 10 || codes == 0 {
		t.Errorf("found %d sentinels and %d codes: the scan is broken", sentinels, codes)
	}
}
