package spec

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// instance is one instance of a block with for_each or count: its key and
// what each.* or count.index is inside it. A block with neither has one
// instance, with no key and nil each.
type instance struct {
	key  addrs.Key
	each *eachValues
}

// expansion is what a block's for_each or count made of it. A for_each or
// count in error is reported once and leaves the block not known, so that
// what refers to its instances is not reported again.
type expansion struct {
	// repeated says the block has for_each or count: its value is then a
	// map (for_each) or a tuple (count) of its instances' values, and
	// each instance's address has a key.
	repeated bool
	// known is false when for_each or count depends on what is not known
	// (offline: data not looked up), or is in error; there are then no
	// instances, and the block's value is unknown.
	known     bool
	instances []instance
	// allowed is the extra reference each instance's arguments may use:
	// each (for_each) or count (count).
	allowed refs
}

// maxInstances bounds how many instances one block may have: a count of a
// billion is a mistake, not a tenant.
const maxInstances = 100_000

// expand evaluates a block's for_each or count. what names the block in
// messages ("data.message.welcome"); allowed is what the meta-arguments
// may refer to. A block with both is an error, as Terraform's.
func (l *loader) expand(what string, attrs hcl.Attributes, allowed refs) expansion {
	fe, count := attrs["for_each"], attrs["count"]
	switch {
	case fe != nil && count != nil:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  `Invalid combination of "count" and "for_each"`,
			Detail:   fmt.Sprintf(`The "count" and "for_each" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of instances of %s.`, what),
			Subject:  fe.NameRange.Ptr(),
		})
		return expansion{repeated: true} // not known: what refers to it stays quiet
	case fe != nil:
		insts, known := l.forEach(fe, allowed)
		return expansion{repeated: true, known: known, instances: insts, allowed: refEach}
	case count != nil:
		insts, known := l.count(count, allowed)
		return expansion{repeated: true, known: known, instances: insts, allowed: refCount}
	}
	return expansion{known: true, instances: []instance{{}}}
}

// forEach evaluates a for_each argument into instances sorted by key.
// Only the keys must be known: a map whose values are not known yet
// (offline) still has its instances, and each.value is unknown in them.
func (l *loader) forEach(a *hcl.Attribute, allowed refs) (out []instance, known bool) {
	v, diags := l.scope.eval(a.Expr, allowed, nil)
	l.add(diags...)
	if diags.HasErrors() {
		return nil, false
	}
	bad := func(detail string, args ...any) ([]instance, bool) {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid for_each argument",
			Detail:   fmt.Sprintf(detail, args...),
			Subject:  a.Expr.Range().Ptr(),
		})
		return nil, false // reported: what refers to the block stays quiet
	}
	const sensitive = "Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as an instance key in addresses and plans."
	if v.IsMarked() {
		return bad(sensitive)
	}
	ty := v.Type()
	unknown := func() ([]instance, bool) {
		if l.opts.Data == nil || l.diags.HasErrors() {
			return nil, false // offline, or a lookup it needs failed (reported)
		}
		return bad(`The "for_each" value depends on values that are not known: its keys must be known before any change is planned. Use values known before Graph is asked, such as variables, fileset() and data sources that were found.`)
	}
	if !v.IsKnown() {
		return unknown()
	}
	if v.IsNull() {
		return bad(`The given "for_each" argument value is unsuitable: the given "for_each" argument value is null. A map, or set of strings is allowed.`)
	}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, val := it.Element()
			out = append(out, instance{key: addrs.StringKey(k.AsString()), each: &eachValues{key: k, value: val}})
		}
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) && ty.ElementType() != cty.DynamicPseudoType {
			return bad(`The given "for_each" argument value is unsuitable: "for_each" supports maps and sets of strings, but you have provided a set containing type %s.`, ty.ElementType().FriendlyName())
		}
		for it := v.ElementIterator(); it.Next(); {
			_, val := it.Element()
			if !val.IsKnown() {
				return unknown() // a set's elements are its keys
			}
			if val.IsMarked() {
				return bad(sensitive)
			}
			if val.IsNull() {
				return bad(`The given "for_each" argument value is unsuitable: "for_each" sets must not contain null values.`)
			}
			if val.Type() != cty.String {
				return bad(`The given "for_each" argument value is unsuitable: "for_each" supports maps and sets of strings, but you have provided a set containing type %s.`, val.Type().FriendlyName())
			}
			out = append(out, instance{key: addrs.StringKey(val.AsString()), each: &eachValues{key: val, value: val}})
		}
	case ty.IsListType() || ty.IsTupleType():
		return bad(`The given "for_each" argument value is unsuitable: the "for_each" argument must be a map, or set of strings, and you have provided a value of type %s. A list's positions would change the address of every instance after an inserted element: convert it with toset(...), or build a map with a for expression.`, ty.FriendlyName())
	default:
		return bad(`The given "for_each" argument value is unsuitable: the "for_each" argument must be a map, or set of strings, and you have provided a value of type %s.`, ty.FriendlyName())
	}
	if len(out) > maxInstances {
		return bad(`The "for_each" value has %d elements; one block may have at most %d instances. Split the work across blocks.`, len(out), maxInstances)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.Str() < out[j].key.Str() })
	return out, true
}

