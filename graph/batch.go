package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"slices"
	"strings"
)

// batchMax is Graph's limit of requests in one $batch.
const batchMax = 20

// BatchError reports the items of a batched call that failed; the others'
// results were still returned. Each error matches its sentinels, e.g.
// ErrNotFound for an item that no longer exists.
type BatchError struct {
	Errs map[item.Ref]error
}

func (e *BatchError) Error() string {
	items := slices.SortedFunc(func(yield func(item.Ref) bool) {
		for it := range e.Errs {
			if !yield(it) {
				return
			}
		}
	}, func(a, b item.Ref) int { return strings.Compare(a.String(), b.String()) })
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the batched items failed", len(items))
	for i, it := range items {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(items)-3)
			break
		}
		fmt.Fprintf(&b, "; %s: %v", it, e.Errs[it])
	}
	return b.String()
}

func (e *BatchError) Unwrap() []error {
	out := make([]error, 0, len(e.Errs))
	for _, err := range e.Errs {
		out = append(out, err)
	}
	return out
}

// ListAttachmentsBatch lists the attachments of many items with $batch: up
// to 20 items per request, several mailboxes in one request when each has
// few items, every mailbox's concurrency and budget respected (see
// batchGets). Graph throttles the requests inside a batch one by one: those
// answered 429 or 503 are sent again in a new batch after the longest
// Retry-After among them, the others are kept. Items whose listing failed
// are missing from the map and reported in a *BatchError.
func (c *Client) ListAttachmentsBatch(ctx context.Context, items []item.Ref) (map[item.Ref][]Attachment, error) {
	listed, err := c.listBatch(ctx, items, false)
	out := make(map[item.Ref][]Attachment, len(listed))
	for it, l := range listed {
		out[it] = l.Attachments
	}
	return out, err
}

type batchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// batchAnswer is a $batch answer.
type batchAnswer struct {
	Responses []batchResponse `json:"responses"`
}

// byID indexes the answers by their request id; of two with one id, the
// first is kept (Graph never sends two; a server that does is not
// believed twice).
func (a batchAnswer) byID() map[string]batchResponse {
	byID := make(map[string]batchResponse, len(a.Responses))
	for _, r := range a.Responses {
		if _, dup := byID[r.ID]; !dup {
			byID[r.ID] = r
		}
	}
	return byID
}

// decodeListPage reads one batched listing and fetches its further pages
// directly.
func (c *Client) decodeListPage(ctx context.Context, it item.Ref, body json.RawMessage) ([]Attachment, error) {
	out, nextLink, err := parseListPage(body)
	if err != nil {
		return nil, fmt.Errorf("%s: reading Graph's answer: %w", opList, err)
	}
	add := func(raw json.RawMessage) error {
		a, err := decodeAttachment(raw)
		if err != nil {
			return fmt.Errorf("%s: reading Graph's answer: %w", opList, err)
		}
		out = append(out, a)
		return nil
	}
	next, err := c.nextLink(nextLink)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opList, err)
	}
	if next != "" {
		if err := c.pagedGet(ctx, meta{op: opList, mailbox: it.Mailbox}, next, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseListPage reads one page of attachments and its next link.
func parseListPage(body []byte) ([]Attachment, string, error) {
	var page struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", errors.New(jsonProblem(err))
	}
	out := make([]Attachment, 0, len(page.Value))
	for _, raw := range page.Value {
		a, err := decodeAttachment(raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, a)
	}
	return out, page.NextLink, nil
}

// header reads a $batch answer's header map without regard to case.
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
