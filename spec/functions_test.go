package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// evalIn evaluates expr with the function table of a config in dir.
func evalIn(t *testing.T, dir string, allowOutside bool, expr string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, diags := hclsyntax.ParseExpression([]byte(expr), "test", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return e.Value(&hcl.EvalContext{Functions: functions(dir, real, allowOutside)})
}

func TestFunctions(t *testing.T) {
	outside := writeConfig(t, map[string]string{"secret.txt": "token"})
	dir := writeConfig(t, map[string]string{
		"files/hello.txt": "hello\n",
		"files/a.pdf":     "a",
		"files/sub/b.pdf": "b",
		"files/c.txt":     "c",
	})
	mkfifo(t, filepath.Join(dir, "pipe"))
	for _, tc := range []struct {
		expr    string
		want    cty.Value
		errPart string
	}{
		{`filesha256("files/hello.txt")`, cty.StringVal("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"), ""},
		{`filesize("files/hello.txt")`, cty.NumberIntVal(6), ""},
		{`file("files/hello.txt")`, cty.StringVal("hello\n"), ""},
		{`filebase64("files/a.pdf")`, cty.StringVal("YQ=="), ""},
		{`fileexists("files/a.pdf")`, cty.True, ""},
		{`fileexists("files/none.pdf")`, cty.False, ""},
		{`fileset("files", "*.pdf")`, cty.SetVal([]cty.Value{cty.StringVal("a.pdf")}), ""},
		{`fileset("files", "**/*.pdf")`, cty.SetVal([]cty.Value{cty.StringVal("a.pdf"), cty.StringVal("sub/b.pdf")}), ""},
		{`fileset("files", "*.doc")`, cty.SetValEmpty(cty.String), ""},
		{`abspath("files/a.pdf")`, cty.StringVal(filepath.ToSlash(filepath.Join(dir, "files/a.pdf"))), ""},
		{`basename("files/sub/b.pdf")`, cty.StringVal("b.pdf"), ""},
		{`startswith("ops@contoso.com", "ops@")`, cty.True, ""},
		{`strcontains("ops@contoso.com", "fabrikam")`, cty.False, ""},
		{`upper(trimsuffix("agenda.pdf", ".pdf"))`, cty.StringVal("AGENDA"), ""},
		{`filesize("files/none.pdf")`, cty.NilVal, "no file exists"},
		{`filesize("files")`, cty.NilVal, "not a regular file"},
		{`file("pipe")`, cty.NilVal, "not a regular file"},
		{`filesha256("pipe")`, cty.NilVal, "not a regular file"},
		{`file("../` + filepath.Base(outside) + `/secret.txt")`, cty.NilVal, "outside the config directory"},
		{`file("` + filepath.Join(outside, "secret.txt") + `")`, cty.NilVal, "outside the config directory"},
		{`file("~/.ssh/id_rsa")`, cty.NilVal, "outside the config directory"},
		{`fileset("files", "../../**")`, cty.NilVal, "outside the config directory"},
		{`fileset("/", "etc/*")`, cty.NilVal, "outside the config directory"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, diags := evalIn(t, dir, false, tc.expr)
			if tc.errPart != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.errPart) {
					t.Errorf("%s: diagnostics %v, want one saying %q", tc.expr, diags, tc.errPart)
				}
				return
			}
			if diags.HasErrors() {
				t.Fatalf("%s: %s", tc.expr, diags.Error())
			}
			if !got.RawEquals(tc.want) {
				t.Errorf("%s = %#v, want %#v", tc.expr, got, tc.want)
			}
		})
	}
	got, diags := evalIn(t, dir, true, `file("`+filepath.Join(outside, "secret.txt")+`")`)
	if diags.HasErrors() || got.AsString() != "token" {
		t.Errorf("with -allow-outside-sources, file() outside = %v %v", got, diags)
	}
}

func TestFunctionsDoNotUseTheWorkingDirectory(t *testing.T) {
	dir := writeConfig(t, map[string]string{"x.txt": "in config"})
	other := writeConfig(t, map[string]string{"x.txt": "in cwd"})
	wd, _ := os.Getwd()
	if err := os.Chdir(other); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	got, diags := evalIn(t, dir, false, `file("x.txt")`)
	if diags.HasErrors() || got.AsString() != "in config" {
		t.Errorf(`file("x.txt") = %v %v, want the config directory's file`, got, diags)
	}
}
