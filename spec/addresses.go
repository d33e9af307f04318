package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// addressHelp ends every invalid-address diagnostic.
const addressHelp = ` An address is attachment.NAME, attachment.NAME["KEY"] for one instance of a for_each block, or attachment.NAME[N] for one of a count block. In a shell, quote it: -target='attachment.handbook["intro.pdf"]'.`

// ParseAddress parses an attachment address given on the command line
// (-replace, import, state mv and rm).
func ParseAddress(s string) (addrs.Address, hcl.Diagnostics) {
	a, diags := ParseAnyAddress(s)
	if diags.HasErrors() {
		return a, diags
	}
	if a.Kind != addrs.Attachment {
		return addrs.Address{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("Only attachments are recorded and replaced; %s is %s.%s", a, kindPhrase(a.Kind), addressHelp),
		}}
	}
	return a, nil
}

// kindPhrase names what an address of kind k is, for messages.
func kindPhrase(k addrs.Kind) string {
	switch k {
	case addrs.Target:
		return "a target"
	case addrs.Data:
		return "a data source"
	case addrs.Undeclared:
		return "an attachment no manifest declares"
	}
	return "an attachment"
}

// ParseAnyAddress parses any address given on the command line: an
// attachment, or a target or data source (-target of a target selects
// the attachments on it).
func ParseAnyAddress(s string) (addrs.Address, hcl.Diagnostics) {
	a, err := addrs.Parse(s)
	if err != nil {
		var pe *addrs.ParseError
		msg := err.Error()
		if errors.As(err, &pe) {
			msg = pe.Msg
		}
		return addrs.Address{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("%q is not an address: %s.%s", s, msg, addressHelp),
		}}
	}
	return a, nil
}

// addressOf reads an attachment address from a traversal.
func addressOf(t hcl.Traversal) (addrs.Address, hcl.Diagnostics) {
	rng := t.SourceRange()
	bad := func(detail string) (addrs.Address, hcl.Diagnostics) {
		return addrs.Address{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   detail + addressHelp,
			Subject:  &rng,
		}}
	}
	if t.RootName() != "attachment" {
		return bad(fmt.Sprintf("Only attachments have addresses here; %q is not one.", t.RootName()))
	}
	if len(t) < 2 || len(t) > 3 {
		return bad("The address has the wrong number of parts.")
	}
	attr, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return bad("The attachment name must follow \"attachment.\".")
	}
	if len(t) == 2 {
		return addrs.AttachmentAddr(attr.Name, addrs.NoKey), nil
	}
	idx, ok := t[2].(hcl.TraverseIndex)
	if !ok {
		return bad("The instance key must be in brackets.")
	}
	k, detail := keyOf(idx.Key)
	if detail != "" {
		return bad(detail)
	}
	return addrs.AttachmentAddr(attr.Name, k), nil
}

// keyOf turns an index value into an instance key: a string (for_each)
// or a whole number (count).
func keyOf(v cty.Value) (addrs.Key, string) {
	v, _ = v.Unmark()
	switch {
	case !v.IsKnown() || v.IsNull():
		return addrs.Key{}, "The instance key must be known and not null."
	case v.Type() == cty.String:
		return addrs.StringKey(v.AsString()), ""
	case v.Type() == cty.Number:
		var n int
		if err := gocty.FromCtyValue(v, &n); err != nil || n < 0 {
			return addrs.Key{}, "A count index is a whole number, 0 or more."
		}
		return addrs.IntKey(n), ""
	}
	return addrs.Key{}, "The instance key must be a quoted string, as the keys of for_each are, or a count index."
}

// addressAttr reads an address from a moved or import argument.
func (l *loader) addressAttr(a *hcl.Attribute) (addrs.Address, bool) {
	t, diags := hcl.AbsTraversalForExpr(a.Expr)
	if diags.HasErrors() {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid address",
			Detail:   fmt.Sprintf("The %s argument takes an address written without quotes, such as attachment.agenda or attachment.handbook[\"intro.pdf\"].", a.Name),
			Subject:  a.Expr.Range().Ptr(),
		})
		return addrs.Address{}, false
	}
	addr, diags := addressOf(t)
	l.add(diags...)
	return addr, !diags.HasErrors()
}

