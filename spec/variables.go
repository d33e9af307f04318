package spec

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// variableDecl is one variable block and, once assigned, its value.
type variableDecl struct {
	name        string
	block       *hcl.Block
	typ         cty.Type // cty.DynamicPseudoType when no type is given
	defaults    *typeexpr.Defaults
	def         *hcl.Attribute // default, nil when required
	sensitive   bool
	validations []validation
	ok          bool // the declaration decoded without errors

	value       cty.Value  // unmarked; cty.NilVal when unset
	valueSource string     // where the value came from, for diagnostics
	valueRange  *hcl.Range // the value's expression when it came from a file
}

type validation struct {
	condition, message hcl.Expression
}

func (l *loader) declareVariable(b *hcl.Block) {
	name := b.Labels[0]
	if !l.validName(b, 0, "variable") {
		return
	}
	if prev := l.variables[name]; prev != nil {
		l.duplicate(b, prev.block, fmt.Sprintf("variable %q", name), fmt.Sprintf("one variable %q block", name))
		return
	}
	l.variables[name] = &variableDecl{name: name, block: b, typ: cty.DynamicPseudoType}
}

// decodeVariables reads every variable block's type, default, sensitivity
// and validation rules.
func (l *loader) decodeVariables() {
	for _, name := range keys(l.variables) {
		v := l.variables[name]
		content, diags := v.block.Body.Content(variableSchema)
		l.add(diags...)
		ok := !diags.HasErrors()
		if a := content.Attributes["type"]; a != nil {
			ty, defaults, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
			l.add(diags...)
			if diags.HasErrors() {
				ok = false
			} else {
				v.typ, v.defaults = ty, defaults
			}
		}
		if a := content.Attributes["description"]; a != nil {
			_, ok2 := l.literal(a, cty.String)
			ok = ok && ok2
		}
		if a := content.Attributes["sensitive"]; a != nil {
			val, ok2 := l.literal(a, cty.Bool)
			ok = ok && ok2
			v.sensitive = ok2 && !val.IsNull() && val.True()
			if v.sensitive {
				if l.cfg.Sensitive == nil {
					l.cfg.Sensitive = map[string]bool{}
				}
				l.cfg.Sensitive[name] = true
			}
		}
		if a := content.Attributes["default"]; a != nil {
			v.def = a
		}
		for _, vb := range content.Blocks {
			vc, diags := vb.Body.Content(validationSchema)
			l.add(diags...)
			if diags.HasErrors() {
				ok = false
				continue
			}
			cond, msg := vc.Attributes["condition"], vc.Attributes["error_message"]
			if d := l.checkSelfRefs(cond.Expr, name); d != nil {
				l.add(d...)
				ok = false
				continue
			}
			if d := l.checkSelfRefs(msg.Expr, name); d != nil {
				l.add(d...)
				ok = false
				continue
			}
			v.validations = append(v.validations, validation{condition: cond.Expr, message: msg.Expr})
		}
		v.ok = ok
	}
}

// checkSelfRefs allows a validation rule to refer to its own variable only.
func (l *loader) checkSelfRefs(expr hcl.Expression, name string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		names := traversalNames(t)
		if len(names) >= 2 && names[0] == "var" && names[1] == name {
			continue
		}
		r := t.SourceRange()
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference in variable validation",
			Detail:   fmt.Sprintf("A validation rule of variable %q can refer only to var.%s.", name, name),
			Subject:  &r,
		})
	}
	return diags
}

// literal evaluates an attribute that may not refer to anything and
// converts it to ty.
func (l *loader) literal(a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	if diags := l.checkRefs(a.Expr, 0); diags.HasErrors() {
		l.add(diags...)
		return cty.NullVal(ty), false
	}
	v, diags := a.Expr.Value(&hcl.EvalContext{Functions: l.funcs})
	l.add(diags...)
	if diags.HasErrors() {
		return cty.NullVal(ty), false
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		// Only a syntax error, already reported, makes a literal unknown.
		if !l.diags.HasErrors() {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value not known",
				Detail:   fmt.Sprintf("The %s argument must be a value known when the manifest is read, such as a quoted string.", a.Name),
				Subject:  a.Expr.Range().Ptr(),
			})
		}
		return cty.NullVal(ty), false
	}
	return l.convert(v, ty, a.Expr.Range(), fmt.Sprintf("The %s argument", a.Name))
}

