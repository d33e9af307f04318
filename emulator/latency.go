package emulator

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Faults.Latency models Graph's own processing time, which is most of a
// request's latency: a request spends it inside its mailbox's concurrency
// slot, after it is admitted and before its work, so that requests overlap
// on a slow server as on Graph, and a client that does not bound its
// requests per mailbox meets the 4-concurrent limit. A request that takes
// no slot (refused by the throttle, unknown mailbox, the outer $batch, a
// 401) spends it just before its answer; an injected 503 or 429 before its
// refusal. Each request spends it once, whatever path it takes.

// latencyDebt is what one request still owes.
type latencyDebt struct{ ns atomic.Int64 }

type latencyKey struct{}

// owingLatency returns r carrying a debt of d.
func owingLatency(r *http.Request, d time.Duration) (*http.Request, *latencyDebt) {
	debt := &latencyDebt{}
	debt.ns.Store(int64(d))
	return r.WithContext(context.WithValue(r.Context(), latencyKey{}, debt)), debt
}

// spend sleeps the debt, once (nil owes nothing); false when ctx ended
// first (the client went away), and then the request must not take effect.
func (d *latencyDebt) spend(ctx context.Context) bool {
	if d == nil {
		return true
	}
	n := time.Duration(d.ns.Swap(0))
	if n <= 0 {
		return true
	}
	t := time.NewTimer(n)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// spendLatency spends what r still owes, if anything: handlers call it as
// soon as the request holds its mailbox's slot. Inner $batch requests owe
// nothing of their own (their context carries the outer request's debt,
// spent before the batch runs).
func spendLatency(r *http.Request) *apiErr {
	d, _ := r.Context().Value(latencyKey{}).(*latencyDebt)
	if d.spend(r.Context()) {
		return nil
	}
	return errClientGone()
}

// errClientGone answers a request whose client left while it waited; the
// answer reaches no one, and statistics count it as 499.
func errClientGone() *apiErr {
	return newErr(499, "ClientClosedRequest", "The client closed the connection before the request was served.")
}

// latencyWriter spends the debt before the first byte of an answer, for
// requests that never took a slot.
type latencyWriter struct {
	http.ResponseWriter
	debt *latencyDebt
	ctx  context.Context
}

func (w *latencyWriter) WriteHeader(code int) {
	w.debt.spend(w.ctx)
	w.ResponseWriter.WriteHeader(code)
}

func (w *latencyWriter) Write(b []byte) (int, error) {
	w.debt.spend(w.ctx)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *latencyWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
