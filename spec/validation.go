package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// validate runs a variable's validation rules against its value.
func (l *loader) validate(v *variableDecl) bool {
	if !v.value.IsWhollyKnown() {
		return true // only after a syntax error, already reported
	}
	val := v.value
	if v.sensitive {
		val = val.Mark(sensitiveMark)
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{v.name: val})},
		Functions: l.funcs,
	}
	ok := true
	for _, rule := range v.validations {
		res, diags := rule.condition.Value(ctx)
		l.add(diags...)
		if diags.HasErrors() {
			ok = false
			continue
		}
		res, _ = res.Unmark()
		res, err := convert.Convert(res, cty.Bool)
		if err != nil || res.IsNull() || !res.IsKnown() {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "A validation condition must be true or false.",
				Subject:  rule.condition.Range().Ptr(),
			})
			ok = false
			continue
		}
		if res.True() {
			continue
		}
		msg := "The value is not valid."
		if m, diags := rule.message.Value(ctx); !diags.HasErrors() {
			if m, err := convert.Convert(m, cty.String); err == nil && m.IsWhollyKnown() && !m.IsNull() {
				if m.IsMarked() {
					msg = "(The error message refers to a sensitive value and is not shown.)"
				} else {
					msg = m.AsString()
				}
			}
		}
		subject := v.valueRange
		if subject == nil {
			subject = rule.condition.Range().Ptr()
		}
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("%s\n\nThe value of var.%s from %s failed the validation rule at %s.",
				msg, v.name, v.valueSource, rangeString(rule.condition.Range())),
			Subject: subject,
		})
		ok = false
	}
	return ok
}

// redactSensitive replaces the values of sensitive variables in every
// diagnostic's text. Marks keep them out of HCL's own value listings, but a
// function's error message may quote its argument ("cannot convert
// "s3cr3t" to number").
func (l *loader) redactSensitive() {
	var secrets []string
	for _, v := range l.variables {
		if !v.sensitive || v.value == cty.NilVal {
			continue
		}
		_ = cty.Walk(v.value, func(_ cty.Path, val cty.Value) (bool, error) {
			if val.IsKnown() && !val.IsNull() && val.Type() == cty.String && len(val.AsString()) >= 3 {
				secrets = append(secrets, val.AsString())
			}
			return true, nil
		})
	}
	if len(secrets) == 0 {
		return
	}
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s, "(sensitive value)")
	}
	r := strings.NewReplacer(pairs...)
	for _, d := range l.diags {
		d.Summary, d.Detail = r.Replace(d.Summary), r.Replace(d.Detail)
	}
}
