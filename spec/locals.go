package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// localDecl is one named value in a locals block.
type localDecl struct {
	name string
	attr *hcl.Attribute
}

func (l *loader) declareLocals(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	l.add(diags...)
	for _, name := range keys(attrs) {
		a := attrs[name]
		if !hclIdentifier(name) {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid local value name",
				Detail:   fmt.Sprintf("%q is not a valid name. A name starts with a letter or underscore and holds only letters, digits, underscores and dashes.", name),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		if prev := l.locals[name]; prev != nil {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate local value definition",
				Detail:   fmt.Sprintf("The local value %q was already defined at %s. Each local value is defined once; rename or remove one.", name, rangeString(prev.attr.NameRange)),
				Subject:  a.NameRange.Ptr(),
			})
			continue
		}
		l.locals[name] = &localDecl{name: name, attr: a}
	}
}

// localAllowed is what a local value may refer to.
const localAllowed = refVar | refLocal | refData | refTarget | refPath

func (l *loader) evalLocal(d *localDecl) {
	v, diags := l.scope.eval(d.attr.Expr, localAllowed, nil)
	l.add(diags...)
	l.scope.setLocal(d.name, v)
}
