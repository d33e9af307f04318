package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/attachform/attachform/item"
)

// LookupKind is what a Lookup asks for: an item data source's plural
// (item.DataSources: "messages", "todo_lists", …) searches its collection;
// the directory's lookups are below.
type LookupKind string

// The lookups data sources make. Items come back as ItemSummary: an item's
// or group's id and its label (subject, display name, title); for
// LookupGroupMembers and LookupUsers, a user's id and userPrincipalName.
const (
	LookupMessages     LookupKind = "messages"      // Mailbox, Filter
	LookupEvents       LookupKind = "events"        // Mailbox, Filter
	LookupTodoLists    LookupKind = "todo_lists"    // Mailbox, Name
	LookupTodoTasks    LookupKind = "todo_tasks"    // Mailbox, ListID, Title
	LookupGroups       LookupKind = "groups"        // Name (display name eq), or ID
	LookupGroupMembers LookupKind = "group_members" // ID: the group's transitive user members
	LookupUsers        LookupKind = "users"         // Filter: a directory $filter
)

// Lookup is one question to Graph. Equal lookups are asked once.
type Lookup struct {
	Kind    LookupKind
	Mailbox string
	Filter  string
	Name    string
	ListID  string
	Title   string
	ID      string
}

// LookupResult is a Lookup's answer: every match, every page of them, or
// the error.
type LookupResult struct {
	Items []ItemSummary
	Err   error
}

// Directory operation names, for errors and their hints.
const (
	opFindGroup   = "find group"
	opReadMembers = "read group members"
	opFindUsers   = "find users"
)

// dirPage is the page size of directory reads: Graph's maximum for
// directory objects ("maximum page size of 999"), so a group of 5,000
// members is six pages.
const dirPage = "999"

// advancedHeader is what Graph's advanced queries on directory objects
// require beside $count=true ("the requestor must set the ConsistencyLevel
// header to eventual and ... use the $count query parameter",
// https://learn.microsoft.com/graph/aad-advanced-queries). A user OData
// cast on transitiveMembers needs it (group-list-transitivemembers), and
// users' filters may (ne, not, endsWith).
var advancedHeader = map[string]string{"ConsistencyLevel": "eventual"}

// Lookups answers many lookups at once: every first page goes through
// $batch (20 per request, mailboxes mixed, each mailbox's limits kept; see
// batchGets), the same lookup is asked once, and further pages are read
// directly, lookups in parallel. Results are in the order of qs.
func (c *Client) Lookups(ctx context.Context, qs []Lookup) []LookupResult {
	out := make([]LookupResult, len(qs))
	type plan struct {
		q        Lookup
		req      getReq
		op       string
		labelKey string
	}
	index := map[Lookup]int{} // a normalised lookup → its place in plans
	var plans []plan
	where := make([]int, len(qs))
	for i, q := range qs {
		key := q
		key.Mailbox = strings.ToLower(q.Mailbox)
		if n, ok := index[key]; ok {
			where[i] = n
			continue
		}
		req, op, labelKey, err := lookupRequest(q)
		if err != nil {
			out[i] = LookupResult{Err: err}
			where[i] = -1
			continue
		}
		index[key] = len(plans)
		where[i] = len(plans)
		plans = append(plans, plan{q: q, req: req, op: op, labelKey: labelKey})
	}
	reqs := make([]getReq, len(plans))
	for i, p := range plans {
		reqs[i] = p.req
	}
	first := c.batchGets(ctx, opFind, reqs)
	answers := make([]LookupResult, len(plans))
	var wg sync.WaitGroup
	for i, p := range plans {
		if first[i].err != nil {
			answers[i] = LookupResult{Err: relabel(first[i].err, p.op)}
			continue
		}
		wg.Go(func() {
			items, err := c.lookupPages(ctx, p.op, p.req, p.labelKey, first[i].body)
			answers[i] = LookupResult{Items: items, Err: err}
			c.rememberLabels(p.q, items)
		})
	}
	wg.Wait()
	for i, n := range where {
		if n >= 0 {
			res := answers[n]
			res.Items = append([]ItemSummary(nil), res.Items...) // each caller owns its copy
			out[i] = res
		}
	}
	return out
}

// relabel gives a batched lookup's error its own operation, for the hint.
func relabel(err error, op string) error {
	var e *Error
	if errors.As(err, &e) && e.Op != op {
		e.Op = op
		e.Hint = hintFor(op, e)
	}
	return err
}

