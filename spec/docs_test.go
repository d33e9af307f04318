package spec

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// docsManifest is docs/manifest.md, the user's reference.
func docsManifest(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "manifest.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A function row: | `name` | `example` | `result` or (prose) |
var functionRow = regexp.MustCompile("^\\| `([a-z0-9]+)` \\| `(.+)` \\| (.+) \\|$")

// TestDocsFunctions evaluates every example in the function tables of
// docs/manifest.md and compares it with the documented result, and checks
// that every function in the table is documented and nothing else is.
func TestDocsFunctions(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"files/hello.txt": "hello\n",
		"files/a.pdf":     "a",
		"files/sub/b.pdf": "b",
		"files/hello.tpl": "Hello, ${name}!",
	})
	real, _ := filepath.EvalSymlinks(dir)
	funcs := functions(dir, real, false)
	documented := map[string]bool{}
	for _, line := range strings.Split(docsManifest(t), "\n") {
		m := functionRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, example, result := m[1], m[2], m[3]
		documented[name] = true
		if _, ok := funcs[name]; !ok {
			t.Errorf("%s is documented but not a function", name)
			continue
		}
		got, diags := evalDoc(example, funcs)
		if diags.HasErrors() {
			t.Errorf("%s: %s", example, diags.Error())
			continue
		}
		if strings.HasPrefix(result, "(") {
			continue // described, not a fixed value
		}
		want, diags := evalDoc(strings.Trim(result, "`"), funcs)
		if diags.HasErrors() {
			t.Errorf("result of %s: %s", example, diags.Error())
			continue
		}
		gj, _ := ctyjson.SimpleJSONValue{Value: got}.MarshalJSON()
		wj, _ := ctyjson.SimpleJSONValue{Value: want}.MarshalJSON()
		if string(gj) != string(wj) {
			t.Errorf("%s = %s, docs say %s", example, gj, wj)
		}
	}
	var missing []string
	for name := range funcs {
		if !documented[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("functions without an example in docs/manifest.md: %v", missing)
	}
}

func evalDoc(expr string, funcs map[string]function.Function) (cty.Value, hcl.Diagnostics) {
	e, diags := hclsyntax.ParseExpression([]byte(expr), "doc", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return e.Value(&hcl.EvalContext{Functions: funcs})
}

// TestDocsArguments checks that every block and argument of the schema is
// documented in docs/manifest.md.
func TestDocsArguments(t *testing.T) {
	doc := docsManifest(t)
	var need []string
	add := func(s *hcl.BodySchema) {
		for _, a := range s.Attributes {
			need = append(need, "`"+a.Name+"`")
		}
		for _, b := range s.Blocks {
			need = append(need, "`"+b.Type+"`")
		}
	}
	for _, s := range []*hcl.BodySchema{graphSchema, variableSchema, validationSchema, targetSchema, attachmentSchema, lifecycleSchema, movedSchema, importSchema} {
		add(s)
	}
	// Backend types and their settings are state/backends' to document
	// (its TestDocs): spec knows none.
	for kind, s := range dataSchemas {
		add(s)
		need = append(need, "| `"+kind+"` |")
	}
	for _, b := range rootSchema.Blocks {
		need = append(need, "## "+b.Type)
	}
	for _, s := range need {
		if !strings.Contains(doc, s) {
			t.Errorf("docs/manifest.md does not document %s", s)
		}
	}
}
