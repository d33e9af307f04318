package spec

import (
	"fmt"
	"strings"

	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// valueState says whether an evaluated argument can be used.
type valueState int

const (
	valueKnown   valueState = iota
	valueUnknown            // depends on something not known offline; checks are skipped
	valueBad                // an error was reported
	valueAbsent             // null: the argument is as good as not set
)

// evalAs evaluates an attribute and converts it to ty, stripping marks
// (sensitivity matters for display, not for the desired configuration).
func (l *loader) evalAs(a *hcl.Attribute, ty cty.Type, allowed refs, each *eachValues) (cty.Value, valueState) {
	v, diags := l.scope.eval(a.Expr, allowed, each)
	l.add(diags...)
	if diags.HasErrors() {
		return cty.NilVal, valueBad
	}
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return cty.NilVal, valueAbsent
	}
	if !v.IsWhollyKnown() {
		return cty.NilVal, valueUnknown
	}
	out, err := convert.Convert(v, ty)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect value type",
			Detail:   fmt.Sprintf("The %s argument must be %s: %s.", a.Name, typeName(ty), err),
			Subject:  a.Expr.Range().Ptr(),
		})
		return cty.NilVal, valueBad
	}
	return out, valueKnown
}

func (l *loader) evalString(a *hcl.Attribute, allowed refs, each *eachValues) (string, valueState) {
	v, st := l.evalAs(a, cty.String, allowed, each)
	if st != valueKnown {
		return "", st
	}
	return v.AsString(), st
}

func (l *loader) evalBool(a *hcl.Attribute, allowed refs, each *eachValues) (bool, valueState) {
	v, st := l.evalAs(a, cty.Bool, allowed, each)
	if st != valueKnown {
		return false, st
	}
	return v.True(), st
}

// checkOwner checks the value of an owner's argument (a user's mailbox,
// a group): an id or name that Graph takes as one path segment. Its words
// are the owner's, from item's table.
func (l *loader) checkOwner(o item.Owner, s string, rng hcl.Range) bool {
	if strings.TrimSpace(s) != "" && !strings.ContainsAny(s, "/\\?# \t\r\n") {
		return true
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + o.Argument(),
		Detail:   fmt.Sprintf("%q is not a %s. Give %s, without spaces or slashes.", s, o.Argument(), o.NamedBy()),
		Subject:  rng.Ptr(),
	})
	return false
}