// declaredFrom reports whether addr, a moved block's from, is declared:
// then nothing moved from it. A block with for_each or count declares its
// instances, not an address without a key.
func (l *loader) declaredFrom(addr addrs.Address) bool {
	d := l.attachByName[addr.Name]
	switch {
	case d == nil:
		return false
	case addr.Key.IsNone():
		return d.keys == nil
	}
	return l.declaredInstance(d, addr.Key)
}

// declaredTo reports whether addr, a moved block's to, is declared: a
// block (every instance moves, keys kept), or an instance of one.
func (l *loader) declaredTo(addr addrs.Address) bool {
	d := l.attachByName[addr.Name]
	switch {
	case d == nil:
		return false
	case addr.Key.IsNone():
		return true
	}
	return l.declaredInstance(d, addr.Key)
}

// declaredInstance reports whether d has the instance k. When its keys
// are not known (offline) every instance counts as declared.
func (l *loader) declaredInstance(d *attachmentDecl, k addrs.Key) bool {
	switch {
	case d.keys == nil:
		return false // no for_each or count: no keyed instances
	case !d.keysKnown:
		return true
	}
	return d.keys[k]
}

func (l *loader) decodeMoved() {
	fromSeen := map[addrs.Address]hcl.Range{}
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
		case from.Key.IsNone() && to.Key.IsNone() && from.Name != to.Name && l.declaredTo(from):
			bad(fa, "Moved object still declared", "%s is still declared in the configuration, so nothing moved from it. Remove or rename its block, or remove this moved block.", from)
		case l.declaredFrom(from):
			bad(fa, "Moved object still declared", "%s is still declared in the configuration, so nothing moved from it. Remove or rename its block, or remove this moved block.", from)
		case !l.declaredTo(to):
			bad(ta, "Moved to an undeclared address", "%s is not declared in the configuration. A moved block's to must name an attachment that exists.%s", to, suggest(to.Name, keys(l.attachByName)))
		default:
			if prev, dup := fromSeen[from]; dup {
				bad(fa, "Ambiguous moved blocks", "%s is also moved by the block at %s. Each address can move to one place only.", from, rangeString(prev))
				continue
			}
			fromSeen[from] = b.DefRange
			l.cfg.Moved = append(l.cfg.Moved, Moved{From: from.String(), To: to.String(), DeclRange: b.DefRange})
		}
	}
}

// importAllowed is what an import id may refer to.
const importAllowed = refVar | refLocal | refPath

// decodeImports reads import blocks, each with for_each into one import
// per key (Terraform 1.7): to = attachment.NAME[each.key], id = each.value.
func (l *loader) decodeImports() {
	toSeen := map[addrs.Address]hcl.Range{}
	for _, b := range l.imports {
		content, diags := b.Body.Content(importSchema)
		l.add(diags...)
		if diags.HasErrors() {
			continue
		}
		x := l.expand("the import block", content.Attributes, importAllowed)
		if x.allowed == refCount {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported argument",
				Detail:   `An import block takes for_each, not count: for_each = { KEY = "attachment id" } with to = attachment.NAME[each.key] and id = each.value.`,
				Subject:  content.Attributes["count"].NameRange.Ptr(),
			})
			continue
		}
		for _, inst := range x.instances {
			if imp, ok := l.importInstance(b, content, importAllowed|x.allowed, inst.each, toSeen); ok {
				l.cfg.Imports = append(l.cfg.Imports, imp)
			}
		}
	}
}