// count evaluates a count argument into instances 0..n-1.
func (l *loader) count(a *hcl.Attribute, allowed refs) (out []instance, known bool) {
	v, diags := l.scope.eval(a.Expr, allowed, nil)
	l.add(diags...)
	if diags.HasErrors() {
		return nil, false
	}
	bad := func(detail string, args ...any) ([]instance, bool) {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid count argument",
			Detail:   fmt.Sprintf(detail, args...),
			Subject:  a.Expr.Range().Ptr(),
		})
		return nil, false // reported: what refers to the block stays quiet
	}
	if v.IsMarked() {
		return bad("Sensitive values, or values derived from sensitive values, cannot be used as count arguments. If used, the sensitive value could be exposed as an instance key in addresses and plans.")
	}
	if !v.IsKnown() {
		if l.opts.Data == nil || l.diags.HasErrors() {
			return nil, false // offline, or a lookup it needs failed (reported)
		}
		return bad(`The "count" value depends on values that are not known: the number of instances must be known before any change is planned.`)
	}
	if v.IsNull() {
		return bad(`The given "count" argument value is null. An integer is required.`)
	}
	num, err := convert.Convert(v, cty.Number)
	if err != nil {
		return bad(`The given "count" argument value is unsuitable: %s.`, err)
	}
	bf := num.AsBigFloat()
	if !bf.IsInt() {
		return bad(`The given "count" argument value is unsuitable: a whole number is required.`)
	}
	n, acc := bf.Int64()
	switch {
	case bf.Sign() < 0:
		return bad(`The given "count" argument value is unsuitable: must be greater than or equal to zero.`)
	case acc != big.Exact || n > maxInstances:
		return bad(`The given "count" argument value is unsuitable: one block may have at most %d instances.`, maxInstances)
	}
	for i := range int(n) {
		idx := cty.NumberIntVal(int64(i))
		out = append(out, instance{key: addrs.IntKey(i), each: &eachValues{count: true, key: idx}})
	}
	return out, true
}

// collect is a repeated block's value from its instances' values: an
// object by key for for_each, a tuple by index for count.
func (x expansion) collect(values map[addrs.Key]cty.Value) cty.Value {
	if !x.known {
		return cty.DynamicVal
	}
	if !x.repeated {
		return values[addrs.NoKey]
	}
	if x.allowed == refCount {
		vals := make([]cty.Value, len(x.instances))
		for i, inst := range x.instances {
			vals[i] = valueOrDynamic(values, inst.key)
		}
		return cty.TupleVal(vals)
	}
	attrs := make(map[string]cty.Value, len(x.instances))
	for _, inst := range x.instances {
		attrs[inst.key.Str()] = valueOrDynamic(values, inst.key)
	}
	return cty.ObjectVal(attrs)
}

func valueOrDynamic(m map[addrs.Key]cty.Value, k addrs.Key) cty.Value {
	if v, ok := m[k]; ok && v != cty.NilVal {
		return v
	}
	return cty.DynamicVal
}
