package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// targetDecl is one target block and, once evaluated, its Targets.
type targetDecl struct {
	name     string
	block    *hcl.Block
	content  *hcl.BodyContent
	repeated bool    // for_each or count: the block is several targets
	t        *Target // without for_each or count; nil when the block has errors
}

// targetAllowed is what a target's arguments may refer to.
const targetAllowed = refVar | refLocal | refData | refPath

func (l *loader) declareTarget(b *hcl.Block) {
	name := b.Labels[0]
	if !l.validName(b, 0, "target") {
		return
	}
	if prev := l.targets[name]; prev != nil {
		l.duplicate(b, prev.block, fmt.Sprintf("target %q", name), fmt.Sprintf("one target %q block", name))
		return
	}
	content, diags := b.Body.Content(withMeta(targetSchema))
	l.add(diags...)
	l.targets[name] = &targetDecl{name: name, block: b, content: content}
}

// evalTarget checks a target block and builds its Targets, one per
// for_each key or count index.
func (l *loader) evalTarget(d *targetDecl) {
	x := l.expand("target."+d.name, d.content.Attributes, targetAllowed)
	d.repeated = x.repeated
	values := make(map[addrs.Key]cty.Value, len(x.instances))
	for _, inst := range x.instances {
		addr := addrs.TargetAddr(d.name, inst.key)
		name := d.name + inst.key.String()
		t := l.evalTargetInstance(d, name, targetAllowed|x.allowed, inst.each)
		if t == nil {
			values[inst.key] = cty.DynamicVal
			continue
		}
		t.addr = addr
		if !x.repeated {
			d.t = t
		}
		l.cfg.Targets = append(l.cfg.Targets, t)
		l.targetByName[name] = t
		values[inst.key] = targetValue(t)
	}
	l.scope.setTarget(d.name, x.collect(values))
}

// evalTargetInstance checks one instance of a target block and builds its
// Target, named name (NAME or NAME["key"]); nil when it has errors.
func (l *loader) evalTargetInstance(d *targetDecl, name string, allowed refs, each *eachValues) *Target {
	attrs := d.content.Attributes
	t := &Target{Name: name, DeclRange: d.block.DefRange}

	// The item: exactly one of the kinds' arguments (message, event,
	// todo_task); its kind's owner argument (mailbox) names the mailbox.
	var present []*hcl.Attribute
	for _, k := range item.Kinds() {
		if a := attrs[string(k)]; a != nil {
			present = append(present, a)
		}
	}
	def, _ := item.Kind("").Definition()
	if len(present) == 1 {
		def, _ = item.Kind(present[0].Name).Definition()
	}
	ownerArg := def.Owner.Argument()
	ok := attrs[ownerArg] != nil

	str := func(name string) (string, valueState) {
		a := attrs[name]
		if a == nil {
			return "", valueAbsent
		}
		s, st := l.evalString(a, allowed, each)
		if st == valueKnown && strings.TrimSpace(s) == "" {
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Empty " + name,
				Detail:   fmt.Sprintf("The %s of target.%s is empty. Give the Graph id, or remove the argument.", name, t.Name),
				Subject:  a.Expr.Range().Ptr(),
			})
			return "", valueBad
		}
		return s, st
	}

	// need evaluates a required argument and hands a known value to use,
	// which checks it; one not known offline makes the target unknown.
	need := func(a *hcl.Attribute, use func(string) bool) {
		s, st := str(a.Name)
		switch st {
		case valueKnown:
			ok = use(s) && ok
		case valueUnknown:
			t.Unknown = true
		case valueBad:
			ok = false
		case valueAbsent:
			l.add(nullArgument(a, "target."+t.Name))
			ok = false
		}
	}

	if a := attrs[ownerArg]; a != nil {
		need(a, func(s string) bool { t.Item.Mailbox = s; return l.checkOwner(def.Owner, s, a.Expr.Range()) })
	} else if !slices.ContainsFunc(targetSchema.Attributes, func(s hcl.AttributeSchema) bool { return s.Name == ownerArg && s.Required }) {
		// Kinds of several owners: the schema requires none of their
		// arguments, so the kind's is checked here, as Content would.
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail:   fmt.Sprintf("The argument %q is required, but no definition was found.", ownerArg),
			Subject:  d.block.DefRange.Ptr(),
		})
	}
	if a := attrs["exclusive"]; a != nil {
		b, st := l.evalBool(a, allowed, each)
		if st == valueBad {
			ok = false
		}
		t.Exclusive = b
	}

	switch len(present) {
	case 0:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Target names no item",
			Detail:   fmt.Sprintf("target.%s needs exactly one of %s to say which item attachments go on.", t.Name, itemArguments(item.Definitions())),
			Subject:  d.block.DefRange.Ptr(),
		})
		ok = false
	case 1:
		t.Item.Kind = item.Kind(present[0].Name)
		need(present[0], func(s string) bool { t.Item.ID = s; return true })
	default:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Target names several items",
			Detail: fmt.Sprintf("target.%s sets both %s and %s. A target is one item: keep one, and declare another target for the other item.",
				t.Name, present[0].Name, present[1].Name),
			Subject: present[1].NameRange.Ptr(),
		})
		ok = false
	}

	ok = l.checkParents(t, def, attrs, present, need) && ok
	if !ok {
		return nil
	}
	return t
}