// lookupRequest is the first page's GET of q, its operation and the
// property that labels each result.
func lookupRequest(q Lookup) (getReq, string, string, error) {
	if s, ok := item.FindDataSource(string(q.Kind)); ok && s.Plural {
		return itemLookup(s, q)
	}
	switch q.Kind {
	case LookupGroups:
		if q.ID != "" {
			return getReq{path: "/groups" + encodeQuery("$filter", "id eq "+odataString(q.ID), "$select", "id,displayName")}, opFindGroup, "displayName", nil
		}
		if q.Name == "" {
			return getReq{}, "", "", fmt.Errorf("%s: a name or an id is required", opFindGroup)
		}
		return getReq{path: "/groups" + encodeQuery("$filter", "displayName eq "+odataString(q.Name), "$select", "id,displayName")}, opFindGroup, "displayName", nil
	case LookupGroupMembers:
		if q.ID == "" {
			return getReq{}, "", "", fmt.Errorf("%s: a group id is required", opReadMembers)
		}
		return getReq{
			path:   "/groups/" + url.PathEscape(q.ID) + "/transitiveMembers/microsoft.graph.user" + encodeQuery("$count", "true", "$select", "id,userPrincipalName", "$top", dirPage),
			header: advancedHeader,
		}, opReadMembers, "userPrincipalName", nil
	case LookupUsers:
		if q.Filter == "" {
			return getReq{}, "", "", fmt.Errorf("%s: a filter is required", opFindUsers)
		}
		return getReq{
			path:   "/users" + encodeQuery("$filter", q.Filter, "$count", "true", "$select", "id,userPrincipalName", "$top", dirPage),
			header: advancedHeader,
		}, opFindUsers, "userPrincipalName", nil
	}
	return getReq{}, "", "", fmt.Errorf("%s: unknown lookup kind %q", opFind, q.Kind)
}

// itemLookup is the first page's GET of q, a search of the collection s
// searches (a kind's items, or a parent's such as To Do lists).
func itemLookup(s item.DataSource, q Lookup) (getReq, string, string, error) {
	filter := q.Filter
	if s.By == "filter" {
		if filter == "" {
			return getReq{}, "", "", fmt.Errorf("%s: a filter is required", opFind)
		}
	} else {
		filter = s.LabelProperty + " eq " + odataString(q.value(s.By))
	}
	path := "/" + s.Path
	if s.In != nil {
		if q.ListID == "" {
			return getReq{}, "", "", fmt.Errorf("%s: a %s id is required", opFind, s.In.Noun)
		}
		path = "/" + s.In.Path + "/" + url.PathEscape(q.ListID) + path
	}
	if q.Mailbox == "" {
		return getReq{}, "", "", fmt.Errorf("%s: %s is required", opFind, s.Owner.Argument())
	}
	mb := ownerPath(s.Owner, q.Mailbox)
	query := []string{"$filter", filter, "$select", "id," + s.LabelProperty}
	if s.Top > 0 {
		query = append(query, "$top", strconv.Itoa(s.Top))
	}
	return getReq{mailbox: q.Mailbox, path: mb + path + encodeQuery(query...), header: map[string]string{"Prefer": preferImmutableIDs}}, opFind, s.LabelProperty, nil
}

// value is q's argument named arg, for a lookup by equality.
func (q Lookup) value(arg string) string {
	switch arg {
	case "name":
		return q.Name
	case "title":
		return q.Title
	}
	return ""
}

// lookupPages reads a lookup's first page (from its batch) and the pages
// after it, directly, with the first request's headers.
func (c *Client) lookupPages(ctx context.Context, op string, req getReq, labelKey string, body json.RawMessage) ([]ItemSummary, error) {
	var page struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("%s: reading Graph's answer: %s", op, jsonProblem(err))
	}
	var out []ItemSummary
	add := func(raw json.RawMessage) error {
		it, err := parseItemSummary(raw, labelKey)
		if err != nil {
			return fmt.Errorf("%s: reading Graph's answer: %w", op, err)
		}
		if labelKey == "userPrincipalName" && it.Label == "" {
			return fmt.Errorf("%s: reading Graph's answer: a user without a userPrincipalName", op)
		}
		out = append(out, it)
		return nil
	}
	for _, v := range page.Value {
		if err := add(v); err != nil {
			return nil, err
		}
	}
	next, err := c.nextLink(page.NextLink)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if next == "" {
		return out, nil
	}
	h := http.Header{}
	for k, v := range req.header {
		if k != "Prefer" { // send sets it on every request
			h.Set(k, v)
		}
	}
	if err := c.pagedGet(ctx, meta{op: op, mailbox: req.mailbox, header: h}, next, add); err != nil {
		return nil, err
	}
	return out, nil
}

// seenKey names an item (or, with list true, a To Do list) of a mailbox
// among the labels lookups found.
func seenKey(mailbox, id string, list bool) string {
	k := strings.ToLower(mailbox) + "\x00" + id
	if list {
		k += "\x00list"
	}
	return k
}

// rememberLabels keeps what a mailbox lookup found, for the refresh
// (listBatch) to take instead of asking again.
func (c *Client) rememberLabels(q Lookup, items []ItemSummary) {
	s, ok := item.FindDataSource(string(q.Kind))
	if !ok {
		return
	}
	for _, it := range items {
		c.seenLabels.Store(seenKey(q.Mailbox, it.ID, s.Parent != nil), it.Label)
	}
}

// seenLabel is a label a lookup found, if one did.
func (c *Client) seenLabel(mailbox, id string, list bool) (string, bool) {
	v, ok := c.seenLabels.Load(seenKey(mailbox, id, list))
	if !ok {
		return "", false
	}
	return v.(string), true
}
