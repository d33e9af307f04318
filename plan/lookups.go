package plan

import (
	"context"
	"fmt"
	"slices"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/item"
	"github.com/attachform/attachform/spec"
)

// Finder is the part of the Graph client that data sources look through:
// many lookups at once (graph.Client.Lookups batches them).
type Finder interface {
	Lookups(ctx context.Context, qs []graph.Lookup) []graph.LookupResult
}

// Lookups resolves the manifests' data blocks through Graph, read-only.
type Lookups struct{ Client Finder }

var (
	_ spec.DataResolver  = Lookups{}
	_ spec.BatchResolver = Lookups{}
)

// Lookup implements spec.DataResolver.
func (l Lookups) Lookup(ctx context.Context, q spec.DataQuery) ([]spec.DataItem, error) {
	r := l.LookupAll(ctx, []spec.DataQuery{q})[0]
	return r.Items, r.Err
}

// lookupKinds maps a data source kind to what Graph is asked: for the
// kinds' data sources (item's table), the plural's search, which the
// singular asks too; for the people's, the directory's lookups.
var lookupKinds = func() map[string]graph.LookupKind {
	m := map[string]graph.LookupKind{"group": graph.LookupGroups, "users": graph.LookupUsers}
	for _, s := range item.DataSources() {
		m[s.Name] = graph.LookupKind(s.Collection.Plural)
	}
	return m
}()

// LookupAll implements spec.BatchResolver: every query in one round of
// batched lookups, then, for groups that matched exactly one, a second
// round reading their members.
func (l Lookups) LookupAll(ctx context.Context, qs []spec.DataQuery) []spec.DataResult {
	out := make([]spec.DataResult, len(qs))
	var asked []graph.Lookup
	var at []int
	for i, q := range qs {
		k, ok := lookupKinds[q.Kind]
		if !ok {
			out[i].Err = fmt.Errorf("unknown data source kind %q", q.Kind)
			continue
		}
		asked = append(asked, graph.Lookup{Kind: k, Mailbox: q.Mailbox, Filter: q.Filter, Name: q.Name, ListID: q.ListID, Title: q.Title, ID: q.ID})
		at = append(at, i)
	}
	found := l.Client.Lookups(ctx, asked)
	var members []graph.Lookup
	var groupAt []int
	for n, r := range found {
		i := at[n]
		if r.Err != nil {
			out[i].Err = r.Err
			continue
		}
		items := make([]spec.DataItem, len(r.Items))
		for j, f := range r.Items {
			items[j] = spec.DataItem{ID: f.ID, Label: f.Label}
		}
		out[i].Items = items
		if qs[i].Kind == "group" && len(items) == 1 {
			members = append(members, graph.Lookup{Kind: graph.LookupGroupMembers, ID: items[0].ID})
			groupAt = append(groupAt, i)
		}
	}
	if len(members) == 0 {
		return out
	}
	for n, r := range l.Client.Lookups(ctx, members) {
		i := groupAt[n]
		if r.Err != nil {
			out[i] = spec.DataResult{Err: r.Err}
			continue
		}
		upns := make([]string, len(r.Items))
		for j, m := range r.Items {
			upns[j] = m.Label
		}
		slices.Sort(upns)
		out[i].Items[0].Members = slices.Compact(upns)
	}
	return out
}
