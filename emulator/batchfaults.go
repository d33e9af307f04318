package emulator

import (
	"bytes"
	"io"
	"net/http"
)

// Faults inside $batch. Graph answers each inner request on its own (issue
// 3: "inner requests throttled individually"), so injected faults reach
// them one by one too, drawn from the same generator as the outer ones.

// drawInner draws the fault of one inner request, as Faults.Only sees it.
// Latency is not drawn for it: the batch is one round trip, already delayed
// as a whole.
func (fi *faultInjector) drawInner(outer, inner *http.Request, body []byte) fault {
	f, _, _ := fi.draw(innerView(outer, inner, body))
	return f
}

// innerView is an inner request as if it had been sent on its own: its
// method, its URL under /v1.0 (or /beta) on the outer request's host, its
// own headers and a copy of its body (reading it consumes nothing), in the
// outer request's context.
func innerView(outer, inner *http.Request, body []byte) *http.Request {
	v := inner.Clone(inner.Context())
	v.Host = outer.Host
	v.RemoteAddr = outer.RemoteAddr
	v.RequestURI = inner.URL.RequestURI()
	v.Body = io.NopCloser(bytes.NewReader(body))
	v.GetBody = nil
	return v
}

// lostAnswer stands for a reset inside $batch, where there is no connection
// of its own to drop: the inner request took effect and its answer is lost
// behind Graph's gateway, which answers 504 (an outcome the client cannot
// know, like a reset's). Counted as a reset.
func (fi *faultInjector) lostAnswer() *apiErr {
	fi.nReset.Add(1)
	return newErr(http.StatusGatewayTimeout, "GatewayTimeout", "The request timed out before its answer was ready; it may have taken effect (injected fault).")
}
