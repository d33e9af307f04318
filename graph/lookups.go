package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/attachform/attachform/item"
)

// FindMessages returns the messages of mailbox that match an OData $filter
// (e.g. "subject eq 'Welcome'"), every page of them.
func (c *Client) FindMessages(ctx context.Context, mailbox, filter string) ([]ItemSummary, error) {
	return c.findIn(ctx, LookupMessages, Lookup{Mailbox: mailbox, Filter: filter})
}

// FindEvents returns the events of mailbox that match an OData $filter.
func (c *Client) FindEvents(ctx context.Context, mailbox, filter string) ([]ItemSummary, error) {
	return c.findIn(ctx, LookupEvents, Lookup{Mailbox: mailbox, Filter: filter})
}

// FindTodoLists returns mailbox's To Do lists called displayName.
func (c *Client) FindTodoLists(ctx context.Context, mailbox, displayName string) ([]ItemSummary, error) {
	return c.findIn(ctx, LookupTodoLists, Lookup{Mailbox: mailbox, Name: displayName})
}

// FindTodoTasks returns the tasks titled title in the To Do list listID.
func (c *Client) FindTodoTasks(ctx context.Context, mailbox, listID, title string) ([]ItemSummary, error) {
	return c.findIn(ctx, LookupTodoTasks, Lookup{Mailbox: mailbox, ListID: listID, Title: title})
}

// findIn reads every page of the lookup q of kind k (an item data source's
// plural) directly, without $batch.
func (c *Client) findIn(ctx context.Context, k LookupKind, q Lookup) ([]ItemSummary, error) {
	s, ok := item.FindDataSource(string(k))
	if !ok || !s.Plural {
		return nil, fmt.Errorf("%s: unknown lookup kind %q", opFind, k)
	}
	req, _, labelKey, err := itemLookup(s, q)
	if err != nil {
		return nil, err
	}
	return c.find(ctx, q.Mailbox, c.apiURL(req.path), labelKey)
}

func (c *Client) find(ctx context.Context, mailbox, u, labelKey string) ([]ItemSummary, error) {
	var out []ItemSummary
	err := c.pagedGet(ctx, meta{op: opFind, mailbox: mailbox}, u, func(raw json.RawMessage) error {
		it, err := parseItemSummary(raw, labelKey)
		if err != nil {
			return fmt.Errorf("%s: reading Graph's answer: %w", opFind, err)
		}
		out = append(out, it)
		return nil
	})
	return out, err
}

// parseItemSummary reads one item of a lookup: its id (required) and the
// property people know it by.
func parseItemSummary(raw []byte, labelKey string) (ItemSummary, error) {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return ItemSummary{}, errors.New(jsonProblem(err))
	}
	id, _ := v["id"].(string)
	if id == "" {
		return ItemSummary{}, errors.New("an item without an id")
	}
	label, _ := v[labelKey].(string)
	return ItemSummary{ID: id, Label: label}, nil
}
