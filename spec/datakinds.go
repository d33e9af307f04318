package spec

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The data sources that are not "exactly one item": the plurals, which
// may find nothing (so a fan-out over people skips those whose item does
// not exist yet), and the people — a group's members and users by filter.
// A lookup that fails (no such mailbox, access denied) is an error for
// them as for the singular kinds: never a silent skip.

// itemObject is one entry of a plural's items.
var itemObject = cty.Object(map[string]cty.Type{"id": cty.String, "label": cty.String})

// dataTypesMany are the value types of those kinds: the item kinds'
// plurals (item's table), and the people's.
var dataTypesMany = func() map[string]cty.Type {
	m := map[string]cty.Type{
		"group": cty.Object(map[string]cty.Type{"id": cty.String, "label": cty.String, "members": cty.List(cty.String)}),
		"users": cty.Object(map[string]cty.Type{"mailboxes": cty.List(cty.String)}),
	}
	for _, s := range item.DataSources() {
		if s.Plural {
			m[s.Name] = pluralType
		}
	}
	return m
}()

// singularDataSources lists those of sources (item's table's in the
// program) that find one item, for people: "message, event, todo_list and
// todo_task".
func singularDataSources(sources []item.DataSource) string {
	var names []string
	for _, s := range sources {
		if !s.Plural {
			names = append(names, s.Name)
		}
	}
	return wordList(names, "and")
}

var pluralType = cty.Object(map[string]cty.Type{"ids": cty.List(cty.String), "items": cty.List(itemObject)})

// checkDataArgs checks what a kind's schema cannot say: a group is named
// by exactly one of name and id. It reports false after a diagnostic.
func (l *loader) checkDataArgs(kind string, b *hcl.Block, c *hcl.BodyContent) bool {
	if kind != "group" || c == nil {
		return true
	}
	name, id := c.Attributes["name"], c.Attributes["id"]
	switch {
	case name != nil && id != nil:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Conflicting group arguments",
			Detail:   fmt.Sprintf("data.group.%s has both name and id. Name the group by its display name or by its object id, not both.", b.Labels[1]),
			Subject:  id.NameRange.Ptr(),
		})
		return false
	case name == nil && id == nil:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing group name",
			Detail:   fmt.Sprintf(`data.group.%s names no group. Give its display name (name = "New Hires") or its object id (id = "…").`, b.Labels[1]),
			Subject:  b.DefRange.Ptr(),
		})
		return false
	}
	return true
}

// dataValueMany is the value of a plural, group or users instance from
// what its lookup found.
func (l *loader) dataValueMany(d *dataDecl, di *dataInstance) cty.Value {
	switch d.kind {
	case "group":
		if len(di.items) != 1 {
			l.add(groupMatchDiagnostic(d, di))
			return cty.DynamicVal
		}
		g := di.items[0]
		return cty.ObjectVal(map[string]cty.Value{
			"id": cty.StringVal(g.ID), "label": cty.StringVal(g.Label), "members": stringList(sortedUnique(g.Members)),
		})
	case "users":
		upns := make([]string, len(di.items))
		for i, u := range di.items {
			upns[i] = u.Label
		}
		return cty.ObjectVal(map[string]cty.Value{"mailboxes": stringList(sortedUnique(upns))})
	}
	// The documented order: by label, then by id, so that ids[0] is the
	// same item from one run to the next.
	items := slices.Clone(di.items)
	slices.SortFunc(items, func(a, b DataItem) int {
		return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.ID, b.ID))
	})
	ids := make([]cty.Value, len(items))
	objs := make([]cty.Value, len(items))
	for i, it := range items {
		ids[i] = cty.StringVal(it.ID)
		objs[i] = cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal(it.ID), "label": cty.StringVal(it.Label)})
	}
	if len(items) == 0 {
		return cty.ObjectVal(map[string]cty.Value{"ids": cty.ListValEmpty(cty.String), "items": cty.ListValEmpty(itemObject)})
	}
	return cty.ObjectVal(map[string]cty.Value{"ids": cty.ListVal(ids), "items": cty.ListVal(objs)})
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func stringList(s []string) cty.Value {
	if len(s) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(s))
	for i, x := range s {
		vals[i] = cty.StringVal(x)
	}
	return cty.ListVal(vals)
}

// groupMatchDiagnostic explains a group lookup that found none or several.
func groupMatchDiagnostic(d *dataDecl, di *dataInstance) *hcl.Diagnostic {
	q := di.query
	by := fmt.Sprintf("name %q", q.Name)
	if q.ID != "" {
		by = "id " + q.ID
	}
	diag := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: d.block.DefRange.Ptr()}
	if len(di.items) == 0 {
		diag.Summary = "No group found"
		diag.Detail = fmt.Sprintf("%s found no group with %s. Check the display name (or id) in Microsoft Entra ID.", di.addr, by)
		return diag
	}
	diag.Summary = "Several groups found"
	diag.Detail = fmt.Sprintf("%s found %d groups with %s, and must find exactly one. Display names need not be unique: name the group by its object id instead (id = \"…\").", di.addr, len(di.items), by)
	return diag
}
