package spec

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/attachform/attachform/internal/addrs"
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
	keys      map[addrs.Key]bool // instance keys; nil without for_each or count
	keysKnown bool               // for_each or count could be evaluated (always true without them)
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
// key or count index, into Config.Attachments.
func (l *loader) expandAttachments() {
	for _, d := range l.attachments {
		if l.ctx.Err() != nil {
			return
		}
		preventDestroy, cbd := l.decodeLifecycle(d)
		x := l.expand("attachment."+d.name, d.content.Attributes, attachmentAllowed)
		d.keysKnown = x.known
		if x.repeated {
			d.keys = map[addrs.Key]bool{}
		}
		for _, inst := range x.instances {
			if x.repeated {
				d.keys[inst.key] = true
			}
			addr := addrs.AttachmentAddr(d.name, inst.key).String()
			if a := l.evalInstance(d, addr, attachmentAllowed|x.allowed, inst.each); a != nil {
				a.PreventDestroy, a.CreateBeforeDestroy = preventDestroy, cbd
				l.cfg.Attachments = append(l.cfg.Attachments, a)
			}
		}
	}
	sort.Slice(l.cfg.Attachments, func(i, j int) bool {
		return addrs.CompareStrings(l.cfg.Attachments[i].Address, l.cfg.Attachments[j].Address) < 0
	})
	sort.Slice(l.cfg.Targets, func(i, j int) bool { return l.cfg.Targets[i].Name < l.cfg.Targets[j].Name })
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

// evalInstance evaluates one attachment instance and checks it. It returns
// nil when the instance cannot be built (errors reported, or values not
// known offline).
func (l *loader) evalInstance(d *attachmentDecl, addr string, allowed refs, each *eachValues) *Attachment {
	attrs := d.content.Attributes
	a := &Attachment{Address: addr, DeclRange: d.block.DefRange}
	ok := true

	if a.Target = l.attachmentTarget(d, allowed, each); a.Target == nil {
		ok = false // reported, or the target block itself has errors
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
// or any expression whose value is a target: target.NAME["key"],
// each.value where for_each = target.NAME.
func (l *loader) attachmentTarget(d *attachmentDecl, allowed refs, each *eachValues) *Target {
	a := d.content.Attributes["target"]
	if a == nil {
		return nil // Content reported the missing argument
	}
	invalid := func(detail string, args ...any) *Target {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid target",
			Detail:   fmt.Sprintf(detail, args...),
			Subject:  a.Expr.Range().Ptr(),
		})
		return nil
	}
	if t, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() && len(t) == 2 && t.RootName() == "target" {
		if diag := l.checkRef(t, allowed); diag != nil {
			l.add(diag)
			return nil
		}
		td := l.targets[traversalNames(t)[1]]
		if td.repeated {
			return invalid("target.%s has for_each or count, so it is several items: name one instance, as in target = target.%s[each.key], or go over them with for_each = target.%s and target = each.value.",
				td.name, td.name, td.name)
		}
		return td.t
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
			if t := l.targetByName[n.AsString()]; t != nil {
				return t
			}
		}
	}
	return invalid("The target of attachment.%s must be a target, as in target = target.all_hands, or one instance of a target with for_each, as in target = target.welcome[each.key].", d.name)
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