// checkParents checks the parent arguments (todo_list) against the item,
// present the arguments naming one: the kind's parent is required, and
// another kind's is refused. A parent set is evaluated by need into the
// item's list id. It reports false after a diagnostic.
func (l *loader) checkParents(t *Target, def item.Definition, attrs hcl.Attributes, present []*hcl.Attribute, need func(*hcl.Attribute, func(string) bool)) bool {
	ok := true
	for _, p := range item.Parents() {
		a := attrs[p.Argument]
		switch {
		case def.Parent == p && a == nil:
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing " + p.Argument,
				Detail:   fmt.Sprintf("target.%s names a %s; %s, so %s is required as well.", t.Name, def.Label, p.Why, p.Argument),
				Subject:  present[0].NameRange.Ptr(),
			})
			ok = false
		case def.Parent != p && a != nil && len(present) < 2:
			var kinds, nouns []string
			for _, d := range item.Definitions() {
				if d.Parent == p {
					kinds, nouns = append(kinds, string(d.Kind)), append(nouns, d.Noun)
				}
			}
			l.add(&hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("%s without %s", p.Argument, strings.Join(kinds, " or ")),
				Detail: fmt.Sprintf("target.%s sets %s, which only makes sense with %s. Add the %s, or remove %s.",
					t.Name, p.Argument, strings.Join(kinds, " or "), strings.Join(nouns, " or "), p.Argument),
				Subject: a.NameRange.Ptr(),
			})
			ok = false
		case a != nil:
			need(a, func(s string) bool { t.Item.ListID = s; return true })
		}
	}
	return ok
}

// itemArguments lists the target arguments that name an item of the
// kinds defs (item's table in the program), for people: "message, event
// or todo_task (with todo_list)".
func itemArguments(defs []item.Definition) string {
	var names []string
	for _, d := range defs {
		n := string(d.Kind)
		if d.Parent != nil {
			n += " (with " + d.Parent.Argument + ")"
		}
		names = append(names, n)
	}
	return wordList(names, "or")
}

// wordList joins names for a sentence: "a, b and c" with conj "and".
func wordList(names []string, conj string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// Address is the target's address: target.NAME or target.NAME["key"].
func (t *Target) Address() addrs.Address {
	if t.addr.Kind == addrs.Target {
		return t.addr
	}
	a, err := addrs.Parse("target." + t.Name) // a Target built by hand
	if err != nil {
		return addrs.TargetAddr(t.Name, addrs.NoKey)
	}
	return a
}

// targetValue is target.NAME (or one instance, target.NAME["key"]) as
// expressions see it; ids not yet known (offline) are unknown. Its name is
// the instance's (NAME["key"]): an attachment's target argument finds the
// instance by it.
func targetValue(t *Target) cty.Value {
	str := func(s string, known bool) cty.Value {
		if !known {
			return cty.UnknownVal(cty.String)
		}
		return cty.StringVal(s)
	}
	return cty.ObjectVal(map[string]cty.Value{
		"name":      cty.StringVal(t.Name),
		"mailbox":   str(t.Item.Mailbox, t.Item.Mailbox != ""),
		"kind":      cty.StringVal(string(t.Item.Kind)),
		"id":        str(t.Item.ID, t.Item.ID != ""),
		"list_id":   str(t.Item.ListID, t.Item.ListID != "" || !t.Item.Kind.Traits().InList),
		"exclusive": cty.BoolVal(t.Exclusive),
	})
}

func nullArgument(a *hcl.Attribute, where string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Null value for " + a.Name,
		Detail:   fmt.Sprintf("The %s of %s is null; it needs a value.", a.Name, where),
		Subject:  a.Expr.Range().Ptr(),
	}
}
