package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// maxBatch is Graph's limit on requests in one $batch.
const maxBatch = 20

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// decodeBatch parses and checks a $batch payload: at most 20 requests, ids
// unique and non-empty, relative urls, a Content-Type for every body,
// dependsOn naming other requests of the batch without cycles. It returns
// the requests in an order that runs every dependency first.
func decodeBatch(b []byte) ([]batchRequest, error) {
	var payload struct {
		Requests []batchRequest `json:"requests"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&payload); err != nil {
		return nil, fmt.Errorf("invalid batch payload: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid batch payload: trailing data")
	}
	reqs := payload.Requests
	switch {
	case len(reqs) == 0:
		return nil, errors.New("invalid batch payload: no requests")
	case len(reqs) > maxBatch:
		return nil, fmt.Errorf("the number of batch requests (%d) exceeds the maximum of %d", len(reqs), maxBatch)
	}
	index := map[string]int{}
	for i, r := range reqs {
		if r.ID == "" {
			return nil, fmt.Errorf("request %d has no id", i)
		}
		if _, dup := index[r.ID]; dup {
			return nil, fmt.Errorf("the batch request id %q is used more than once", r.ID)
		}
		index[r.ID] = i
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return nil, fmt.Errorf("request %q: unsupported method %q", r.ID, r.Method)
		}
		if r.URL == "" || strings.Contains(r.URL, "://") {
			return nil, fmt.Errorf("request %q: url must be relative to the version, like \"/me/messages\"", r.ID)
		}
		if len(r.Body) > 0 && string(r.Body) != "null" && headerValue(r.Headers, "Content-Type") == "" {
			return nil, fmt.Errorf("request %q has a body but no Content-Type header", r.ID)
		}
	}
	for _, r := range reqs {
		for _, d := range r.DependsOn {
			if _, ok := index[d]; !ok || d == r.ID {
				return nil, fmt.Errorf("request %q depends on unknown request %q", r.ID, d)
			}
		}
	}
	// Kahn's algorithm, keeping the payload's order among ready requests.
	done := make([]bool, len(reqs))
	order := make([]batchRequest, 0, len(reqs))
	for len(order) < len(reqs) {
		progressed := false
		for i, r := range reqs {
			if done[i] {
				continue
			}
			ready := true
			for _, d := range r.DependsOn {
				ready = ready && done[index[d]]
			}
			if ready {
				done[i], progressed = true, true
				order = append(order, r)
			}
		}
		if !progressed {
			return nil, errors.New("the dependsOn of the batch requests form a cycle")
		}
	}
	return order, nil
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// serveBatch serves POST /v1.0/$batch. Each inner request is served on its
// own, throttled and faulted on its own; a request whose dependency failed
// answers 424 (and draws no fault: it is not run); answers come back
// shuffled (seeded), since Graph promises no order.
func (s *Server) serveBatch(c *rq) *apiErr {
	if c.r.Method != http.MethodPost {
		return errMethod(c.r.Method)
	}
	var raw json.RawMessage
	if e := readJSON(c, &raw); e != nil {
		return e
	}
	reqs, err := decodeBatch(raw)
	if err != nil {
		return errBadRequest(err.Error())
	}
	s.stats.recordBatched(len(reqs))
	status := map[string]int{}
	out := make([]batchResponse, 0, len(reqs))
	for _, br := range reqs {
		failed := ""
		for _, d := range br.DependsOn {
			if status[d] >= 400 {
				failed = d
			}
		}
		var resp batchResponse
		if failed != "" {
			rec := newBatchRecorder(c.w.Header())
			s.writeErr(rec, newErr(http.StatusFailedDependency, "FailedDependency", "The request depends on request '"+failed+"', which failed."))
			resp = rec.response(br.ID)
		} else {
			resp = s.runInner(c, br)
		}
		status[br.ID] = resp.Status
		out = append(out, resp)
	}
	s.faults.mu.Lock()
	s.faults.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	s.faults.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"responses": out})
	return nil
}

func (s *Server) runInner(c *rq, br batchRequest) batchResponse {
	rec := newBatchRecorder(c.w.Header())
	var body []byte
	if len(br.Body) > 0 && string(br.Body) != "null" {
		body = br.Body
		mt, _, _ := mime.ParseMediaType(headerValue(br.Headers, "Content-Type"))
		if mt != "application/json" {
			// Graph carries non-JSON bodies as base64 strings.
			var b64 string
			if json.Unmarshal(br.Body, &b64) != nil {
				s.writeErr(rec, errBadRequest("A non-JSON body must be a base64 string."))
				return rec.response(br.ID)
			}
			dec, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				s.writeErr(rec, errBadRequest("A non-JSON body must be a base64 string."))
				return rec.response(br.ID)
			}
			body = dec
		}
	}
	target := "/" + c.version + "/" + strings.TrimPrefix(br.URL, "/")
	r, err := http.NewRequestWithContext(c.r.Context(), br.Method, target, bytes.NewReader(body))
	if err != nil {
		s.writeErr(rec, errBadRequest("Invalid url: "+err.Error()))
		return rec.response(br.ID)
	}
	r.ContentLength = int64(len(body))
	for k, v := range br.Headers {
		r.Header.Set(k, v)
	}
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil || len(segs) == 0 {
		s.writeErr(rec, errBadRequest("Invalid request path."))
		return rec.response(br.ID)
	}
	switch f := s.faults.drawInner(c.r, r, body); f {
	case fault503, fault429:
		s.writeErr(rec, s.faults.refusal(f))
	case faultReset:
		s.serveInner(c, newBatchRecorder(c.w.Header()), r, segs)
		s.writeErr(rec, s.faults.lostAnswer())
	default:
		s.serveInner(c, rec, r, segs)
	}
	return rec.response(br.ID)
}

// serveInner routes one inner request of c, answering on w.
func (s *Server) serveInner(c *rq, w http.ResponseWriter, r *http.Request, segs []string) {
	// The outer request's token authorizes every inner one, as in Graph.
	inner := &rq{w: w, r: r, inner: true, immutable: prefersImmutable(r), who: c.who}
	if e := s.route(inner, segs); e != nil {
		s.writeErr(w, e)
	}
}

// batchRecorder captures an inner request's answer.
type batchRecorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
	once   sync.Once
}

func newBatchRecorder(outer http.Header) *batchRecorder {
	h := http.Header{}
	for _, k := range []string{"request-id", "client-request-id"} {
		h.Set(k, outer.Get(k))
	}
	return &batchRecorder{h: h}
}

func (b *batchRecorder) Header() http.Header { return b.h }
func (b *batchRecorder) WriteHeader(code int) {
	b.once.Do(func() { b.status = code })
}
func (b *batchRecorder) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.buf.Write(p)
}

func (b *batchRecorder) response(id string) batchResponse {
	resp := batchResponse{ID: id, Status: b.status, Headers: map[string]string{}}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	for k, v := range b.h {
		if k == "Content-Length" || k == "Request-Id" || k == "Client-Request-Id" || len(v) == 0 {
			continue
		}
		resp.Headers[k] = v[0]
	}
	if b.buf.Len() > 0 {
		mt, _, _ := mime.ParseMediaType(b.h.Get("Content-Type"))
		if mt == "application/json" {
			resp.Body = json.RawMessage(b.buf.Bytes())
		} else {
			enc, _ := json.Marshal(base64.StdEncoding.EncodeToString(b.buf.Bytes()))
			resp.Body = enc
		}
	}
	return resp
}
