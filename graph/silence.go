package graph

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// SilentAttempts is how many attempts in a row a request makes that hear
// nothing at all (each ended by Bounds.IdleTimeout) before it gives up
// with ErrNoAnswer. With the default idle timeout, and since a give-up
// also ends at once every later attempt to that host (see hostWatch), a
// run whose Graph goes silent ends within about four idle timeouts of
// the last answer.
const SilentAttempts = 3

// ErrNoAnswer: Graph, or the host of an upload URL, answered nothing
// (not a byte) to SilentAttempts attempts in a row of one request. After
// that, every request of the same client to that host fails at once with
// it, unsent, until the host answers another request in flight or
// SilentAttempts idle timeouts have passed: a run ends instead of waiting
// on a server that has gone. Such errors match ErrTimeout too.
var ErrNoAnswer = errors.New("nothing came back from Graph")

// Silence tells a caller that a request of its is waiting for Graph: it
// has heard nothing since Since. A Silence with a zero Since says the
// request hears from Graph again.
type Silence struct {
	Host  string    // the host waited on (Graph's, or an upload URL's: only its host)
	Since time.Time // when the request last heard from it, or began
}

type silenceKey struct{}

// WithSilenceObserver returns a context whose requests tell observe when
// nothing has moved for a sixth of the idle timeout (10 s by default), and
// again when they hear from Graph after that. observe must return quickly.
func WithSilenceObserver(ctx context.Context, observe func(Silence)) context.Context {
	return context.WithValue(ctx, silenceKey{}, observe)
}

func silenceObserverFrom(ctx context.Context) func(Silence) {
	if f, ok := ctx.Value(silenceKey{}).(func(Silence)); ok && f != nil {
		return f
	}
	return func(Silence) {}
}

// hostWatch is what the client knows of one host's silence: when it last
// answered anything, and whether a request gave up on it since.
type hostWatch struct {
	heard  atomic.Int64 // unix nanoseconds of the last answer byte
	gaveUp atomic.Int64 // unix nanoseconds of the last give-up; 0 none
}

type hostWatches struct{ m sync.Map } // host → *hostWatch

func (hs *hostWatches) get(host string) *hostWatch {
	if h, ok := hs.m.Load(host); ok {
		return h.(*hostWatch)
	}
	h, _ := hs.m.LoadOrStore(host, &hostWatch{})
	return h.(*hostWatch)
}

// given reports whether a request gave up on the host less than hold ago
// and nothing was heard from it since, and since when it has not
// answered. The hold ends by itself so that a client that lives longer
// than a run tries the host again; a run has stopped starting changes
// long before (apply ends on ErrNoAnswer).
func (h *hostWatch) given(hold time.Duration) (time.Time, bool) {
	g := h.gaveUp.Load()
	heard := h.heard.Load()
	var since time.Time
	if heard != 0 {
		since = time.Unix(0, heard)
	}
	return since, g != 0 && heard <= g && time.Since(time.Unix(0, g)) < hold
}

// noAnswerError is ErrNoAnswer: a request gave up on a silent host, or
// was not sent because another had.
type noAnswerError struct {
	host     string
	op       string
	quiet    time.Duration // the last attempt's: how long nothing came
	attempts int           // 0: not sent (another request gave up)
	doing    string        // what the last attempt waited for
	since    time.Time     // not sent: the host's last answer (zero: none in this run)
}

func (e *noAnswerError) Error() string {
	if e.attempts == 0 {
		since := "since this run began"
		if !e.since.IsZero() {
			since = "for " + roundQuiet(time.Since(e.since))
		}
		return fmt.Sprintf("Graph (%s) has not answered %s and a request already gave up on it: %s not sent", e.host, since, e.op)
	}
	return fmt.Sprintf("Graph (%s) did not answer for %s, %d %s: %s, %s. A server or proxy on the way holds the connection open and sends nothing; run again once Graph answers (graph { idle_timeout } sets the wait)",
		e.host, roundQuiet(e.quiet), e.attempts, plural(e.attempts, "attempt", "attempts"), e.op, e.doing)
}

func (e *noAnswerError) Unwrap() []error { return []error{ErrNoAnswer, ErrTimeout} }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// roundQuiet writes a stretch of silence for people: "60s", "90s",
// "2m5s", "150ms".
func roundQuiet(d time.Duration) string {
	switch {
	case d >= 2*time.Minute:
		return roundWait(d.Round(time.Second))
	case d >= time.Second:
		return fmt.Sprintf("%ds", int64(d.Round(time.Second)/time.Second))
	case d >= 10*time.Millisecond:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.String()
}
