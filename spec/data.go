package spec

import (
	"fmt"
	"strings"

	"github.com/attachform/attachform/internal/addrs"
	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// dataDecl is one data block: a query for a Graph item, resolved through
// LoadOptions.Data.
type dataDecl struct {
	kind, name string
	block      *hcl.Block
	content    *hcl.BodyContent
	invalid    bool // its arguments are wrong together (checkDataArgs said why)
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
			Detail: fmt.Sprintf("There is no data source kind %q. The kinds are %s.%s",
				kind, strings.Join(keys(dataSchemas), ", "), suggest(kind, keys(dataSchemas))),
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
	content, diags := b.Body.Content(withMeta(schema))
	l.add(diags...)
	l.data[key] = &dataDecl{kind: kind, name: name, block: b, content: content, invalid: !l.checkDataArgs(kind, b, content)}
}

// dataType is the object type of a data source of kind.
func dataType(kind string) cty.Type {
	if t, ok := dataTypesMany[kind]; ok {
		return t
	}
	attrs := map[string]cty.Type{"id": cty.String, "label": cty.String}
	if s, _ := item.FindDataSource(kind); s.In != nil {
		attrs["list_id"] = cty.String // the list it was found in
	}
	return cty.Object(attrs)
}

// dataInstance is one instance of a data block on its way to a value:
// its query, then what the lookup found.
type dataInstance struct {
	addr  addrs.Address
	query DataQuery
	// value is set when the instance is settled before any lookup: bad
	// (cty.DynamicVal) or not known offline. Otherwise the lookup settles
	// it.
	value cty.Value
	items []DataItem
	err   error
}

// evalData evaluates a data block: each instance's query, then the
// lookups, then the values. The lookups of every instance are asked
// together (lookupAll), so a resolver can batch them.
func (l *loader) evalData(d *dataDecl) {
	if p := l.beginData(d); p != nil {
		l.lookupAll(p.insts)
		l.endData(p)
	}
}

// dataPending is a data block between its queries and its lookups'
// answers, so that the lookups of several blocks can be asked together
// (evaluateLevel).
type dataPending struct {
	d     *dataDecl
	x     expansion
	insts []*dataInstance
}

// beginData evaluates a data block's instances' queries; nil when the
// block is settled already (its for_each or count is not known).
func (l *loader) beginData(d *dataDecl) *dataPending {
	x := l.expand(d.addr().String(), d.content.Attributes, dataAllowed)
	if !x.known {
		l.scope.setData(d.kind, d.name, cty.DynamicVal)
		return nil
	}
	insts := make([]*dataInstance, 0, len(x.instances))
	for _, inst := range x.instances {
		insts = append(insts, l.dataQuery(d, inst, dataAllowed|x.allowed))
	}
	return &dataPending{d: d, x: x, insts: insts}
}

// endData sets a data block's value from its instances' lookups.
func (l *loader) endData(p *dataPending) {
	values := make(map[addrs.Key]cty.Value, len(p.insts))
	for i, di := range p.insts {
		values[p.x.instances[i].key] = l.dataValue(p.d, di)
	}
	l.scope.setData(p.d.kind, p.d.name, p.x.collect(values))
}

// addr is the data block's address, with no key.
func (d *dataDecl) addr() addrs.Address { return addrs.DataAddr(d.kind, d.name, addrs.NoKey) }

// dataQuery evaluates one instance's arguments into its query. An
// instance whose query is bad or not known has its value set already.
func (l *loader) dataQuery(d *dataDecl, inst instance, allowed refs) *dataInstance {
	di := &dataInstance{addr: d.addr().Instance(inst.key), query: DataQuery{Kind: d.kind}}
	if d.invalid {
		di.value = cty.DynamicVal
		return di
	}
	q := &di.query
	// The mailbox is named by its owner's argument ("mailbox" for a user's).
	ownedBy := item.User
	if s, ok := item.FindDataSource(d.kind); ok {
		ownedBy = s.Owner
	}
	owner := ownedBy.Argument()
	fields := map[string]*string{owner: &q.Mailbox, "filter": &q.Filter, "name": &q.Name, "title": &q.Title, "list_id": &q.ListID, "id": &q.ID}
	known := true
	for _, name := range keys(d.content.Attributes) {
		a := d.content.Attributes[name]
		field := fields[name]
		if field == nil {
			continue // for_each, count
		}
		s, state := l.evalString(a, allowed, inst.each)
		switch state {
		case valueBad:
			di.value = cty.DynamicVal
			return di
		case valueUnknown:
			known = false
		case valueKnown:
			if strings.TrimSpace(s) == "" {
				l.add(&hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Empty data source argument",
					Detail:   fmt.Sprintf("The %s of %s is empty. Give the value to search for.", name, di.addr),
					Subject:  a.Expr.Range().Ptr(),
				})
				di.value = cty.DynamicVal
				return di
			}
			*field = s
		}
	}
	if a := d.content.Attributes[owner]; a != nil && known && !l.checkOwner(ownedBy, q.Mailbox, a.Expr.Range()) {
		di.value = cty.DynamicVal
		return di
	}
	for _, want := range dataSchemas[d.kind].Attributes {
		if want.Required && d.content.Attributes[want.Name] == nil {
			known = false // missing, reported by Content
		}
	}
	if l.opts.Data == nil || !known {
		di.value = cty.UnknownVal(dataType(d.kind))
	}
	return di
}