// convert converts v to ty, reporting a type error at rng.
func (l *loader) convert(v cty.Value, ty cty.Type, rng hcl.Range, what string) (cty.Value, bool) {
	out, err := convert.Convert(v, ty)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect value type",
			Detail:   fmt.Sprintf("%s must be %s: %s.", what, typeName(ty), err),
			Subject:  rng.Ptr(),
		})
		return cty.NullVal(ty), false
	}
	return out, true
}

func typeName(ty cty.Type) string {
	switch ty {
	case cty.String:
		return "a string"
	case cty.Bool:
		return "true or false"
	case cty.Number:
		return "a number"
	}
	return typeexpr.TypeString(ty)
}

// assignVariables gives every variable its value. Later sources win:
// defaults, then ATTACHFORM_VAR_name, then *.auto.attachvars files in name
// order, then -var-file files in order, then -var options in order, then
// VarArgs: -var and -var-file interleaved in command-line order, as
// Terraform applies them.
func (l *loader) assignVariables() {
	for _, name := range keys(l.variables) {
		v := l.variables[name]
		if v.ok && v.def != nil {
			if val, ok := l.defaultValue(v); ok {
				v.value, v.valueSource, v.valueRange = val, "its default", v.def.Expr.Range().Ptr()
			}
		}
	}
	l.varsFromEnv()
	l.varsFromAutoFiles()
	for _, path := range l.opts.VarFiles {
		l.varsFromFile(path, path, true)
	}
	for _, kv := range l.opts.Vars {
		l.varFromFlag(kv)
	}
	for _, a := range l.opts.VarArgs {
		if a.File {
			l.varsFromFile(a.Value, a.Value, true)
		} else {
			l.varFromFlag(a.Value)
		}
	}

	for _, name := range keys(l.variables) {
		v := l.variables[name]
		switch {
		case !v.ok:
			l.scope.setVar(name, cty.DynamicVal)
			continue
		case v.value == cty.NilVal:
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail: fmt.Sprintf("The variable %q has no default, and no value was given. Set it with -var='%s=…', in a -var-file or *%s file, or with the environment variable %s%s.",
					name, name, AutoVarsSuffix, VarEnvPrefix, name),
				Subject: v.block.DefRange.Ptr(),
			})
			l.scope.setVar(name, cty.DynamicVal)
			continue
		}
		if !l.validate(v) {
			l.scope.setVar(name, cty.DynamicVal)
			continue
		}
		val := v.value
		if v.sensitive {
			val = val.Mark(sensitiveMark)
		}
		l.scope.setVar(name, val)
	}
}

func (l *loader) defaultValue(v *variableDecl) (cty.Value, bool) {
	if d := l.checkRefs(v.def.Expr, 0); d.HasErrors() {
		l.add(d...)
		v.ok = false
		return cty.NilVal, false
	}
	raw, diags := v.def.Expr.Value(&hcl.EvalContext{Functions: l.funcs})
	l.add(diags...)
	if diags.HasErrors() {
		v.ok = false
		return cty.NilVal, false
	}
	val, err := v.accept(raw)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid default value for variable",
			Detail:   fmt.Sprintf("The default of variable %q does not fit its type: %s.", v.name, err),
			Subject:  v.def.Expr.Range().Ptr(),
		})
		v.ok = false
		return cty.NilVal, false
	}
	return val, true
}

// accept applies the type's optional-attribute defaults and converts raw
// to the variable's type.
func (v *variableDecl) accept(raw cty.Value) (cty.Value, error) {
	if v.defaults != nil {
		raw = v.defaults.Apply(raw)
	}
	return convert.Convert(raw, v.typ)
}

// rawIsString reports whether values given as text (-var, environment)
// are taken as strings rather than parsed as HCL expressions: so for
// primitive types and for untyped variables, as Terraform does.
func (v *variableDecl) rawIsString() bool {
	return v.typ.IsPrimitiveType() || v.typ == cty.DynamicPseudoType
}

