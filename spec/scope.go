package spec

import (
	"fmt"
	"sort"
	"strings"

	suggestpkg "github.com/attachform/attachform/internal/suggest"
	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// refs is the set of reference roots an expression may use.
type refs uint8

const (
	refVar refs = 1 << iota
	refLocal
	refData
	refTarget
	refEach
	refPath
	refCount
)

// describe lists what refs allows, for a diagnostic's Detail.
func (r refs) describe() string {
	var names []string
	for _, n := range []struct {
		bit  refs
		name string
	}{{refVar, "var"}, {refLocal, "local"}, {refData, "data"}, {refTarget, "target"}, {refEach, "each"}, {refCount, "count"}, {refPath, "path"}} {
		if r&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "Only literal values are allowed here: no references."
	}
	return "References allowed here: " + strings.Join(names, ", ") + "."
}

// sensitiveMark marks the values of variables declared sensitive, so that
// diagnostics print "(sensitive value)" instead of them.
const sensitiveMark = "sensitive"

// scope holds every value evaluated so far and builds, for each expression,
// the hcl.EvalContext it is evaluated in.
type scope struct {
	l       *loader
	vars    map[string]cty.Value
	locals  map[string]cty.Value
	data    map[string]map[string]cty.Value // kind, name
	targets map[string]cty.Value

	// gen counts value changes; contexts are reused for an expression
	// (by its range) until a value changes, as for_each instances
	// evaluate the same expressions over and over.
	gen    uint64
	cached map[hcl.Range]cachedContext
}

type cachedContext struct {
	gen uint64
	ctx *hcl.EvalContext
}

func newScope(l *loader) *scope {
	return &scope{
		l:       l,
		vars:    map[string]cty.Value{},
		locals:  map[string]cty.Value{},
		data:    map[string]map[string]cty.Value{},
		targets: map[string]cty.Value{},
		cached:  map[hcl.Range]cachedContext{},
	}
}

func (s *scope) setVar(name string, v cty.Value)    { s.vars[name] = v; s.gen++ }
func (s *scope) setLocal(name string, v cty.Value)  { s.locals[name] = v; s.gen++ }
func (s *scope) setTarget(name string, v cty.Value) { s.targets[name] = v; s.gen++ }

func (s *scope) setData(kind, name string, v cty.Value) {
	if s.data[kind] == nil {
		s.data[kind] = map[string]cty.Value{}
	}
	s.data[kind][name] = v
	s.gen++
}

var pathValue = cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal("."), "root": cty.StringVal(".")})

// evalContext returns the context for expr outside for_each: it holds the
// values expr refers to and nothing else, so building it costs what expr
// refers to, not what the configuration declares (a context of every
// target, rebuilt after each target, made loading quadratic). Every
// reference checkRefs lets through names one declared value (var.NAME,
// local.NAME, data.KIND.NAME, target.NAME). Names declared but not
// evaluated (failed, or part of a cycle) are unknown, so that one mistake
// is reported once and not again by every reference.
func (s *scope) evalContext(expr hcl.Expression) *hcl.EvalContext {
	// Only an expression read from a file has a range of its own.
	rng := expr.Range()
	reuse := rng.Filename != "" && rng.End.Byte > rng.Start.Byte
	if c, ok := s.cached[rng]; reuse && ok && c.gen == s.gen {
		return c.ctx
	}
	var vars, locals, targets map[string]cty.Value
	var data map[string]map[string]cty.Value
	put := func(m *map[string]cty.Value, name string, v cty.Value) {
		if *m == nil {
			*m = map[string]cty.Value{}
		}
		(*m)[name] = v
	}
	for _, t := range expr.Variables() {
		names := traversalNames(t)
		switch {
		case len(names) >= 2 && names[0] == "var":
			put(&vars, names[1], valueOr(s.vars, names[1]))
		case len(names) >= 2 && names[0] == "local":
			put(&locals, names[1], valueOr(s.locals, names[1]))
		case len(names) >= 2 && names[0] == "target":
			put(&targets, names[1], valueOr(s.targets, names[1]))
		case len(names) >= 3 && names[0] == "data":
			if data == nil {
				data = map[string]map[string]cty.Value{}
			}
			if data[names[1]] == nil {
				data[names[1]] = map[string]cty.Value{}
			}
			data[names[1]][names[2]] = valueOr(s.data[names[1]], names[2])
		}
	}
	variables := map[string]cty.Value{"path": pathValue}
	for root, m := range map[string]map[string]cty.Value{"var": vars, "local": locals, "target": targets} {
		if m != nil {
			variables[root] = cty.ObjectVal(m)
		}
	}
	if data != nil {
		byKind := make(map[string]cty.Value, len(data))
		for kind, m := range data {
			byKind[kind] = cty.ObjectVal(m)
		}
		variables["data"] = cty.ObjectVal(byKind)
	}
	ctx := &hcl.EvalContext{Variables: variables, Functions: s.l.funcs}
	if reuse {
		s.cached[rng] = cachedContext{gen: s.gen, ctx: ctx}
	}
	return ctx
}

func valueOr(m map[string]cty.Value, name string) cty.Value {
	if v, ok := m[name]; ok {
		return v
	}
	return cty.DynamicVal
}

// eachValues is each.key and each.value for one for_each instance, or
// count.index (key) for one count instance.
type eachValues struct {
	count      bool
	key, value cty.Value
}

