package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/attachform/attachform/item"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Operation names, used in errors and logs.
const (
	opList          = "list attachments"
	opGet           = "get attachment"
	opContent       = "read attachment content"
	opAdd           = "add attachment"
	opDelete        = "delete attachment"
	opCreateSession = "create upload session"
	opUploadRange   = "upload range"
	opSessionStatus = "read upload session status"
	opCancelSession = "cancel upload session"
	opBatch         = "batch"
	opFind          = "find items"
)

// preferImmutableIDs keeps message ids valid when a message moves to another
// folder; ids stored in state depend on it, so every request carries it.
const preferImmutableIDs = `IdType="ImmutableId"`

// call is one logical request; the retry policy may send it several times.
type call struct {
	meta
	method string
	url    string
	header http.Header
	// body returns the body from its start; nil for no body. It is called
	// once per attempt.
	body   func() (io.Reader, error)
	length int64 // Content-Length; -1 unknown
}

// send performs c with the retry policy and returns the final answer,
// whatever its status; the caller closes its body. Errors below HTTP come
// back redacted, with ErrAmbiguous when the request may have taken effect.
func (c *Client) send(ctx context.Context, cl *call) (*http.Response, error) {
	var body any
	if cl.body != nil {
		body = retryablehttp.ReaderFunc(cl.body)
	}
	req, err := retryablehttp.NewRequestWithContext(withMeta(ctx, &cl.meta), cl.method, cl.url, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", cl.op, Redact(err.Error()))
	}
	if cl.body != nil {
		req.ContentLength = cl.length
		// net/http resends a body on its own only when nothing was written
		// (a stale pooled connection), which is always safe.
		req.GetBody = func() (io.ReadCloser, error) {
			r, err := cl.body()
			if err != nil {
				return nil, err
			}
			return io.NopCloser(r), nil
		}
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	req.Header.Set("Prefer", preferImmutableIDs)
	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, c.transportError(ctx, cl, err)
	}
	if throttleStatus(resp.StatusCode) {
		if d, ok := retryAfter(resp.Header, time.Now()); ok && d > c.bounds.MaxRetryAfter {
			e := responseError(cl.op, resp)
			return nil, &waitError{graph: e, msg: c.waitTooLong(cl.op, resp.StatusCode, d)}
		}
	}
	if resp.StatusCode == http.StatusGatewayTimeout && !cl.idempotent {
		// A gateway gave up waiting; the request may have gone through.
		e := responseError(cl.op, resp)
		e.also = append(e.also, ErrAmbiguous)
		return nil, e
	}
	return resp, nil
}

// transportError rewrites a failure below HTTP for the caller: net/http's
// *url.Error quotes the URL, which may be a credential, so it is dropped;
// the cause stays reachable for errors.Is.
func (c *Client) transportError(ctx context.Context, cl *call, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", cl.op, ctx.Err())
	}
	var amb *ambiguousError
	if errors.As(err, &amb) {
		return amb
	}
	var na *noAnswerError
	if errors.As(err, &na) {
		return na
	}
	var ae *attemptError
	if errors.As(err, &ae) && ae.silent && cl.meta.watch != nil {
		// The request gives up on a silent host; so do the client's
		// next requests to it, until it answers one in flight.
		w := cl.meta.watch
		w.hw.gaveUp.Store(time.Now().UnixNano())
		return &noAnswerError{host: w.host, op: cl.op, quiet: ae.quiet, attempts: max(cl.meta.silent, 1), doing: ae.doing}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if cl.meta.body != nil && cl.meta.body.failed() != nil {
		return fmt.Errorf("%s: reading the content: %w", cl.op, cl.meta.body.failed())
	}
	return &redactedError{msg: cl.op + ": " + Redact(err.Error()), err: err}
}

// waitError is a refusal whose Retry-After is longer than the client
// waits: Graph's error, with ErrWaitTooLong and the message that says so.
type waitError struct {
	graph *Error
	msg   string
}

func (e *waitError) Error() string {
	if e.graph.Code != "" {
		return Redact(e.msg + " [" + e.graph.Code + "]")
	}
	return Redact(e.msg)
}

func (e *waitError) Unwrap() []error { return []error{ErrWaitTooLong, e.graph} }

// redactedError shows a redacted message and keeps the cause for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// ambiguousError is ErrAmbiguous with the cause.
type ambiguousError struct {
	op  string
	err error
}

func (e *ambiguousError) Error() string {
	return Redact(fmt.Sprintf("%s: %v (%v)", e.op, ErrAmbiguous, e.err))
}

func (e *ambiguousError) Unwrap() []error { return []error{ErrAmbiguous, e.err} }

// getJSON GETs u (already absolute) and decodes a 200 answer into out.
func (c *Client) getJSON(ctx context.Context, m meta, u string, out any) error {
	m.idempotent = true
	m.auth = true
	resp, err := c.send(ctx, &call{meta: m, method: http.MethodGet, url: u, header: m.header})
	if err != nil {
		return err
	}
	return c.decodeJSON(&m, resp, out, http.StatusOK)
}

