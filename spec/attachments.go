package spec

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// attachmentDecl is one attachment block; with for_each it yields one
// Attachment per key.
type attachmentDecl struct {
	name      string
	block     *hcl.Block
	content   *hcl.BodyContent
	lifecycle *hcl.BodyContent
	keys      map[string]bool // instance keys; nil without for_each
	keysKnown bool            // for_each could be evaluated (always true without for_each)
}

// attachmentAllowed is what an attachment's arguments may refer to.
const attachmentAllowed = refVar | refLocal | refData | refTarget | refPath

func (l *loader) declareAttachment(b *hcl.Block) {
	name := b.Labels[0]
	if !l.validName(b, 0, "attachment") {
		return
	}
	if prev := l.attachByName[name]; prev != nil {
		l.duplicate(b, prev.block, fmt.Sprintf("attachment %q", name), fmt.Sprintf("one attachment %q block", name))
		return
	}
	content, diags := b.Body.Content(attachmentSchema)
	l.add(diags...)
	d := &attachmentDecl{name: name, block: b, content: content, keysKnown: true}
	for _, lb := range content.Blocks { // only lifecycle is in the schema
		if d.lifecycle != nil {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate lifecycle block",
				Detail:   fmt.Sprintf("Attachment %q has more than one lifecycle block. Merge them into one.", name),
				Subject:  lb.DefRange.Ptr(),
			})
			continue
		}
		lc, diags := lb.Body.Content(lifecycleSchema)
		l.add(diags...)
		d.lifecycle = lc
	}
	l.attachByName[name] = d
	l.attachments = append(l.attachments, d)
}

// expandAttachments evaluates every attachment block, once per for_each
// key, into Config.Attachments.
func (l *loader) expandAttachments() {
	for _, d := range l.attachments {
		if l.ctx.Err() != nil {
			return
		}
		preventDestroy, cbd := l.decodeLifecycle(d)
		fe := d.content.Attributes["for_each"]
		if fe == nil {
			if a := l.evalInstance(d, "attachment."+d.name, nil); a != nil {
				a.PreventDestroy, a.CreateBeforeDestroy = preventDestroy, cbd
				l.cfg.Attachments = append(l.cfg.Attachments, a)
			}
			continue
		}
		instances, known := l.forEach(d, fe)
		d.keysKnown = known
		d.keys = map[string]bool{}
		for _, inst := range instances {
			d.keys[inst.key] = true
			each := &eachValues{key: cty.StringVal(inst.key), value: inst.value}
			if a := l.evalInstance(d, instanceAddress(d.name, inst.key), each); a != nil {
				a.PreventDestroy, a.CreateBeforeDestroy = preventDestroy, cbd
				l.cfg.Attachments = append(l.cfg.Attachments, a)
			}
		}
	}
	sort.Slice(l.cfg.Attachments, func(i, j int) bool { return l.cfg.Attachments[i].Address < l.cfg.Attachments[j].Address })
	sort.Slice(l.cfg.Targets, func(i, j int) bool { return l.cfg.Targets[i].Name < l.cfg.Targets[j].Name })
}

// instanceAddress is attachment.NAME["KEY"], the key quoted as HCL does.
func instanceAddress(name, key string) string {
	return "attachment." + name + "[" + strconv.Quote(key) + "]"
}

func (l *loader) decodeLifecycle(d *attachmentDecl) (preventDestroy bool, createBeforeDestroy *bool) {
	if d.lifecycle == nil {
		return false, nil
	}
	if a := d.lifecycle.Attributes["prevent_destroy"]; a != nil {
		if v, ok := l.literal(a, cty.Bool); ok && !v.IsNull() {
			preventDestroy = v.True()
		}
	}
	if a := d.lifecycle.Attributes["create_before_destroy"]; a != nil {
		if v, ok := l.literal(a, cty.Bool); ok && !v.IsNull() {
			b := v.True()
			createBeforeDestroy = &b
		}
	}
	return preventDestroy, createBeforeDestroy
}

type instance struct {
	key   string
	value cty.Value
}

