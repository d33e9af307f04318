package plan

import (
	"context"
	"fmt"

	"github.com/attachform/attachform/graph"
	"github.com/attachform/attachform/spec"
)

// Finder is the part of the Graph client that data sources look through.
type Finder interface {
	FindMessages(ctx context.Context, mailbox, filter string) ([]graph.ItemSummary, error)
	FindEvents(ctx context.Context, mailbox, filter string) ([]graph.ItemSummary, error)
	FindTodoLists(ctx context.Context, mailbox, displayName string) ([]graph.ItemSummary, error)
	FindTodoTasks(ctx context.Context, mailbox, listID, title string) ([]graph.ItemSummary, error)
}

// Lookups resolves the manifests' data blocks through Graph, read-only.
type Lookups struct{ Client Finder }

var _ spec.DataResolver = Lookups{}

// Lookup implements spec.DataResolver.
func (l Lookups) Lookup(ctx context.Context, q spec.DataQuery) ([]spec.DataItem, error) {
	var found []graph.ItemSummary
	var err error
	switch q.Kind {
	case "message":
		found, err = l.Client.FindMessages(ctx, q.Mailbox, q.Filter)
	case "event":
		found, err = l.Client.FindEvents(ctx, q.Mailbox, q.Filter)
	case "todo_list":
		found, err = l.Client.FindTodoLists(ctx, q.Mailbox, q.Name)
	case "todo_task":
		found, err = l.Client.FindTodoTasks(ctx, q.Mailbox, q.ListID, q.Title)
	default:
		return nil, fmt.Errorf("unknown data source kind %q", q.Kind)
	}
	if err != nil {
		return nil, err
	}
	items := make([]spec.DataItem, len(found))
	for i, f := range found {
		items[i] = spec.DataItem{ID: f.ID, Label: f.Label}
	}
	return items, nil
}
