package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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
// to 20 items per request, one mailbox per request (so each counts against
// its own mailbox's limits). Graph throttles the requests inside a batch one
// by one: those answered 429 or 503 are sent again in a new batch after the
// longest Retry-After among them, the others are kept. Items whose listing
// failed are missing from the map and reported in a *BatchError.
func (c *Client) ListAttachmentsBatch(ctx context.Context, items []item.Ref) (map[item.Ref][]Attachment, error) {
	out := make(map[item.Ref][]Attachment, len(items))
	errs := map[item.Ref]error{}
	var mu sync.Mutex
	byMailbox := map[string][]item.Ref{}
	var order []string
	seen := map[item.Ref]bool{}
	for _, it := range items {
		if seen[it] {
			continue
		}
		seen[it] = true
		if _, err := itemPath(it); err != nil {
			errs[it] = fmt.Errorf("%s: %w", opList, err)
			continue
		}
		k := strings.ToLower(it.Mailbox)
		if _, ok := byMailbox[k]; !ok {
			order = append(order, k)
		}
		byMailbox[k] = append(byMailbox[k], it)
	}
	var wg sync.WaitGroup
	for _, k := range order {
		for chunk := range slices.Chunk(byMailbox[k], batchMax) {
			wg.Go(func() {
				defer func() {
					// A bug must fail these items, not crash the process.
					if p := recover(); p != nil {
						mu.Lock()
						defer mu.Unlock()
						for _, it := range chunk {
							errs[it] = fmt.Errorf("%s: internal error (please report it): %v", opList, p)
						}
					}
				}()
				res, cerrs := c.listChunk(ctx, chunk)
				mu.Lock()
				defer mu.Unlock()
				for it, atts := range res {
					out[it] = atts
				}
				for it, err := range cerrs {
					errs[it] = err
				}
			})
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", opBatch, err)
	}
	if len(errs) > 0 {
		return out, &BatchError{Errs: errs}
	}
	return out, nil
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

// listChunk lists up to 20 items of one mailbox.
func (c *Client) listChunk(ctx context.Context, chunk []item.Ref) (map[item.Ref][]Attachment, map[item.Ref]error) {
	out := map[item.Ref][]Attachment{}
	errs := map[item.Ref]error{}
	pending := chunk
	for round := 0; len(pending) > 0; round++ {
		sent := time.Now()
		resps, err := c.sendBatch(ctx, pending)
		if err != nil {
			for _, it := range pending {
				errs[it] = err
			}
			return out, errs
		}
		var again []item.Ref
		// The round waits once, for the longest of its inner answers'
		// Retry-After (or a backoff when one named none), and the mailbox's
		// limiter hears of its 429s once: they answer one request.
		var wait, throttledFor time.Duration
		var throttled bool
		waitStatus := http.StatusTooManyRequests
		for i, it := range pending {
			r, ok := resps[strconv.Itoa(i)]
			if !ok {
				errs[it] = fmt.Errorf("%s: Graph's batch answer left this request out", opList)
				continue
			}
			switch {
			case r.Status == http.StatusOK:
				atts, err := c.decodeListPage(ctx, it, r.Body)
				if err != nil {
					errs[it] = err
					continue
				}
				out[it] = atts
			case (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable || r.Status == http.StatusGatewayTimeout) && round < c.retry.MaxRetries:
				ra, ok := parseRetryAfter(header(r.Headers, "Retry-After"), time.Now())
				if ok && ra > c.bounds.MaxRetryAfter {
					e := batchItemError(r)
					errs[it] = &waitError{graph: e, msg: c.waitTooLong(opList, r.Status, ra)}
					continue
				}
				if !ok {
					ra = jitteredBackoff(c.retry.WaitMin, c.retry.WaitMax, round)
				}
				if r.Status == http.StatusTooManyRequests {
					throttled, throttledFor = true, max(throttledFor, ra)
				}
				if ra > wait {
					wait, waitStatus = ra, r.Status
				}
				again = append(again, it)
			default:
				errs[it] = batchItemError(r)
			}
		}
		pending = again
		if wait > 0 && len(pending) > 0 {
			c.notifyWait(Wait{Op: opList, Mailbox: pending[0].Mailbox, Status: waitStatus, For: wait})
		}
		if throttled {
			// One mailbox per chunk. The batch's send time, so that its
			// 429s halve the concurrency once, not once per inner request.
			c.limits.throttled(chunk[0].Mailbox, sent, throttledFor)
		}
		if len(pending) > 0 {
			wait = c.retry.wait(wait)
			c.log.Debug("retrying throttled requests of a batch", "mailbox", pending[0].Mailbox, "requests", len(pending), "wait", wait)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				for _, it := range pending {
					errs[it] = fmt.Errorf("%s: %w", opBatch, ctx.Err())
				}
				return out, errs
			case <-t.C:
			}
		}
	}
	return out, errs
}

// sendBatch POSTs one $batch of attachment listings and returns the answers
// by id.
func (c *Client) sendBatch(ctx context.Context, items []item.Ref) (map[string]batchResponse, error) {
	reqs := make([]batchRequest, len(items))
	for i, it := range items {
		p, _ := itemPath(it)
		reqs[i] = batchRequest{
			ID:      strconv.Itoa(i),
			Method:  http.MethodGet,
			URL:     p + "/attachments" + encodeQuery("$select", selectFor(it.Kind), "$top", listPageSize),
			Headers: map[string]string{"Prefer": preferImmutableIDs},
		}
	}
	body, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opBatch, err)
	}
	// Only GETs inside: the batch as a whole is safe to resend.
	m := meta{op: opBatch, mailbox: items[0].Mailbox, idempotent: true, auth: true, answer: answerBatch}
	resp, err := c.send(ctx, &call{
		meta:   m,
		method: http.MethodPost,
		url:    c.apiURL("/$batch"),
		header: http.Header{"Content-Type": {"application/json"}},
		body:   func() (io.Reader, error) { return bytes.NewReader(body), nil },
		length: int64(len(body)),
	})
	if err != nil {
		return nil, err
	}
	var ans batchAnswer
	if err := c.decodeJSON(&m, resp, &ans, http.StatusOK); err != nil {
		return nil, err
	}
	return ans.byID(), nil
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

// batchItemError is one inner answer's error.
func batchItemError(r batchResponse) *Error {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	body := []byte(r.Body)
	if len(body) > errorBodyLimit {
		body = body[:errorBodyLimit]
	}
	e := decodeError(r.Status, h, body)
	e.Op = opList
	e.Hint = hintFor(opList, e)
	return e
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