// forEach evaluates a for_each argument into instances sorted by key. It
// reports known=false when the value depends on data not looked up
// (offline); then no instance is checked.
func (l *loader) forEach(d *attachmentDecl, a *hcl.Attribute) (out []instance, known bool) {
	v, diags := l.scope.eval(a.Expr, attachmentAllowed, nil)
	l.add(diags...)
	if diags.HasErrors() {
		return nil, true
	}
	bad := func(detail string) ([]instance, bool) {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid for_each argument",
			Detail:   detail,
			Subject:  a.Expr.Range().Ptr(),
		})
		return nil, true
	}
	if v.IsMarked() {
		return bad("The for_each value is derived from a sensitive variable, and its keys would appear in addresses and plans. Use values that are not sensitive.")
	}
	if !v.IsWhollyKnown() {
		if l.opts.Data == nil {
			return nil, false
		}
		return bad("The for_each value depends on values not known yet. Use values known before Graph is asked, such as variables and fileset().")
	}
	if v.IsNull() {
		return bad("for_each is null. Give a map, or a set of strings such as fileset(\"handbook\", \"*.pdf\").")
	}
	ty := v.Type()
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, val := it.Element()
			out = append(out, instance{key: k.AsString(), value: val})
		}
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) && ty.ElementType() != cty.DynamicPseudoType {
			return bad(fmt.Sprintf("for_each has a set of %s; a set must hold strings, which become the instance keys.", ty.ElementType().FriendlyName()))
		}
		for it := v.ElementIterator(); it.Next(); {
			_, val := it.Element()
			if val.IsNull() {
				return bad("for_each has a null element; every key must be a string.")
			}
			out = append(out, instance{key: val.AsString(), value: val})
		}
	case ty.IsListType() || ty.IsTupleType():
		return bad("for_each has a list; list positions would change the address of every attachment after an inserted one. Convert it with toset(...) or build a map.")
	default:
		return bad(fmt.Sprintf("for_each has %s; it takes a map, or a set of strings.", ty.FriendlyName()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, true
}

// evalInstance evaluates one attachment instance and checks it. It returns
// nil when the instance cannot be built (errors reported, or values not
// known offline).
func (l *loader) evalInstance(d *attachmentDecl, addr string, each *eachValues) *Attachment {
	allowed := attachmentAllowed
	if each != nil {
		allowed |= refEach
	}
	attrs := d.content.Attributes
	a := &Attachment{Address: addr, DeclRange: d.block.DefRange}
	ok := true

	td := l.attachmentTarget(d, allowed, each)
	if td == nil || td.t == nil {
		ok = false // reported, or the target block itself has errors
	} else {
		a.Target = td.t
	}

	srcAttr := attrs["source"]
	var srcOK bool
	if srcAttr != nil {
		src, st := l.evalString(srcAttr, allowed, each)
		switch st {
		case valueKnown:
			a.Source, a.Size, srcOK = l.resolveSource(addr, src, srcAttr.Expr.Range())
		case valueAbsent:
			l.add(nullArgument(srcAttr, addr))
		case valueUnknown:
			return nil
		}
	}
	ok = ok && srcOK

	str := func(at *hcl.Attribute) (string, valueState) { return l.evalString(at, allowed, each) }
	boolean := func(at *hcl.Attribute) (bool, valueState) { return l.evalBool(at, allowed, each) }
	a.Name = ""
	if !optional(attrs["name"], str, &ok, func(s string, r hcl.Range) bool { a.Name = s; return l.checkName(addr, s, r) }) {
		return nil
	}
	if a.Name == "" && srcOK {
		a.Name = filepath.Base(a.Source)
		if srcAttr != nil {
			ok = l.checkName(addr, a.Name, srcAttr.Expr.Range()) && ok
		}
	}

	if !optional(attrs["content_type"], str, &ok, func(s string, r hcl.Range) bool { a.ContentType = s; return l.checkContentType(addr, s, r) }) {
		return nil
	}
	if a.ContentType == "" && srcOK {
		a.ContentType = detectContentType(a.Name, a.Source)
	}

	// inline and content_id are checked together, by kind, below.
	if !optional(attrs["inline"], boolean, &ok, func(b bool, _ hcl.Range) bool { a.Inline = b; return true }) ||
		!optional(attrs["content_id"], str, &ok, func(s string, _ hcl.Range) bool { a.ContentID = s; return true }) {
		return nil
	}
	if a.Target != nil {
		ok = l.checkKindRules(d, addr, a) && ok
	}
	if !ok {
		return nil
	}
	return a
}

// attachmentTarget resolves the target argument: normally target.NAME,
// or any expression whose value is a target (each.value.target).
func (l *loader) attachmentTarget(d *attachmentDecl, allowed refs, each *eachValues) *targetDecl {
	a := d.content.Attributes["target"]
	if a == nil {
		return nil // Content reported the missing argument
	}
	if t, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() && len(t) == 2 && t.RootName() == "target" {
		if diag := l.checkRef(t, allowed); diag != nil {
			l.add(diag)
			return nil
		}
		return l.targets[traversalNames(t)[1]]
	}
	v, diags := l.scope.eval(a.Expr, allowed, each)
	l.add(diags...)
	if diags.HasErrors() {
		return nil
	}
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return nil // a target with errors, reported where it is declared
	}
	if v.Type().IsObjectType() && v.Type().HasAttribute("name") && !v.IsNull() {
		if n := v.GetAttr("name"); n.IsKnown() && !n.IsNull() && n.Type() == cty.String {
			if td := l.targets[n.AsString()]; td != nil {
				return td
			}
		}
	}
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid target",
		Detail:   fmt.Sprintf("The target of %s must be a target block, as in target = target.all_hands.", d.name),
		Subject:  a.Expr.Range().Ptr(),
	})
	return nil
}

// optional evaluates an optional argument of an instance, if set, and
// hands a known value to use, which checks it. A bad value clears *ok; a
// value not known offline returns false: the instance cannot be built
// yet, and is checked when it can.
func optional[T any](at *hcl.Attribute, eval func(*hcl.Attribute) (T, valueState), ok *bool, use func(T, hcl.Range) bool) bool {
	if at == nil {
		return true
	}
	v, st := eval(at)
	switch st {
	case valueKnown:
		*ok = use(v, at.Expr.Range()) && *ok
	case valueBad:
		*ok = false
	case valueUnknown:
		return false
	}
	return true
}