// setFromText assigns a value given as text on the command line or in the
// environment.
func (l *loader) setFromText(v *variableDecl, text, source string) {
	var raw cty.Value
	if v.rawIsString() {
		raw = cty.StringVal(text)
	} else {
		expr, diags := hclsyntax.ParseExpression([]byte(text), source, hcl.InitialPos)
		if !diags.HasErrors() {
			diags = l.checkRefs(expr, 0)
		}
		if !diags.HasErrors() {
			raw, diags = expr.Value(&hcl.EvalContext{Functions: l.funcs})
		}
		if diags.HasErrors() {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value of variable %q from %s is not a valid HCL expression for type %s: %s.", v.name, source, typeexpr.TypeString(v.typ), diagsText(diags)),
				Subject:  v.block.DefRange.Ptr(),
			})
			v.ok = false
			return
		}
	}
	val, err := v.accept(raw)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value of variable %q from %s does not fit its type: %s.", v.name, source, err),
			Subject:  v.block.DefRange.Ptr(),
		})
		v.ok = false
		return
	}
	v.value, v.valueSource, v.valueRange = val, source, nil
}

func diagsText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			parts = append(parts, d.Summary)
		}
	}
	return strings.Join(parts, "; ")
}

func (l *loader) varsFromEnv() {
	for _, kv := range l.opts.Environ { // later entries win, as with getenv
		k, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, VarEnvPrefix) {
			continue
		}
		name := k[len(VarEnvPrefix):]
		if v := l.variables[name]; v != nil && v.ok {
			l.setFromText(v, val, "the environment variable "+k)
		}
	}
}

func (l *loader) varsFromAutoFiles() {
	entries, err := l.files.readDir(l.cfg.Dir)
	if err != nil {
		return // already reported by parseManifests
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, AutoVarsSuffix) || strings.HasSuffix(name, AutoVarsJSONSuffix)) {
			continue
		}
		l.varsFromFile(filepath.Join(l.cfg.Dir, name), name, false)
	}
}

// varsFromFile assigns the attributes of a variables file. path is read;
// display is its name in diagnostics. Values for undeclared variables are
// errors in a -var-file (explicit) and warnings in an automatic file.
func (l *loader) varsFromFile(path, display string, explicit bool) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.cfg.Dir, path)
	}
	f, diags := l.parseFile(path, display, strings.HasSuffix(path, ".json"))
	if f == nil {
		if explicit {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read -var-file",
				Detail:   fmt.Sprintf("The file %s given with -var-file cannot be read: %s. Paths are relative to the config directory.", display, diagsDetail(diags)),
			})
			return
		}
		l.add(diags...)
		return
	}
	l.add(diags...)
	attrs, diags := f.Body.JustAttributes()
	l.add(diags...)
	for _, name := range keys(attrs) {
		a := attrs[name]
		v := l.variables[name]
		if v == nil {
			sev, what := hcl.DiagWarning, "This value is ignored."
			if explicit {
				sev, what = hcl.DiagError, "Remove it from the file, or declare the variable."
			}
			l.add(&hcl.Diagnostic{
				Severity: sev,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("%s sets %q, but no variable %q is declared. %s%s", display, name, name, what, suggest(name, keys(l.variables))),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		if !v.ok {
			continue
		}
		if d := l.checkRefs(a.Expr, 0); d.HasErrors() {
			l.add(d...)
			v.ok = false
			continue
		}
		raw, diags := a.Expr.Value(&hcl.EvalContext{Functions: l.funcs})
		l.add(diags...)
		if diags.HasErrors() {
			v.ok = false
			continue
		}
		val, err := v.accept(raw)
		if err != nil {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value of variable %q does not fit its type: %s.", name, err),
				Subject:  a.Expr.Range().Ptr(),
			})
			v.ok = false
			continue
		}
		v.value, v.valueSource, v.valueRange = val, display, a.Expr.Range().Ptr()
	}
}

func diagsDetail(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			// Callers end the sentence themselves.
			return strings.TrimSuffix(d.Detail, ".")
		}
	}
	return "unknown error"
}

// varFromFlag applies one -var NAME=VALUE.
func (l *loader) varFromFlag(kv string) {
	name, val, ok := strings.Cut(kv, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid -var option",
			Detail:   fmt.Sprintf("The option -var=%q is not of the form NAME=VALUE, as in -var='mailbox=ops@contoso.com'.", kv),
		})
		return
	}
	v := l.variables[name]
	if v == nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Value for undeclared variable",
			Detail:   fmt.Sprintf("A value for %q was given with -var, but no variable %q is declared. Declare it with a variable block, or drop the option.%s", name, name, suggest(name, keys(l.variables))),
		})
		return
	}
	if v.ok {
		l.setFromText(v, val, "-var")
	}
}