// importInstance reads one import: its to address and its id.
func (l *loader) importInstance(b *hcl.Block, content *hcl.BodyContent, allowed refs, each *eachValues, toSeen map[addrs.Address]hcl.Range) (Import, bool) {
	ta, ia := content.Attributes["to"], content.Attributes["id"]
	to, ok := l.importTo(ta, allowed, each)
	id, st := l.evalString(ia, allowed, each)
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
		return Import{}, false
	}
	d := l.attachByName[to.Name]
	var problem string
	switch {
	case d == nil && to.Key.IsNone() && l.opts.GenerateConfig:
		// plan -generate-config-out writes this import's attachment block.
		if _, dup := toSeen[to]; !dup {
			toSeen[to] = b.DefRange
			l.cfg.Unconfigured = append(l.cfg.Unconfigured, Import{To: to.String(), ID: id, DeclRange: b.DefRange})
			return Import{}, false
		}
	case d == nil:
		problem = fmt.Sprintf("%s is not declared. Declare the attachment block, then import into it.%s", to, suggest(to.Name, keys(l.attachByName)))
	case d.keys != nil && to.Key.IsNone():
		problem = fmt.Sprintf("attachment.%s has for_each or count, so an import names one instance, as in attachment.%s[\"KEY\"] or attachment.%s[0].", to.Name, to.Name, to.Name)
	case d.keys == nil && !to.Key.IsNone():
		problem = fmt.Sprintf("attachment.%s has no for_each or count, so its address takes no key: attachment.%s.", to.Name, to.Name)
	case !to.Key.IsNone() && !l.declaredInstance(d, to.Key):
		problem = fmt.Sprintf("attachment.%s has no instance %s.", to.Name, to.Key)
	}
	if problem != "" {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import to an undeclared address", Detail: problem, Subject: ta.Expr.Range().Ptr()})
		return Import{}, false
	}
	if prev, dup := toSeen[to]; dup {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate import",
			Detail:   fmt.Sprintf("%s is also imported by the block at %s. An address can adopt one attachment only.", to, rangeString(prev)),
			Subject:  ta.Expr.Range().Ptr(),
		})
		return Import{}, false
	}
	toSeen[to] = b.DefRange
	return Import{To: to.String(), ID: id, DeclRange: b.DefRange}, true
}

// importTo reads an import's to: a static address, or, in a block with
// for_each, attachment.NAME[EXPR] whose key is evaluated per instance.
func (l *loader) importTo(a *hcl.Attribute, allowed refs, each *eachValues) (addrs.Address, bool) {
	ix, isIndex := nativeExpr(a.Expr).(*hclsyntax.IndexExpr)
	if !isIndex {
		return l.addressAttr(a)
	}
	t, diags := hcl.AbsTraversalForExpr(ix.Collection)
	if diags.HasErrors() {
		return l.addressAttr(a) // reports the address as invalid
	}
	block, diags := addressOf(t)
	if diags.HasErrors() || !block.Key.IsNone() {
		l.add(diags...)
		if !diags.HasErrors() {
			l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid address", Detail: "The address has two instance keys." + addressHelp, Subject: a.Expr.Range().Ptr()})
		}
		return addrs.Address{}, false
	}
	v, diags := l.scope.eval(ix.Key, allowed, each)
	l.add(diags...)
	if diags.HasErrors() {
		return addrs.Address{}, false
	}
	if v.IsMarked() {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid instance key",
			Detail:  "The key is derived from a sensitive value, and would appear in addresses and plans. Use values that are not sensitive.",
			Subject: ix.Key.Range().Ptr()})
		return addrs.Address{}, false
	}
	if v.IsKnown() && !v.IsNull() && v.Type() != cty.String {
		if n, err := convert.Convert(v, cty.Number); err == nil {
			v = n
		}
	}
	k, detail := keyOf(v)
	if detail != "" {
		l.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid instance key", Detail: detail, Subject: ix.Key.Range().Ptr()})
		return addrs.Address{}, false
	}
	return block.Instance(k), true
}

// nativeExpr is expr, or, for a string in a JSON manifest, the expression
// the string spells ("attachment.x[each.key]"), as Terraform reads a JSON
// import's to. A string that is no expression is left as it was.
func nativeExpr(expr hcl.Expression) hcl.Expression {
	if _, native := expr.(hclsyntax.Expression); native {
		return expr
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return expr
	}
	rng := expr.Range()
	parsed, diags := hclsyntax.ParseExpression([]byte(v.AsString()), rng.Filename, rng.Start)
	if diags.HasErrors() {
		return expr
	}
	return parsed
}
