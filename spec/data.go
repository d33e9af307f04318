package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// dataDecl is one data block: a query for a Graph item, resolved through
// LoadOptions.Data.
type dataDecl struct {
	kind, name string
	block      *hcl.Block
	content    *hcl.BodyContent
}

// dataAllowed is what a data block's arguments may refer to. A todo_task
// query names its list, often found by a todo_list data source.
const dataAllowed = refVar | refLocal | refData | refPath

// maxListed bounds how many matches a "several found" diagnostic lists.
const maxListed = 10

func (l *loader) declareData(b *hcl.Block) {
	kind, name := b.Labels[0], b.Labels[1]
	schema := dataSchemas[kind]
	if schema == nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown data source kind",
			Detail: fmt.Sprintf("There is no data source kind %q. The kinds are message, event, todo_list and todo_task.%s",
				kind, suggest(kind, keys(dataSchemas))),
			Subject: b.LabelRanges[0].Ptr(),
		})
		return
	}
	if !l.validName(b, 1, "data source") {
		return
	}
	key := kind + "." + name
	if prev := l.data[key]; prev != nil {
		l.duplicate(b, prev.block, fmt.Sprintf("data %q %q", kind, name), fmt.Sprintf("one data %q %q block", kind, name))
		return
	}
	content, diags := b.Body.Content(schema)
	l.add(diags...)
	l.data[key] = &dataDecl{kind: kind, name: name, block: b, content: content}
}

// dataType is the object type of a data source of kind.
func dataType(kind string) cty.Type {
	attrs := map[string]cty.Type{"id": cty.String, "label": cty.String}
	if kind == "todo_task" {
		attrs["list_id"] = cty.String
	}
	return cty.Object(attrs)
}

// evalData evaluates a data block's query and, when a resolver is given,
// looks the item up. Offline its value is unknown.
func (l *loader) evalData(d *dataDecl) {
	unknown := cty.UnknownVal(dataType(d.kind))
	q := DataQuery{Kind: d.kind}
	fields := map[string]*string{"mailbox": &q.Mailbox, "filter": &q.Filter, "name": &q.Name, "title": &q.Title, "list_id": &q.ListID}
	known := true
	for _, name := range keys(d.content.Attributes) {
		a := d.content.Attributes[name]
		s, state := l.evalString(a, dataAllowed, nil)
		switch state {
		case valueBad:
			l.scope.setData(d.kind, d.name, cty.DynamicVal)
			return
		case valueUnknown:
			known = false
		case valueKnown:
			if strings.TrimSpace(s) == "" {
				l.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Empty data source argument",
					Detail:   fmt.Sprintf("The %s of data.%s.%s is empty. Give the value to search for.", name, d.kind, d.name),
					Subject:  a.Expr.Range().Ptr(),
				})
				l.scope.setData(d.kind, d.name, cty.DynamicVal)
				return
			}
			*fields[name] = s
		}
	}
	if a := d.content.Attributes["mailbox"]; a != nil && known && !l.checkMailbox(q.Mailbox, a.Expr.Range()) {
		l.scope.setData(d.kind, d.name, cty.DynamicVal)
		return
	}
	if l.opts.Data == nil || !known || len(d.content.Attributes) < len(dataSchemas[d.kind].Attributes) {
		l.scope.setData(d.kind, d.name, unknown)
		return
	}
	items, err := l.opts.Data.Lookup(l.ctx, q)
	if err != nil {
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Data source lookup failed",
			Detail:   fmt.Sprintf("Looking up data.%s.%s in Graph failed: %v.", d.kind, d.name, err),
			Subject:  d.block.DefRange.Ptr(),
		})
		l.scope.setData(d.kind, d.name, cty.DynamicVal)
		return
	}
	if len(items) != 1 {
		l.add(matchDiagnostic(d, q, items))
		l.scope.setData(d.kind, d.name, cty.DynamicVal)
		return
	}
	attrs := map[string]cty.Value{"id": cty.StringVal(items[0].ID), "label": cty.StringVal(items[0].Label)}
	if d.kind == "todo_task" {
		attrs["list_id"] = cty.StringVal(q.ListID)
	}
	l.scope.setData(d.kind, d.name, cty.ObjectVal(attrs))
}

// matchDiagnostic explains a lookup that found zero or several items.
func matchDiagnostic(d *dataDecl, q DataQuery, items []DataItem) *hcl.Diagnostic {
	query := dataQueryString(q)
	diag := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: d.block.DefRange.Ptr()}
	if len(items) == 0 {
		diag.Summary = fmt.Sprintf("No %s found", kindNoun(d.kind))
		diag.Detail = fmt.Sprintf("data.%s.%s found nothing in %s for %s. A data source must match exactly one item: check the query and the mailbox.",
			d.kind, d.name, q.Mailbox, query)
		return diag
	}
	var b strings.Builder
	for i, it := range items {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more", len(items)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  - %q (id %s)", it.Label, it.ID)
	}
	diag.Summary = fmt.Sprintf("Several %ss found", kindNoun(d.kind))
	diag.Detail = fmt.Sprintf("data.%s.%s matched %d items in %s for %s, and must match exactly one:%s\nNarrow the query so that only one matches.",
		d.kind, d.name, len(items), q.Mailbox, query, b.String())
	return diag
}

func dataQueryString(q DataQuery) string {
	switch q.Kind {
	case "todo_list":
		return fmt.Sprintf("name %q", q.Name)
	case "todo_task":
		return fmt.Sprintf("title %q in list %s", q.Title, q.ListID)
	}
	return fmt.Sprintf("filter %q", q.Filter)
}

func kindNoun(kind string) string {
	switch kind {
	case "todo_list":
		return "To Do list"
	case "todo_task":
		return "To Do task"
	}
	return kind
}