// lookupAll asks the resolver for every instance not settled yet: in one
// call when it is a BatchResolver (Graph's $batch, each distinct query
// once), else one by one.
func (l *loader) lookupAll(insts []*dataInstance) {
	var pending []*dataInstance
	for _, di := range insts {
		if di.value == cty.NilVal {
			pending = append(pending, di)
		}
	}
	if len(pending) == 0 || l.ctx.Err() != nil {
		return
	}
	if br, ok := l.opts.Data.(BatchResolver); ok {
		qs := make([]DataQuery, len(pending))
		for i, di := range pending {
			qs[i] = di.query
		}
		for i, r := range br.LookupAll(l.ctx, qs) {
			pending[i].items, pending[i].err = r.Items, r.Err
		}
		return
	}
	for _, di := range pending {
		if l.ctx.Err() != nil {
			return
		}
		di.items, di.err = l.opts.Data.Lookup(l.ctx, di.query)
	}
}

// dataValue is an instance's value from what its lookup found; a lookup
// that failed or did not find exactly one item is a diagnostic.
func (l *loader) dataValue(d *dataDecl, di *dataInstance) cty.Value {
	switch {
	case di.value != cty.NilVal:
		return di.value
	case l.ctx.Err() != nil:
		return cty.DynamicVal
	case di.err != nil:
		l.add(&hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Data source lookup failed",
			Detail:   fmt.Sprintf("Looking up %s in Graph failed: %v.", di.addr, di.err),
			Subject:  d.block.DefRange.Ptr(),
		})
		return cty.DynamicVal
	case dataTypesMany[d.kind] != cty.NilType:
		return l.dataValueMany(d, di)
	case len(di.items) != 1:
		l.add(matchDiagnostic(d, di))
		return cty.DynamicVal
	}
	attrs := map[string]cty.Value{"id": cty.StringVal(di.items[0].ID), "label": cty.StringVal(di.items[0].Label)}
	if s, _ := item.FindDataSource(d.kind); s.In != nil {
		attrs["list_id"] = cty.StringVal(di.query.ListID)
	}
	return cty.ObjectVal(attrs)
}

// matchDiagnostic explains a lookup that found zero or several items.
func matchDiagnostic(d *dataDecl, di *dataInstance) *hcl.Diagnostic {
	q, items := di.query, di.items
	query := dataQueryString(q)
	diag := &hcl.Diagnostic{Severity: hcl.DiagError, Subject: d.block.DefRange.Ptr()}
	if len(items) == 0 {
		diag.Summary = fmt.Sprintf("No %s found", kindNoun(d.kind))
		diag.Detail = fmt.Sprintf("%s found nothing in %s for %s. A data source must match exactly one item: check the query and the mailbox.",
			di.addr, q.Mailbox, query)
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
	diag.Detail = fmt.Sprintf("%s matched %d items in %s for %s, and must match exactly one:%s\nNarrow the query so that only one matches.",
		di.addr, len(items), q.Mailbox, query, b.String())
	return diag
}

// dataQueryString says what a singular item data source searched for:
// its filter, or the value its label had to equal (and in which list).
func dataQueryString(q DataQuery) string {
	s, _ := item.FindDataSource(q.Kind)
	if s.By == "" || s.By == "filter" {
		return fmt.Sprintf("filter %q", q.Filter)
	}
	value := map[string]string{"name": q.Name, "title": q.Title}[s.By]
	if s.In != nil {
		return fmt.Sprintf("%s %q in %s %s", s.By, value, s.In.Noun, q.ListID)
	}
	return fmt.Sprintf("%s %q", s.By, value)
}

// kindNoun names what a data source of kind finds, for people: "message",
// "To Do list".
func kindNoun(kind string) string {
	if s, ok := item.FindDataSource(kind); ok {
		return s.Label()
	}
	return kind
}
