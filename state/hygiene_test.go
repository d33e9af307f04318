package state

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// State's root holds the model, the codec and the backend contract only:
// no Azure SDK (the credential a backend is opened with belongs to
// state/backend), and no reading of the environment or the machine (who
// holds a lock, the CI run, the cache directory): the commands read those
// and pass them in as values.
func TestRootReadsNoEnvironment(t *testing.T) {
	forbiddenImports := []string{"github.com/Azure/azure-sdk-for-go/", "os/user"}
	forbiddenCalls := map[string]bool{
		"Getenv": true, "LookupEnv": true, "Environ": true, "ExpandEnv": true, "Hostname": true,
		"UserCacheDir": true, "UserConfigDir": true, "UserHomeDir": true,
	}
	files, _ := filepath.Glob("*.go")
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		checked++
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		osName := ""
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbiddenImports {
				if strings.HasPrefix(path, bad) {
					t.Errorf("%s imports %s", f, path)
				}
			}
			if path == "os" {
				osName = "os"
				if imp.Name != nil {
					osName = imp.Name.Name
				}
			}
		}
		ast.Inspect(af, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && osName != "" && x.Name == osName && forbiddenCalls[sel.Sel.Name] {
				t.Errorf("%s uses os.%s", f, sel.Sel.Name)
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no files of package state found")
	}
}
