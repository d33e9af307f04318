package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// node is a declaration whose value others may refer to: a local value, a
// data source or a target. Nodes are evaluated in dependency order; a cycle
// is a diagnostic and leaves its members unknown.
type node struct {
	id      string    // local.x, data.event.y, target.z
	rng     hcl.Range // where a cycle diagnostic points
	deps    []string  // ids of declared nodes referred to
	eval    func()
	unknown func()    // sets the value unknown when eval cannot run
	data    *dataDecl // a data block: evaluated with the others of its level (evaluateLevels)
}

// nodeID returns the id of the node a traversal refers to, if it names
// one that is declared.
func (l *loader) nodeID(t hcl.Traversal) string {
	names := traversalNames(t)
	switch {
	case len(names) >= 2 && names[0] == "local" && l.locals[names[1]] != nil:
		return "local." + names[1]
	case len(names) >= 2 && names[0] == "target" && l.targets[names[1]] != nil:
		return "target." + names[1]
	case len(names) >= 3 && names[0] == "data" && l.data[names[1]+"."+names[2]] != nil:
		return "data." + names[1] + "." + names[2]
	}
	return ""
}

func (l *loader) depsOf(exprs ...hcl.Expression) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range exprs {
		for _, t := range e.Variables() {
			if id := l.nodeID(t); id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (l *loader) nodes() map[string]*node {
	nodes := map[string]*node{}
	for _, d := range l.locals {
		nodes["local."+d.name] = &node{
			id: "local." + d.name, rng: d.attr.NameRange, deps: l.depsOf(d.attr.Expr),
			eval:    func() { l.evalLocal(d) },
			unknown: func() { l.scope.setLocal(d.name, cty.DynamicVal) },
		}
	}
	for _, d := range l.data {
		nodes["data."+d.kind+"."+d.name] = &node{
			id: "data." + d.kind + "." + d.name, rng: d.block.DefRange, deps: l.depsOf(attrExprs(d.content)...),
			eval:    func() { l.evalData(d) },
			unknown: func() { l.scope.setData(d.kind, d.name, cty.DynamicVal) },
			data:    d,
		}
	}
	for _, d := range l.targets {
		nodes["target."+d.name] = &node{
			id: "target." + d.name, rng: d.block.DefRange, deps: l.depsOf(attrExprs(d.content)...),
			eval:    func() { l.evalTarget(d) },
			unknown: func() { l.scope.setTarget(d.name, cty.DynamicVal) },
		}
	}
	return nodes
}

func attrExprs(c *hcl.BodyContent) []hcl.Expression {
	if c == nil {
		return nil
	}
	var out []hcl.Expression
	for _, name := range keys(c.Attributes) {
		out = append(out, c.Attributes[name].Expr)
	}
	return out
}

// evaluateNodes evaluates locals, data sources and targets in dependency
// order, reporting each reference cycle once.
func (l *loader) evaluateNodes() {
	nodes := l.nodes()
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	inCycle := map[string]bool{}
	level := map[string]int{}    // a node's depth in the dependency graph
	byLevel := map[int][]*node{} // the nodes to evaluate at each depth, in visit order
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		if l.ctx.Err() != nil {
			return
		}
		color[id] = grey
		stack = append(stack, id)
		n := nodes[id]
		for _, dep := range n.deps {
			switch color[dep] {
			case white:
				visit(dep)
			case grey:
				l.reportCycle(nodes, stack, dep, inCycle)
			}
		}
		stack = stack[:len(stack)-1]
		color[id] = black
		if inCycle[id] || l.ctx.Err() != nil {
			n.unknown()
			return
		}
		for _, dep := range n.deps {
			if inCycle[dep] {
				n.unknown() // a dependency is part of a cycle, reported there
				return
			}
		}
		// Evaluated later, level by level: a node's level is one more
		// than its deepest dependency's, so every dependency is settled
		// before it.
		lvl := 0
		for _, dep := range n.deps {
			if d, ok := level[dep]; ok {
				lvl = max(lvl, d+1)
			}
		}
		level[id] = lvl
		byLevel[lvl] = append(byLevel[lvl], n)
	}
	for _, id := range keys(nodes) {
		if color[id] == white {
			visit(id)
		}
	}
	for lvl := 0; lvl < len(byLevel); lvl++ {
		l.evaluateLevel(byLevel[lvl])
	}
}

// evaluateLevel evaluates nodes that do not depend on each other. The
// data blocks among them are looked up together — every instance of every
// block in one lookupAll, so that a resolver batches them (500 data blocks
// written out one by one cost a round trip per 20, not one each).
func (l *loader) evaluateLevel(nodes []*node) {
	var pending []*dataPending
	var insts []*dataInstance
	for _, n := range nodes {
		if l.ctx.Err() != nil {
			n.unknown()
			continue
		}
		if n.data == nil {
			n.eval()
			continue
		}
		if p := l.beginData(n.data); p != nil {
			pending = append(pending, p)
			insts = append(insts, p.insts...)
		}
	}
	l.lookupAll(insts)
	for _, p := range pending {
		l.endData(p)
	}
}

func (l *loader) reportCycle(nodes map[string]*node, stack []string, start string, inCycle map[string]bool) {
	i := len(stack) - 1
	for stack[i] != start {
		i--
	}
	cycle := append([]string(nil), stack[i:]...)
	for _, id := range cycle {
		if inCycle[id] {
			return // already reported as part of another cycle
		}
	}
	for _, id := range cycle {
		inCycle[id] = true
	}
	rng := nodes[start].rng
	l.add(&hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cycle in references",
		Detail: fmt.Sprintf("These refer to each other in a circle, so none can be evaluated: %s → %s. Break the circle by making one of them independent of the others.",
			strings.Join(cycle, " → "), start),
		Subject: &rng,
	})
}
