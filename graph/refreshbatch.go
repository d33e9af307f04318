package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/attachform/attachform/item"
)

// Listing is what a refresh learns of one item: its attachments and what
// people call it.
type Listing struct {
	Attachments []Attachment
	// Label is the item's subject or title, and a To Do task's list's
	// name; zero where Graph did not say (the label is for display, so
	// failing to read it fails nothing).
	Label item.Label
}

// RefreshBatch is ListAttachmentsBatch that also reads each item's label
// in the same $batch requests: one more inner GET per item ($select of the
// subject or title: message-get, event-get, todotask-get) and one per To
// Do list ($select=displayName: todotasklist-get), never a round trip of
// its own.
func (c *Client) RefreshBatch(ctx context.Context, items []item.Ref) (map[item.Ref]Listing, error) {
	return c.listBatch(ctx, items, true)
}

// jobKind is what one inner request of a refresh asks.
type jobKind int

const (
	jobAttachments jobKind = iota // the item's attachments
	jobTitle                      // the item's subject or title
	jobListName                   // the display name of a To Do task's list
)

// listKey names a To Do list for the list-name requests.
func listKey(it item.Ref) string { return strings.ToLower(it.Mailbox) + "\x00" + it.ListID }

// listBatch lists items' attachments and, with labels, reads their labels
// in the same batches (see batchGets). Only a failed listing is an error:
// a label Graph would not give is left out, as it is only shown.
func (c *Client) listBatch(ctx context.Context, items []item.Ref, labels bool) (map[item.Ref]Listing, error) {
	out := make(map[item.Ref]Listing, len(items))
	errs := map[item.Ref]error{}
	type job struct {
		it   item.Ref
		kind jobKind
	}
	var reqs []getReq
	var jobs []job
	add := func(it item.Ref, kind jobKind, path string) {
		jobs = append(jobs, job{it, kind})
		reqs = append(reqs, getReq{mailbox: it.Mailbox, path: path, header: map[string]string{"Prefer": preferImmutableIDs}})
	}
	seen := map[item.Ref]bool{}
	seenList := map[string]bool{}
	titles, lists := map[item.Ref]string{}, map[string]string{}
	for _, it := range items {
		if seen[it] {
			continue
		}
		seen[it] = true
		p, err := itemPath(it)
		if err != nil {
			errs[it] = fmt.Errorf("%s: %w", opList, err)
			continue
		}
		add(it, jobAttachments, p+"/attachments"+encodeQuery("$select", selectFor(it.Kind), "$top", listPageSize))
		if !labels {
			continue
		}
		// A label a data source's lookup found is not asked again.
		if t, ok := c.seenLabel(it.Mailbox, it.ID, false); ok {
			titles[it] = item.BoundLabel(t)
		} else {
			add(it, jobTitle, p+encodeQuery("$select", labelProperty(it.Kind, jobTitle)))
		}
		if it.ListID != "" && !seenList[listKey(it)] {
			seenList[listKey(it)] = true
			if name, ok := c.seenLabel(it.Mailbox, it.ListID, true); ok {
				lists[listKey(it)] = item.BoundLabel(name)
			} else {
				add(it, jobListName, listPath(it)+encodeQuery("$select", labelProperty(it.Kind, jobListName)))
			}
		}
	}
	results := c.batchGets(ctx, opList, reqs)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, res := range results {
		j := jobs[i]
		if j.kind != jobAttachments {
			s, err := "", res.err
			if err == nil {
				s, err = parseLabel(res.body, j.kind, j.it.Kind)
			}
			switch {
			case err != nil:
				c.log.Debug("an item's label was not read; the plan shows its id", "item", j.it.ID, "error", err)
			case j.kind == jobTitle:
				titles[j.it] = s
			default:
				lists[listKey(j.it)] = s
			}
			continue
		}
		if res.err != nil {
			errs[j.it] = res.err
			continue
		}
		// Further pages are read directly, in parallel.
		wg.Go(func() {
			atts, err := c.decodeListPage(ctx, j.it, res.body)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[j.it] = err
				return
			}
			out[j.it] = Listing{Attachments: atts}
		})
	}
	wg.Wait()
	for it, l := range out {
		l.Label = item.Label{Title: titles[it]}
		if it.ListID != "" {
			l.Label.List = lists[listKey(it)]
		}
		out[it] = l
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", opBatch, err)
	}
	if len(errs) > 0 {
		return out, &BatchError{Errs: errs}
	}
	return out, nil
}

// labelProperty is the property people know an item of kind k by, or,
// for jobListName, its parent (a To Do task's list).
func labelProperty(k item.Kind, job jobKind) string {
	d, _ := k.Definition()
	if job == jobListName && d.Parent != nil {
		return d.Parent.LabelProperty
	}
	return d.LabelProperty
}

// listPath is the path of the parent it is in (a To Do task's list).
func listPath(it item.Ref) string {
	d, _ := it.Kind.Definition()
	p, _ := parentPath(d, it) // it has a path: its listing is asked
	return p
}

// parseLabel reads the subject, title or list name of one answer, bounded:
// it is only shown, and shown shortened.
func parseLabel(body []byte, kind jobKind, k item.Kind) (string, error) {
	prop := labelProperty(k, kind)
	var v map[string]json.RawMessage
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("%s: reading Graph's answer: %s", opList, jsonProblem(err))
	}
	var s string
	if raw, ok := v[prop]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: reading Graph's answer: %s is not a string", opList, prop)
		}
	}
	return item.BoundLabel(s), nil
}
