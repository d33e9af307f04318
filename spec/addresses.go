package spec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Address is an attachment address: attachment.NAME, or
// attachment.NAME["KEY"] for one instance of a for_each block.
type Address struct {
	Name   string
	Key    string
	HasKey bool
}

// String writes the address as plans and state show it.
func (a Address) String() string {
	if a.HasKey {
		return "attachment." + a.Name + "[" + strconv.Quote(a.Key) + "]"
	}
	return "attachment." + a.Name
}

// ParseAddress parses an address given on the command line (-target,
// -replace, import, state mv).
func ParseAddress(s string) (Address, hcl.Diagnostics) {
	t, diags := hclsyntax.ParseTraversalAbs([]byte(s), "<address>", hcl.InitialPos)
	if diags.HasErrors() {
		return Address{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("%q is not an attachment address such as attachment.agenda or attachment.handbook[\"intro.pdf\"].", s),
		}}
	}
	return addressOf(t)
}

// addressOf reads an address from a traversal.
func addressOf(t hcl.Traversal) (Address, hcl.Diagnostics) {
	rng := t.SourceRange()
	bad := func(detail string) (Address, hcl.Diagnostics) {
		return Address{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   detail + " An address is attachment.NAME, or attachment.NAME[\"KEY\"] for one instance of a for_each block.",
			Subject:  &rng,
		}}
	}
	if t.RootName() != "attachment" {
		return bad(fmt.Sprintf("Only attachments have addresses; %q is not one.", t.RootName()))
	}
	if len(t) < 2 || len(t) > 3 {
		return bad("The address has the wrong number of parts.")
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return bad("The attachment name must follow \"attachment.\".")
	}
	a := Address{Name: attr.Name}
	if len(t) == 3 {
		idx, ok := t[2].(hcl.TraverseIndex)
		if !ok || idx.Key.Type() != cty.String || !idx.Key.IsKnown() || idx.Key.IsNull() {
			return bad("The instance key must be a quoted string, as the keys of for_each are.")
		}
		a.Key, a.HasKey = idx.Key.AsString(), true
	}
	return a, nil
}

// addressAttr reads an address from a moved or import argument.
func (l *loader) addressAttr(a *hcl.Attribute) (Address, bool) {
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	if diags.HasErrors() {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("The %s argument takes an address written without quotes, such as attachment.agenda or attachment.handbook[\"intro.pdf\"].", a.Name),
			Subject:  a.Expr.Range().Ptr(),
		})
		return Address{}, false
	}
	addr, diags := addressOf(t)
	l.add(diags...)
	return addr, !diags.HasErrors()
}

// declared reports whether addr names something the configuration
// declares: a block, or an instance of one. When the block's keys are not
// known (offline), an instance counts as declared.
func (l *loader) declared(addr Address) bool {
	d := l.attachByName[addr.Name]
	switch {
	case d == nil:
		return false
	case !addr.HasKey:
		return true
	case d.keys == nil:
		return false // no for_each: no keyed instances
	case !d.keysKnown:
		return true
	}
	return d.keys[addr.Key]
}

func (l *loader) decodeMoved() {
	fromSeen := map[string]hcl.Range{}
	for _, b := range l.moved {
		content, diags := b.Body.Content(movedSchema)
		l.add(diags...)
		if diags.HasErrors() {
			continue
		}
		fa, ta := content.Attributes["from"], content.Attributes["to"]
		from, ok1 := l.addressAttr(fa)
		to, ok2 := l.addressAttr(ta)
		if !ok1 || !ok2 {
			continue
		}
		bad := func(a *hcl.Attribute, summary, detail string, args ...any) {
			l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: a.Expr.Range().Ptr()})
		}
		switch {
		case from == to:
			bad(ta, "Redundant moved block", "This block moves %s to itself. Remove it.", from)
		case from.HasKey != to.HasKey && from.Name == to.Name:
			bad(ta, "Invalid moved block", "Moving %s to %s within one block is not a rename: add or remove for_each and move each instance instead.", from, to)
		case l.declared(from):
			bad(fa, "Moved object still declared", "%s is still declared in the configuration, so nothing moved from it. Remove or rename its block, or remove this moved block.", from)
		case !l.declared(to):
			bad(ta, "Moved to an undeclared address", "%s is not declared in the configuration. A moved block's to must name an attachment that exists.%s", to, suggest(to.Name, keys(l.attachByName)))
		default:
			if prev, dup := fromSeen[from.String()]; dup {
				bad(fa, "Ambiguous moved blocks", "%s is also moved by the block at %s. Each address can move to one place only.", from, rangeString(prev))
				continue
			}
			fromSeen[from.String()] = b.DefRange
			l.cfg.Moved = append(l.cfg.Moved, Moved{From: from.String(), To: to.String(), DeclRange: b.DefRange})
		}
	}
}

// importAllowed is what an import id may refer to.
const importAllowed = refVar | refLocal | refPath

func (l *loader) decodeImports() {
	toSeen := map[string]hcl.Range{}
	for _, b := range l.imports {
		content, diags := b.Body.Content(importSchema)
		l.add(diags...)
		if diags.HasErrors() {
			continue
		}
		ta, ia := content.Attributes["to"], content.Attributes["id"]
		to, ok := l.addressAttr(ta)
		id, st := l.evalString(ia, importAllowed, nil)
		if st == valueKnown && strings.TrimSpace(id) == "" {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Empty import id",
				Detail:   "The id of an import block is the Graph id of the attachment to adopt; it cannot be empty.",
				Subject:  ia.Expr.Range().Ptr(),
			})
			st = valueBad
		}
		if st == valueAbsent {
			l.add(nullArgument(ia, "the import block"))
		}
		if !ok || st != valueKnown {
			continue
		}
		d := l.attachByName[to.Name]
		var problem string
		switch {
		case d == nil:
			problem = fmt.Sprintf("%s is not declared. Declare the attachment block, then import into it.%s", to, suggest(to.Name, keys(l.attachByName)))
		case d.content.Attributes["for_each"] != nil && !to.HasKey:
			problem = fmt.Sprintf("attachment.%s has for_each, so an import names one instance, as in attachment.%s[\"KEY\"].", to.Name, to.Name)
		case d.content.Attributes["for_each"] == nil && to.HasKey:
			problem = fmt.Sprintf("attachment.%s has no for_each, so its address takes no key: attachment.%s.", to.Name, to.Name)
		case !l.declared(to):
			problem = fmt.Sprintf("for_each of attachment.%s has no key %q.", to.Name, to.Key)
		}
		if problem != "" {
			l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import to an undeclared address", Detail: problem, Subject: ta.Expr.Range().Ptr()})
			continue
		}
		if prev, dup := toSeen[to.String()]; dup {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate import",
				Detail:   fmt.Sprintf("%s is also imported by the block at %s. An address can adopt one attachment only.", to, rangeString(prev)),
				Subject:  ta.Expr.Range().Ptr(),
			})
			continue
		}
		toSeen[to.String()] = b.DefRange
		l.cfg.Imports = append(l.cfg.Imports, Import{To: to.String(), ID: id, DeclRange: b.DefRange})
	}
}
