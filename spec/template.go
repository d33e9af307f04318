package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/attachform/attachform/internal/bytesize"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// templatefile is Terraform's templatefile(path, vars): it renders the
// file at path, a string template (${…} interpolations and %{…}
// directives), with vars as its variables and funcs (every function but
// templatefile itself) as its functions. The file is read like every
// other: resolved, symlinks included, and refused outside the
// configuration directory unless the run allows it, before a byte of it
// is read.
func (fs fsFuncs) templatefile(funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders the template file at path with the given variables.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path := args[0].AsString()
			src, err := fs.readTemplate(path)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			expr, diags := hclsyntax.ParseTemplate(src, filepath.ToSlash(path), hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("the template %s is not valid: %s", path, diagsSummary(diags)))
			}
			vars, err := templateVars(args[1])
			if err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
			for _, t := range expr.Variables() {
				if name := t.RootName(); !hasKey(vars, name) {
					r := t.SourceRange()
					return cty.NilVal, function.NewArgError(1, fmt.Errorf("the template %s refers to %q at line %d, which vars does not set (it sets %s)", path, name, r.Start.Line, setNames(vars)))
				}
			}
			val, diags := expr.Value(&hcl.EvalContext{Variables: vars, Functions: funcs})
			if diags.HasErrors() {
				return cty.NilVal, fmt.Errorf("rendering the template %s failed: %s", path, diagsSummary(diags))
			}
			if !val.IsWhollyKnown() {
				return cty.UnknownVal(cty.String), nil
			}
			out, err := convert.Convert(val, cty.String)
			if err != nil {
				return cty.NilVal, fmt.Errorf("the template %s renders to %s, not a string", path, val.Type().FriendlyName())
			}
			return out, nil
		},
	})
}

// readTemplate reads a template: inside the configuration directory
// unless the run allows otherwise, a regular file of at most
// MaxConfigFileSize, UTF-8.
func (fs fsFuncs) readTemplate(path string) ([]byte, error) {
	p, err := fs.resolve(path)
	if err != nil {
		return nil, err
	}
	var src []byte
	if fs.allowOutside {
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return nil, fmt.Errorf("no template file exists at %s", path)
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a regular file", path)
		case fi.Size() > MaxConfigFileSize:
			return nil, fmt.Errorf("%s is larger than the %s attachform reads of a template", path, bytesize.Format(MaxConfigFileSize))
		}
		if src, err = os.ReadFile(p); err != nil {
			return nil, fmt.Errorf("cannot read %s", path)
		}
	} else if src, err = readConfined(fs.dir, fs.realDir, p); err != nil {
		return nil, fmt.Errorf("the template %s cannot be used: %v", path, err)
	}
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("the template %s is not UTF-8 text", path)
	}
	return src, nil
}

// templateVars turns templatefile's second argument, an object or a map
// with identifier keys, into template variables.
func templateVars(v cty.Value) (map[string]cty.Value, error) {
	ty := v.Type()
	switch {
	case v.IsNull():
		return map[string]cty.Value{}, nil
	case !v.IsKnown():
		return nil, fmt.Errorf("vars must be known when the manifest is read")
	case !ty.IsObjectType() && !ty.IsMapType():
		return nil, fmt.Errorf("vars must be an object or a map, such as { name = \"Ada\" }, not %s", ty.FriendlyName())
	}
	out := map[string]cty.Value{}
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		name := k.AsString()
		if !hclIdentifier(name) {
			return nil, fmt.Errorf("vars key %q is not a valid name for a template variable", name)
		}
		out[name] = val
	}
	return out, nil
}

func hasKey(vars map[string]cty.Value, name string) bool {
	_, ok := vars[name]
	return ok
}

func setNames(vars map[string]cty.Value) string {
	if len(vars) == 0 {
		return "nothing"
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// diagsSummary is the errors of diags in one line, with their positions.
func diagsSummary(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		s := d.Summary
		if d.Subject != nil {
			s = fmt.Sprintf("line %d: %s", d.Subject.Start.Line, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