// eval checks expr's references against allowed and evaluates it. When a
// reference is wrong the value is unknown (cty.DynamicVal) and the
// diagnostics say why.
func (s *scope) eval(expr hcl.Expression, allowed refs, each *eachValues) (cty.Value, hcl.Diagnostics) {
	if diags := s.l.checkRefs(expr, allowed); diags.HasErrors() {
		return cty.DynamicVal, diags
	}
	ctx := s.evalContext(expr)
	if each != nil {
		ctx = ctx.NewChild()
		if each.count {
			ctx.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": each.key})}
		} else {
			ctx.Variables = map[string]cty.Value{
				"each": cty.ObjectVal(map[string]cty.Value{"key": each.key, "value": each.value}),
			}
		}
	}
	return expr.Value(ctx)
}

// checkRefs reports every reference in expr that is undeclared or not
// allowed where expr stands.
func (l *loader) checkRefs(expr hcl.Expression, allowed refs) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		if d := l.checkRef(t, allowed); d != nil {
			diags = append(diags, d)
		}
	}
	return diags
}

var rootWhat = map[string]struct {
	bit  refs
	what string
}{
	"var":    {refVar, "input variables"},
	"local":  {refLocal, "local values"},
	"data":   {refData, "data sources"},
	"target": {refTarget, "targets"},
	"each":   {refEach, "each"},
	"count":  {refCount, "count"},
	"path":   {refPath, "path"},
}

func (l *loader) checkRef(t hcl.Traversal, allowed refs) *hcl.Diagnostic {
	root := t.RootName()
	names := traversalNames(t)
	subject := func(n int) *hcl.Range {
		n = min(n, len(t))
		r := hcl.RangeBetween(t[0].SourceRange(), t[n-1].SourceRange())
		return &r
	}
	errorf := func(n int, summary, detail string, args ...any) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(detail, args...), Subject: subject(n)}
	}
	rw, known := rootWhat[root]
	switch {
	case root == "attachment":
		return errorf(1, "Attachments cannot be referenced",
			"An attachment is an end point: nothing in a manifest can refer to it. To share a value between attachments, put it in a locals block. %s", allowed.describe())
	case !known:
		return errorf(1, "Reference to unknown name",
			"There is nothing named %q. %s", root, allowed.describe())
	case root == "each" && allowed&rw.bit == 0:
		return errorf(1, `Reference to "each" in context without for_each`,
			`The "each" object can be used only in blocks, and only when the "for_each" argument is set. %s`, allowed.describe())
	case root == "count" && allowed&rw.bit == 0:
		return errorf(1, `Reference to "count" in non-counted context`,
			`The "count" object can only be used in blocks, and only when the "count" argument is set. %s`, allowed.describe())
	case allowed&rw.bit == 0:
		return errorf(1, fmt.Sprintf("References to %s not allowed here", rw.what), "%s", allowed.describe())
	}
	switch root {
	case "var":
		if len(names) < 2 {
			return errorf(1, "Invalid reference", "Name the input variable, as in var.mailbox.")
		}
		if l.variables[names[1]] == nil {
			return errorf(2, "Reference to undeclared input variable",
				"No variable %q is declared. Declare it with a variable %q block, or correct the name.%s", names[1], names[1], suggest(names[1], keys(l.variables)))
		}
	case "local":
		if len(names) < 2 {
			return errorf(1, "Invalid reference", "Name the local value, as in local.mailbox.")
		}
		if l.locals[names[1]] == nil {
			return errorf(2, "Reference to undeclared local value",
				"No local value %q is defined. Define it in a locals block, or correct the name.%s", names[1], suggest(names[1], keys(l.locals)))
		}
	case "target":
		if len(names) < 2 {
			return errorf(1, "Invalid reference", "Name the target, as in target.all_hands.")
		}
		if l.targets[names[1]] == nil {
			return errorf(2, "Reference to undeclared target",
				"No target %q is declared. Declare it with a target %q block, or correct the name.%s", names[1], names[1], suggest(names[1], keys(l.targets)))
		}
	case "data":
		if len(names) < 3 {
			return errorf(len(names), "Invalid reference", "Name the data source by kind and name, as in data.event.all_hands.id.")
		}
		if dataSchemas[names[1]] == nil {
			return errorf(2, "Invalid data source kind",
				"There is no data source kind %q. The kinds are %s.", names[1], singularDataSources(item.DataSources()))
		}
		if l.data[names[1]+"."+names[2]] == nil {
			return errorf(3, "Reference to undeclared data source",
				"No data %q %q block is declared. Declare it, or correct the name.", names[1], names[2])
		}
	case "each":
		if len(names) < 2 || (names[1] != "key" && names[1] != "value") {
			return errorf(2, "Invalid each attribute", "Use each.key or each.value.")
		}
	case "count":
		if len(names) < 2 || names[1] != "index" {
			return errorf(2, "Invalid count attribute", `The "count" object has one attribute: count.index.`)
		}
	case "path":
		if len(names) < 2 || (names[1] != "module" && names[1] != "root") {
			return errorf(2, "Invalid path attribute", "Use path.module or path.root: both are the config directory, \".\".")
		}
	}
	return nil
}

// traversalNames returns the leading attribute names of t (the root, then
// each .name or ["name"] step) up to the first step that is neither.
func traversalNames(t hcl.Traversal) []string {
	var names []string
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() != cty.String || !s.Key.IsKnown() || s.Key.IsNull() {
				return names
			}
			names = append(names, s.Key.AsString())
		default:
			return names
		}
	}
	return names
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// suggest proposes the closest known name, as " Did you mean "x"?".
func suggest(name string, known []string) string {
	if best := suggestpkg.Closest(name, known); best != "" {
		return fmt.Sprintf(" Did you mean %q?", best)
	}
	return ""
}
