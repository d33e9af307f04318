package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
)

// FindMessages returns the messages of mailbox that match an OData $filter
// (e.g. "subject eq 'Welcome'"), every page of them.
func (c *Client) FindMessages(ctx context.Context, mailbox, filter string) ([]ItemSummary, error) {
	return c.findOutlook(ctx, mailbox, "/messages", filter)
}

// FindEvents returns the events of mailbox that match an OData $filter.
func (c *Client) FindEvents(ctx context.Context, mailbox, filter string) ([]ItemSummary, error) {
	return c.findOutlook(ctx, mailbox, "/events", filter)
}

func (c *Client) findOutlook(ctx context.Context, mailbox, collection, filter string) ([]ItemSummary, error) {
	mb, err := mailboxPath(mailbox)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opFind, err)
	}
	if filter == "" {
		return nil, fmt.Errorf("%s: a filter is required", opFind)
	}
	u := c.apiURL(mb+collection, "$filter", filter, "$select", "id,subject", "$top", "100")
	return c.find(ctx, mailbox, u, "subject")
}

// FindTodoLists returns mailbox's To Do lists called displayName.
func (c *Client) FindTodoLists(ctx context.Context, mailbox, displayName string) ([]ItemSummary, error) {
	mb, err := mailboxPath(mailbox)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opFind, err)
	}
	u := c.apiURL(mb+"/todo/lists", "$filter", "displayName eq "+odataString(displayName), "$select", "id,displayName")
	return c.find(ctx, mailbox, u, "displayName")
}

// FindTodoTasks returns the tasks titled title in the To Do list listID.
func (c *Client) FindTodoTasks(ctx context.Context, mailbox, listID, title string) ([]ItemSummary, error) {
	mb, err := mailboxPath(mailbox)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opFind, err)
	}
	if listID == "" {
		return nil, fmt.Errorf("%s: a list id is required", opFind)
	}
	u := c.apiURL(mb+"/todo/lists/"+url.PathEscape(listID)+"/tasks", "$filter", "title eq "+odataString(title), "$select", "id,title")
	return c.find(ctx, mailbox, u, "title")
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