// decodeJSON decodes a JSON answer with one of the ok statuses into out
// (at most the answer's cap of it), or returns the answer as an *Error.
func (c *Client) decodeJSON(m *meta, resp *http.Response, out any, ok ...int) error {
	op := m.op
	for _, s := range ok {
		if resp.StatusCode == s {
			defer resp.Body.Close()
			raw, err := readCapped(resp.Body, c.answerCap(m))
			if err != nil {
				return fmt.Errorf("%s: reading Graph's answer: %w", op, err)
			}
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("%s: reading Graph's answer: %s", op, jsonProblem(err))
			}
			return nil
		}
	}
	return responseError(op, resp)
}

// jsonProblem describes a JSON decoding error without quoting the answer.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s holds a JSON %s where %s belongs", clean(typ.Field, 80), typ.Value, typ.Type)
	}
	return clean(err.Error(), 200)
}

// pagedGet collects every page of a collection, following @odata.nextLink.
// A next link must stay on the Graph origin (the token goes with it), may
// not name a page already read, and the pages are at most
// Bounds.MaxPages: a chain that never ends is a server's fault, reported
// as ErrMisbehaving.
func (c *Client) pagedGet(ctx context.Context, m meta, u string, each func(json.RawMessage) error) error {
	m.answer = answerPage
	seen := map[string]bool{}
	for page := 1; u != ""; page++ {
		if page > c.bounds.MaxPages {
			return fmt.Errorf("%s: %w: Graph named a next page (@odata.nextLink) after %d pages; attachform reads at most %d pages of one listing, so a server or proxy is sending an endless chain", m.op, ErrMisbehaving, page-1, c.bounds.MaxPages)
		}
		seen[u] = true
		var p struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"@odata.nextLink"`
		}
		if err := c.getJSON(ctx, m, u, &p); err != nil {
			return err
		}
		for _, v := range p.Value {
			if err := each(v); err != nil {
				return err
			}
		}
		next, err := c.nextLink(p.NextLink)
		if err != nil {
			return fmt.Errorf("%s: %w", m.op, err)
		}
		if next != "" && seen[next] {
			return fmt.Errorf("%s: %w: Graph's next page (@odata.nextLink) after page %d is one already read; its paging goes in a circle", m.op, ErrMisbehaving, page)
		}
		u = next
	}
	return nil
}

// nextLink checks a paging link: same origin as the endpoint, else refused.
func (c *Client) nextLink(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := c.base.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: unreadable paging link", ErrUnsafeURL)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: paging link carries user information", ErrUnsafeURL)
	}
	if origin(u) != c.origin {
		return "", fmt.Errorf("%w: paging link to %s, not the Graph endpoint %s; the token goes only to Graph", ErrUnsafeURL, clean(u.Host, 100), c.base.Host)
	}
	// Same origin, but spelled as the answer wrote it ("GRAPH.microsoft.com:");
	// the request goes to the endpoint exactly as configured.
	u.Scheme, u.Host, u.Fragment = c.base.Scheme, c.base.Host, ""
	return u.String(), nil
}

// itemPath is an item's path under /v1.0, each id escaped as one segment
// (ids are base64-like and may hold '/', '+' or '='): its owner's mailbox,
// its parent's collection and id when it has one, its collection and id,
// as its kind's entry in item's table says.
func itemPath(it item.Ref) (string, error) {
	if it.Mailbox == "" || it.ID == "" {
		return "", fmt.Errorf("incomplete item %q: mailbox and id are required", it.String())
	}
	d, ok := it.Kind.Definition()
	if !ok {
		return "", fmt.Errorf("unknown item kind %q", it.Kind)
	}
	p, err := parentPath(d, it)
	if err != nil {
		return "", err
	}
	return p + "/" + d.Path + "/" + url.PathEscape(it.ID), nil
}

// parentPath is the path the item's collection is in: its parent's (a To
// Do task's list) or else its owner's mailbox.
func parentPath(d item.Definition, it item.Ref) (string, error) {
	owner := ownerPath(d.Owner, it.Mailbox)
	if d.Parent == nil {
		return owner, nil
	}
	if it.ListID == "" {
		return "", fmt.Errorf("incomplete item %q: a %s needs its %s id", it.String(), d.Label, d.Parent.Noun)
	}
	return owner + "/" + d.Parent.Path + "/" + url.PathEscape(it.ListID), nil
}

// ownerPath is the path of the mailbox named id: /users/{id} or /me for a
// user's, /groups/{id} for a group's.
func ownerPath(o item.Owner, id string) string {
	switch {
	case o == item.Group:
		return "/groups/" + url.PathEscape(id)
	case strings.EqualFold(id, "me"):
		return "/me"
	}
	return "/users/" + url.PathEscape(id)
}

// apiURL joins the endpoint, path and query. OData system options keep
// their '$' unescaped, as Graph's documentation writes them; values are
// escaped (see queryValue).
func (c *Client) apiURL(path string, query ...string) string {
	var b strings.Builder
	b.WriteString(c.base.String())
	b.WriteString(path)
	b.WriteString(encodeQuery(query...))
	return b.String()
}

// encodeQuery encodes key, value pairs.
func encodeQuery(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(strings.ReplaceAll(url.QueryEscape(kv[i]), "%24", "$"))
		b.WriteByte('=')
		b.WriteString(queryValue.Replace(url.QueryEscape(kv[i+1])))
	}
	return b.String()
}

// queryValue undoes QueryEscape where Graph's documentation writes the
// character plainly: commas in $select, and spaces as %20 rather than '+'.
var queryValue = strings.NewReplacer("+", "%20", "%2C", ",")

// odataString quotes s as an OData string literal.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
