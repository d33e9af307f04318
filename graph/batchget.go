package graph

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// getReq is one GET sent inside a $batch: a listing, a lookup, a page of
// a directory query.
type getReq struct {
	mailbox string // whose limits it counts against; "" = the directory (no mailbox)
	path    string // under the version, query included: "/users/x/messages?$filter=…"
	header  map[string]string
}

// getResult is one inner answer: the body of a 200, or the error.
type getResult struct {
	body json.RawMessage
	err  error
}

// batchGets sends reqs through $batch, 20 per request, mixing mailboxes so
// that a request per mailbox is not a round trip per mailbox. Requests are
// ordered by mailbox first, so a mailbox's requests share as few batches as
// they can. The batches go out in parallel (bounded by the parallelism in
// ctx, WithParallelism); each holds, while in flight, a concurrency slot of
// every mailbox it carries, and counts as one request against each one's
// budget, so Outlook's per-mailbox limits hold across batches and the other
// requests of the run. Inner answers 429, 503 or 504 go again in a new
// batch after the longest Retry-After among them (see sendRounds). The
// results are in the order of reqs.
func (c *Client) batchGets(ctx context.Context, op string, reqs []getReq) []getResult {
	out := make([]getResult, len(reqs))
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(strings.ToLower(reqs[a].mailbox), strings.ToLower(reqs[b].mailbox))
	})
	var wg sync.WaitGroup
	for chunk := range slices.Chunk(order, batchMax) {
		wg.Go(func() {
			defer func() {
				// A bug must fail these requests, not crash the process.
				if p := recover(); p != nil {
					for _, i := range chunk {
						out[i] = getResult{err: fmt.Errorf("%s: internal error (please report it): %v", op, p)}
					}
				}
			}()
			c.sendRounds(ctx, op, reqs, chunk, out)
		})
	}
	wg.Wait()
	return out
}

// sendRounds sends the requests of chunk (indices into reqs) in one $batch,
// then those answered 429, 503 or 504 again, until each has an answer or
// the retries are spent. Answers go into out at their index.
func (c *Client) sendRounds(ctx context.Context, op string, reqs []getReq, chunk []int, out []getResult) {
	pending := chunk
	for round := 0; len(pending) > 0; round++ {
		sent := time.Now()
		resps, err := c.sendGets(ctx, reqs, pending)
		if err != nil {
			for _, i := range pending {
				out[i] = getResult{err: err}
			}
			return
		}
		var again []int
		// The round waits once, for the longest of its inner answers'
		// Retry-After (or a backoff when one named none), and each
		// mailbox's limiter hears of its 429s once: they answer one
		// request of it.
		var wait time.Duration
		waitStatus, waitMailbox := http.StatusTooManyRequests, ""
		throttled := map[string]time.Duration{}
		for n, i := range pending {
			r, ok := resps[strconv.Itoa(n)]
			switch {
			case !ok:
				out[i] = getResult{err: fmt.Errorf("%s: Graph's batch answer left this request out", op)}
			case r.Status == http.StatusOK:
				out[i] = getResult{body: r.Body}
			case (r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable || r.Status == http.StatusGatewayTimeout) && round < c.retry.MaxRetries:
				ra, ok := parseRetryAfter(header(r.Headers, "Retry-After"), time.Now())
				if ok && ra > c.bounds.MaxRetryAfter {
					out[i] = getResult{err: &waitError{graph: innerError(op, r), msg: c.waitTooLong(op, r.Status, ra)}}
					continue
				}
				if !ok {
					ra = jitteredBackoff(c.retry.WaitMin, c.retry.WaitMax, round)
				}
				if mb := reqs[i].mailbox; r.Status == http.StatusTooManyRequests && mb != "" {
					throttled[strings.ToLower(mb)] = max(throttled[strings.ToLower(mb)], ra)
				}
				if ra > wait {
					wait, waitStatus, waitMailbox = ra, r.Status, reqs[i].mailbox
				}
				again = append(again, i)
			default:
				out[i] = getResult{err: innerError(op, r)}
			}
		}
		pending = again
		if wait > 0 && len(pending) > 0 {
			c.notifyWait(Wait{Op: op, Mailbox: waitMailbox, Status: waitStatus, For: wait})
		}
		for mb, ra := range throttled {
			// The batch's send time, so that its 429s halve the
			// concurrency once, not once per inner request.
			c.limits.throttled(mb, sent, ra)
		}
		if len(pending) == 0 {
			return
		}
		wait = c.retry.wait(wait)
		c.log.Debug("retrying throttled requests of a batch", "requests", len(pending), "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			for _, i := range pending {
				out[i] = getResult{err: fmt.Errorf("%s: %w", opBatch, ctx.Err())}
			}
			return
		case <-t.C:
		}
	}
}

// sendGets POSTs one $batch of the requests at idx (ids are their
// positions in idx) and returns the answers by id. While it is in flight
// it holds a slot of each mailbox it carries, taken in name order (every
// batch takes them in that order, so two batches never wait on each
// other); the parallelism bound is taken once, for the batch, by the
// transport.
func (c *Client) sendGets(ctx context.Context, reqs []getReq, idx []int) (map[string]batchResponse, error) {
	inner := make([]batchRequest, len(idx))
	var mailboxes []string
	for n, i := range idx {
		r := reqs[i]
		inner[n] = batchRequest{ID: strconv.Itoa(n), Method: http.MethodGet, URL: r.path, Headers: r.header}
		if r.mailbox != "" {
			mailboxes = append(mailboxes, strings.ToLower(r.mailbox))
		}
	}
	slices.Sort(mailboxes)
	mailboxes = slices.Compact(mailboxes)
	noFlow := context.WithValue(ctx, flowKey{}, (*flow)(nil))
	for _, mb := range mailboxes {
		release, err := c.limits.acquire(noFlow, mb, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opBatch, err)
		}
		defer release()
	}
	body, err := json.Marshal(map[string]any{"requests": inner})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opBatch, err)
	}
	// Only GETs inside: the batch as a whole is safe to resend. The
	// mailboxes' slots are held above, so the batch itself belongs to none.
	m := meta{op: opBatch, idempotent: true, auth: true, answer: answerBatch}
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

// innerError is one inner answer's error, for op.
func innerError(op string, r batchResponse) *Error {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	body := []byte(r.Body)
	if len(body) > errorBodyLimit {
		body = body[:errorBodyLimit]
	}
	e := decodeError(r.Status, h, body)
	e.Op = op
	e.Hint = hintFor(op, e)
	return e
}
